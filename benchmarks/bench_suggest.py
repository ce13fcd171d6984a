"""Evaluates `tracker suggest` honestly and times it: every number in docs/suggest.md comes from here.

Splits (tracker/suggest/evaluate.py has the definitions):
- leave one article out over the stored articles with quote evidence (the model learns from every
  reported event and the other articles' quotes);
- leave one year out over the reported events (train on the other years' events and all quotes,
  test on that year's events);
- the held-out passages of benchmarks/suggest_heldout.yaml, written and committed before any tuning,
  scored once (--heldout): A with the model fitted on all the data, B without any item dated 2025 or
  later; the second set, benchmarks/suggest_heldout2.yaml, written before the third pass changed the
  model, with --heldout-file benchmarks/suggest_heldout2.yaml.
In every fold the weights are chosen by an inner leave-one-article-out on the training data only.
The runtime defaults (tracker/suggest/model.py DEFAULT_WEIGHTS) are chosen the same way on all data.

Run: python benchmarks/bench_suggest.py [--quick] [--repeat N]
[--heldout | --heldout-only | --speed-only | --rerank | --ceiling | --stance-rules]
[--no-speed] [--heldout-file FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from tracker.store import Dataset, load_valid
from tracker.suggest import DEFAULT_WEIGHTS, STANCES, Weights, build_model, examples_from, suggest
from tracker.suggest import evaluate as ev
from tracker.suggest import model as suggest_model
from tracker.suggest import stance as suggest_stance

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = Path(__file__).resolve().parent / "suggest_heldout.yaml"


def pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}"


HEADER = (
    "| fold | relevant/all passages | precision@3 | recall@3 | recall@3 (capped) | first proposal right "
    "| irrelevant left out | stance acc. | majority baseline |\n|---|---|---|---|---|---|---|---|---|"
)


def row(name: str, c: ev.Counts) -> str:
    return (
        f"| {name} | {c.relevant}/{c.relevant + c.irrelevant} | {pct(c.precision)} | {pct(c.recall)} | "
        f"{pct(c.recall_capped)} | {pct(c.ratio(c.first_right, c.relevant))} | {pct(c.left_out_share)} | "
        f"{pct(c.stance_accuracy)} ({c.stance_pairs}) | {pct(c.majority_accuracy)} |"
    )


def confusion(c: ev.Counts) -> None:
    names = [s.value for s in STANCES]
    print("\nstance confusion (rows: gold, columns: guessed)\n")
    print("| gold \\ guessed | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for g in names:
        print(f"| {g} | " + " | ".join(str(c.confusion.get((g, s), 0) or "") for s in names) + " |")


def by_category(c: ev.Counts) -> None:
    """Stance accuracy by the provision's category (fifth pass: where the errors are)."""
    pairs = Counter[str]()
    for (cat, _), n in c.by_category.items():
        pairs[cat] += n
    cats = [cat for cat, _ in pairs.most_common()]
    print("\nstance accuracy by the provision's category\n")
    print("| category | pairs | wrong | accuracy |\n|---|---|---|---|")
    for cat in cats:
        right, wrong = c.by_category[(cat, True)], c.by_category[(cat, False)]
        print(f"| {cat} | {right + wrong} | {wrong} | {pct(right / (right + wrong))} |")


def weights_text(w: Weights) -> str:
    if w.rerank:
        return (
            f"re-ranker cut-off {w.cutoff}, coefficients {list(w.rerank)}, stance L2 {w.stance_l2}, "
            f"stance cue prior {w.stance_cue}, stance neighbours {w.stance_near}, "
            f"context offset {w.stance_context}"
        )
    return (
        f"text {w.text}, learned {w.learned}, nearest {w.nearest}, vote {w.vote}, threshold {w.threshold}, "
        f"relative {w.relative}, stance L2 {w.stance_l2}, stance cue prior {w.stance_cue}, "
        f"stance neighbours {w.stance_near}, context offset {w.stance_context}, "
        f"gate {'off' if w.gate is None else w.gate}, stance kernel {w.stance_kernel}"
    )


def report(title: str, folds: list[ev.Fold], seconds: float) -> ev.Counts:
    print(f"\n## {title} ({seconds:.0f} s)\n")
    print(HEADER)
    total = ev.Counts()
    for f in folds:
        print(row(f.name, f.counts))
        total += f.counts
    print(row("**all**", total))
    confusion(total)
    by_category(total)
    print("\nweights chosen in each fold (on its training data only):")
    for f in folds:
        print(f"- {f.name}: {weights_text(f.weights)}")
    print("\nmisses (relevant passages with no right proposal; irrelevant passages given one):")
    for f in folds:
        for m in f.misses:
            print(f"- {m}")
    return total


def heldout(dataset: Dataset, path: Path = HELDOUT) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    passages, unknown = ev.heldout_passages(data, dataset)
    print(
        f"\n## held-out passages of {path.name} ({len(passages)}; "
        f"{unknown} labels name a provision the data does not have)"
    )
    everything = examples_from(dataset)
    before = [e for e in everything if e.when is None or e.when < date(2025, 1, 1)]
    for name, examples in (
        ("A: fitted on all the data", everything),
        ("B: without any item dated 2025 or later", before),
    ):
        model = build_model(dataset, weights=DEFAULT_WEIGHTS, examples=examples)
        fold = ev.score(model, passages, ev.majority_stance(examples), name)
        print(f"\n### {name}\n")
        print(HEADER)
        print(row(name, fold.counts))
        confusion(fold.counts)
        print("\nmisses:")
        for m in fold.misses:
            print(f"- {m}")


def ceiling(dataset: Dataset) -> None:
    """How much recall@3 any ranking or threshold of the candidates could reach, leaving one article out
    (each fold's model fitted without the article, with the runtime weights): where every gold link is
    lost, and upper bounds (thresholds chosen on the test folds themselves, so optimistic)."""
    sources = ev.articles_with_quotes(dataset)
    everything = examples_from(dataset)
    gold = among = top3 = ungated = article = 0
    folds: list[list[ev.Prepared]] = []
    for held in sources:
        # An oracle reading of the whole article: its three most linked provisions (from its own
        # gold), proposed for each of its relevant passages. What article-level context could give
        # at best if relevance were perfect (fourth pass).
        passages = ev.gold_passages(dataset, held)
        linked = Counter(pid for g in passages for pid in g.provisions)
        main = {pid for pid, _ in sorted(linked.items(), key=lambda kv: (-kv[1], kv[0]))[: ev.TOP]}
        article += sum(len(set(g.provisions) & main) for g in passages)
        train = [e for e in everything if not (e.kind == "quote" and e.source == held)]
        model = build_model(dataset, source_ids=[s for s in sources if s != held], examples=train)
        prepared = ev.prepare(model, ev.gold_passages(dataset, held))
        folds.append(prepared)
        for p in prepared:
            links = set(p.gold.provisions)
            gold += len(links)
            among += len(links & {c[0] for c in p.vectors})
            top3 += len(links & set(ev.proposed(p, dataclasses.replace(DEFAULT_WEIGHTS, threshold=0.0))))
            ungated += len(links & set(ev.proposed(p, dataclasses.replace(DEFAULT_WEIGHTS, threshold=0.0, gate=None))))
    print(f"\n## Ceiling, leave one article out ({gold} gold links)\n")
    print(f"- gold links among the candidates: {pct(among / gold)}%")
    print(f"- recall@3 with no threshold (top three of every passage, runtime weights): {pct(top3 / gold)}%")
    print(f"- the same with no gate either (every passage proposed its top three): {pct(ungated / gold)}%")
    print(
        "- recall@3 of an oracle article-level reading (each relevant passage proposed its article's three "
        f"most linked provisions, from the gold): {pct(article / gold)}%"
    )
    losses(folds)


def _ranked(p: ev.Prepared, w: Weights) -> list[tuple[float, str]]:
    """A passage's candidates by the weighted sum of their parts, best first (as ev.proposed ranks them)."""
    return sorted(
        (
            (w.keywords * k + w.text * t + w.learned * lr + w.nearest * nn + w.vote * vo, pid)
            for pid, k, t, lr, nn, vo, *_ in p.vectors
        ),
        key=lambda x: (-x[0], x[1]),
    )


def losses(folds: list[list[ev.Prepared]]) -> None:
    """Where the gold links of the stored articles are lost with the runtime weights, and what a
    perfect ranking of the candidates, or the best threshold, could reach (fifth pass)."""
    w = DEFAULT_WEIGHTS
    lost: Counter[str] = Counter()
    perfect = gold = 0
    # (best score of the passage, gold links in its runtime top 3, gold links a perfect ranking of its
    # candidates puts in the top 3, relevant?, gate score) per passage: the threshold sweeps below.
    rows: list[tuple[float, int, int, bool, float]] = []
    for prepared in folds:
        for p in prepared:
            links = set(p.gold.provisions)
            ranked = _ranked(p, w)
            order = [pid for _, pid in ranked]
            got = set(ev.proposed(p, w))
            best = ranked[0][0] if ranked else 0.0
            in_top = len(links & set(order[: ev.TOP]))
            can = min(len(links & set(order)), ev.TOP)
            rows.append((best, in_top, can, bool(links), p.gate))
            gold += len(links)
            perfect += can
            for pid in links:
                if pid in got:
                    lost["proposed"] += 1
                elif pid not in order:
                    lost["not a candidate (no specific word of the provision in the passage)"] += 1
                elif pid not in order[: ev.TOP]:
                    lost["a candidate ranked 4th or lower"] += 1
                elif w.gate is not None and p.gate < w.gate:
                    lost["in the top three, the passage cut by the gate"] += 1
                else:
                    lost["in the top three, under the threshold"] += 1
    print(f"\n### Where the {gold} gold links go (runtime weights {weights_text(w)})\n")
    for what, n in lost.most_common():
        print(f"- {what}: {n} ({pct(n / gold)}%)")
    print(
        f"\n- recall@3 of a perfect ranking of the candidates (a passage's gold candidates first, at most "
        f"three), every passage proposed: {pct(perfect / gold)}%"
    )
    irrelevant = sum(1 for r in rows if not r[3])
    table = np.array(rows, dtype=float)
    best_score, relevant, gate = table[:, 0], table[:, 3] > 0, table[:, 4]
    gate_cuts = np.quantile(gate, np.linspace(0, 1, 101)) if len(gate) else gate
    for name, cuts_of_gate in (("the runtime score", [-np.inf]), ("the runtime score and the gate score", gate_cuts)):
        for ranking, col in (("the runtime ranking", 1), ("a perfect ranking of the candidates", 2)):
            recall = 0.0
            for cut in np.unique(np.r_[best_score, 0.0]):
                for g in cuts_of_gate:
                    kept = (best_score >= cut) & (best_score > 0) & (gate >= g)
                    if irrelevant - int((kept & ~relevant).sum()) >= 0.8 * irrelevant:
                        recall = max(recall, float(table[kept, col].sum()) / gold)
            print(
                f"- best recall@3 with at least 80% of irrelevant passages left out, a cut on {name} "
                f"(chosen on these passages), {ranking}: {pct(recall)}%"
            )


def stance_rules(dataset: Dataset) -> None:
    """Stance accuracy of every rule of choosing the stance weights (evaluate.STANCE_RULES) on both
    leave-out splits, the same folds as the full run (sixth pass). Every rule measured is printed."""
    start = time.perf_counter()
    rules = list(ev.STANCE_RULES)
    results = ev.compare_stance_rules(dataset, rules, progress=lambda s: print(f"  {s}", file=sys.stderr))
    print(f"\n## Rules for the stance weights, stance accuracy ({time.perf_counter() - start:.0f} s)\n")
    print(f"The rule choose_weights uses: {ev.STANCE_RULE}\n")
    print("| rule | leave one year out | leave one article out |\n|---|---|---|")
    for rule in rules:
        cells = []
        for split in ("events", "articles"):
            folds = results[split][rule]
            right, pairs = sum(f.right for f in folds), sum(f.pairs for f in folds)
            cells.append(f"{pct(right / pairs)} ({right}/{pairs})")
        print(f"| {rule} | {cells[0]} | {cells[1]} |")
    for split in ("events", "articles"):
        print(f"\nper fold, {split} (stance accuracy; L2, cue prior, neighbours; context offset, kernel share):\n")
        print("| rule | " + " | ".join(f.fold for f in results[split][rules[0]]) + " |")
        print("|---" * (len(results[split][rules[0]]) + 1) + "|")
        for rule in rules:
            print(
                f"| {rule} | "
                + " | ".join(
                    f"{pct(f.right / f.pairs)} ({'/'.join(f'{v:g}' for v in f.choice[0])}; "
                    f"{'/'.join(f'{v:g}' for v in f.choice[1])})"
                    for f in results[split][rule]
                )
                + " |"
            )


def two_thousand_words(dataset: Dataset) -> str:
    """The stored articles one after another (paragraphs kept), cut after the 2,000th word."""
    text = "\n".join(dataset.articles[s] for s in ev.articles_with_quotes(dataset))
    while len(text.split()) < 2000:  # a smaller data set: repeat until long enough
        text += "\n" + text
    end = [m.end() for m in re.finditer(r"\S+", text)][1999]
    return text[:end]


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def speed(dataset: Dataset, repeat: int) -> None:
    text = two_thousand_words(dataset)
    print(f"\n## Speed (a {len(text.split())}-word article made of the stored texts; median of {repeat} runs)\n")
    fit = timed(lambda: build_model(dataset), repeat)
    cold = timed(lambda: build_model(dataset).suggest(text), repeat)
    suggest(dataset, text)
    warm = timed(lambda: suggest(dataset, text), repeat)
    load = timed(lambda: load_valid(ROOT), max(1, repeat // 2))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    # The installed command, as a user runs it (`python -m tracker.cli` when it is not installed).
    script = Path(sys.executable).parent / "tracker"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tracker.cli"]
    run = [*command, "suggest", handle.name, "--json", "--root", str(ROOT)]
    # Without the disk cache: load and fit in the process. With it (the default), after a first run
    # has stored the parsed data and the fitted model: what a user's second command costs.
    cli_cold = timed(lambda: subprocess.run([*run, "--no-cache"], check=True, capture_output=True), max(1, repeat // 2))
    subprocess.run(run, check=True, capture_output=True)
    cli = timed(lambda: subprocess.run(run, check=True, capture_output=True), max(1, repeat // 2))
    bare_cli = timed(lambda: subprocess.run([*command, "--help"], check=True, capture_output=True), max(1, repeat // 2))
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), max(1, repeat // 2))
    Path(handle.name).unlink()
    print("| step | ms |\n|---|---|")
    print(f"| fit the model on all the data (library) | {fit:.0f} |")
    print(f"| fit, then suggest (library, cold) | {cold:.0f} |")
    print(f"| suggest with the model already fitted (library, warm) | {warm:.0f} |")
    print(f"| load and validate the data root (every command does this) | {load:.0f} |")
    print(
        f"| `tracker suggest FILE --json --no-cache`, whole process (start-up, load, fit, suggest, print) "
        f"| {cli_cold:.0f} |"
    )
    print(f"| `tracker suggest FILE --json`, whole process, data and fitted model from the disk cache | {cli:.0f} |")
    print(f"| `tracker --help`, for scale (start-up alone) | {bare_cli:.0f} |")
    print(f"| a bare `python -c pass`, for scale | {bare:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two folds of each split, a small grid (for the tests)")
    parser.add_argument("--repeat", type=int, default=10, help="runs per timing")
    parser.add_argument("--heldout", action="store_true", help="also score the held-out passages")
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument("--heldout-only", action="store_true", help="only the held-out passages and the timings")
    parser.add_argument("--speed-only", action="store_true", help="only the timings")
    parser.add_argument(
        "--rerank",
        action="store_true",
        help="only leave one article out with the re-ranker (tracker/suggest/rerank.py), an experiment",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="only the share of gold links among the candidates and recall@3 without a threshold",
    )
    parser.add_argument(
        "--stance-rules",
        action="store_true",
        help="only the stance accuracy of every rule of choosing the stance weights, on both leave-out splits",
    )
    parser.add_argument(
        "--own-year-out",
        action="store_true",
        help="with --stance-rules: the sixth pass's experiment, model.NEIGHBOURS_LEAVE_OUT_OWN_YEAR on",
    )
    parser.add_argument(
        "--talks-context",
        action="store_true",
        help="with --stance-rules: the sixth pass's third experiment, stance.TALKS_ARE_CONTEXT on",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the data root")
    parser.add_argument(
        "--heldout-file",
        type=Path,
        default=HELDOUT,
        help="the held-out set to score (default: the first, suggest_heldout.yaml; the second: suggest_heldout2.yaml)",
    )
    args = parser.parse_args()
    dataset = load_valid(args.root)
    labelled = examples_from(dataset)
    print(
        f"data: {dataset.summary()}; items learned from: {len(labelled)} "
        f"({Counter(e.kind for e in labelled)['event']} events); "
        f"articles with quote evidence: {len(ev.articles_with_quotes(dataset))}"
    )
    if args.speed_only:
        speed(dataset, args.repeat)
        return
    if args.ceiling:
        ceiling(dataset)
        return
    if args.stance_rules:
        if args.own_year_out:
            suggest_model.NEIGHBOURS_LEAVE_OUT_OWN_YEAR = True
            print("model.NEIGHBOURS_LEAVE_OUT_OWN_YEAR on: a training event's neighbours leave out its own year")
        if args.talks_context:
            suggest_stance.TALKS_ARE_CONTEXT = True
            print("stance.TALKS_ARE_CONTEXT on: talks, negotiations and meetings are a cue toward context")
        stance_rules(dataset)
        return
    if args.rerank:
        start = time.perf_counter()
        folds = ev.leave_one_article_out(dataset, quick=args.quick, rerank=True)
        report("leave one article out, with the re-ranker", folds, time.perf_counter() - start)
        return
    if args.heldout_only:
        heldout(dataset, args.heldout_file)
        if not args.no_speed:
            speed(dataset, args.repeat)
        return
    start = time.perf_counter()
    folds = ev.leave_one_article_out(dataset, quick=args.quick)
    report("leave one article out", folds, time.perf_counter() - start)
    start = time.perf_counter()
    folds = ev.leave_one_year_out(dataset, quick=args.quick)
    report("leave one year out (reported events)", folds, time.perf_counter() - start)
    runtime = ev.choose_weights(dataset, labelled, ev.articles_with_quotes(dataset), quick=args.quick)
    print(f"\nruntime defaults (chosen the same way on all the data): {weights_text(runtime)}")
    same = runtime == DEFAULT_WEIGHTS
    print(f"tracker/suggest/model.py DEFAULT_WEIGHTS {'match these' if same else 'DIFFER: update them'}")
    if args.heldout:
        heldout(dataset, args.heldout_file)
    if not args.no_speed:
        speed(dataset, args.repeat)


if __name__ == "__main__":
    main()
