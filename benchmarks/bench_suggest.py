"""Evaluates `tracker suggest` honestly and times it: every number in docs/suggest.md comes from here.

Leave one article out: for each of the bundled articles that have quoted evidence, everything
learned from evidence (the words linked to each provision, the stance statistics, word rarity) and
every weight and threshold is chosen using the other articles only, then the held-out article is
scored. Weights are chosen by an inner leave-one-article-out over the training articles, so that
the learned words are never judged on the passages they were learned from. The hand-written
keywords and aliases are fixed for all folds (see docs/suggest.md on how they were written); the
ablations show what each part contributes.

Gold: a passage bears on provision P when a quoted passage linked to P covers at least half of the
passage or half of the quote; its gold stances toward P are those of the covering quotes. Only
quote evidence counts (not reported events, not unconfirmed suggestions).

Run: python benchmarks/bench_suggest.py [--quick] [--repeat N]
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
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from tracker.models import Stance
from tracker.store import Dataset, load_valid
from tracker.suggest import (
    DEFAULT_WEIGHTS,
    STANCES,
    Model,
    Parts,
    Weights,
    build_model,
    split_passages,
    suggest,
    text_weight,
)

ROOT = Path(__file__).resolve().parent.parent

GRID_TEXT = (0.0, 0.25, 0.5, 1.0)
GRID_LEARNED = (0.0, 0.25, 0.5, 1.0, 2.0)
GRID_THRESHOLD = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0)
GRID_RELATIVE = (0.0, 0.3, 0.5, 0.7)
GRID_CUE = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
GRID_BAYES = (0.0, 0.25, 0.5, 1.0)
GRID_PRIOR = (0.0, 0.5, 1.0)
TOP = 3


@dataclass
class GoldPassage:
    text: str
    start: int
    end: int
    provisions: dict[str, set[Stance]]


def gold_passages(dataset: Dataset, source_id: str) -> list[GoldPassage]:
    """The passages of an article with the provisions and stances its quote evidence gives them."""
    article = dataset.articles[source_id]
    quotes = [
        item for item in dataset.evidence.values()
        if not item.is_event and item.source_id == source_id and item.span is not None
    ]
    out = []
    for p in split_passages(article):
        gold: dict[str, set[Stance]] = defaultdict(set)
        for item in quotes:
            assert item.span is not None
            overlap = min(p.end, item.span.end) - max(p.start, item.span.start)
            if overlap > 0 and overlap >= 0.5 * min(p.end - p.start, item.span.end - item.span.start):
                for pid in item.evidence.provisions:
                    gold[pid].add(item.evidence.stance)
        out.append(GoldPassage(p.text, p.start, p.end, dict(gold)))
    return out


def articles_with_quotes(dataset: Dataset) -> list[str]:
    have = {item.source_id for item in dataset.evidence.values() if not item.is_event and item.source_id}
    return sorted(s for s in dataset.articles if s in have)


# --------------------------------------------------------------------------- scoring


@dataclass
class Scored:
    """A passage prepared once per model: its gold, its score parts, its stems, and the parts of
    the stance guess toward each gold provision (weights are applied later, many times)."""

    gold: GoldPassage
    parts: dict[str, Parts]
    stems: list[str]
    vectors: list[tuple[str, float, float, float, bool]]
    stance_parts: dict[str, dict[Stance, tuple[float, ...]]]


def prepare(model: Model, passages: Iterable[GoldPassage]) -> list[Scored]:
    out = []
    for g in passages:
        tokens = model.reader.tokens(g.text)
        parts = model.parts(tokens)
        stems = [t.stem for t in tokens]
        vectors = [(pid, p.keyword, p.text, p.learned, p.has_keywords) for pid, p in sorted(parts.items())]
        stance = {pid: model.stance_parts(g.text, stems, pid) for pid in g.provisions}
        out.append(Scored(g, parts, stems, vectors, stance))
    return out


def fast_rank(s: Scored, w: Weights) -> set[str]:
    """The same proposals as Model.rank, from the prepared vectors (the grid search calls it a lot)."""
    kw = 1.0 if w.keywords else 0.0
    scored = sorted(
        ((kw * k + text_weight(w, has) * t + w.learned * lr, pid) for pid, k, t, lr, has in s.vectors),
        key=lambda x: (-x[0], x[1]),
    )
    if not scored or scored[0][0] < w.threshold:
        return set()
    floor = max(w.threshold, w.relative * scored[0][0])
    return {pid for score, pid in scored[:TOP] if score >= floor}


@dataclass
class Counts:
    proposed: int = 0
    correct: int = 0
    gold: int = 0
    irrelevant: int = 0
    left_out: int = 0
    relevant: int = 0
    hit: int = 0
    stance_pairs: int = 0
    stance_right: int = 0
    stance_given_gold: int = 0
    stance_given_gold_right: int = 0
    stance_majority_right: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else float("nan")

    @property
    def precision(self) -> float:
        return self.ratio(self.correct, self.proposed)

    @property
    def recall(self) -> float:
        return self.ratio(self.correct, self.gold)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r and p == p and r == r else 0.0


def relevance_counts(model: Model, scored: Sequence[Scored], w: Weights) -> Counts:
    c = Counts()
    for s in scored:
        proposed = fast_rank(s, w)
        gold = set(s.gold.provisions)
        c.proposed += len(proposed)
        c.correct += len(proposed & gold)
        c.gold += len(gold)
        if gold:
            c.relevant += 1
            c.hit += bool(proposed & gold)
        else:
            c.irrelevant += 1
            c.left_out += not proposed
    return c


def stance_counts(model: Model, scored: Sequence[Scored], w: Weights, majority: Stance) -> Counts:
    c = relevance_counts(model, scored, w)
    for s in scored:
        proposed = {pid for pid, _, _ in model.rank(s.parts, w, TOP)}
        assert proposed == fast_rank(s, w)
        for pid, stances in s.gold.provisions.items():
            guess, _ = model.stance(s.gold.text, s.stems, pid, w)
            c.stance_given_gold += 1
            c.stance_given_gold_right += guess in stances
            c.stance_majority_right += majority in stances
            if pid in proposed:
                c.stance_pairs += 1
                c.stance_right += guess in stances
    return c


# --------------------------------------------------------------------------- choosing weights


@dataclass(frozen=True)
class Variant:
    """Which parts a run may use (the full method, or an ablation)."""

    name: str
    keywords: bool = True
    learned: bool = True
    aliases: bool = True


def without_aliases(dataset: Dataset) -> Dataset:
    return dataclasses.replace(dataset, aliases={})


def choose_weights(dataset: Dataset, train: Sequence[str], variant: Variant) -> Weights:
    """Weights chosen by leave-one-article-out inside `train`: the relevance weights that give the
    best F1 of the top-3 provisions, then the stance weights that give the best stance accuracy on
    the gold (passage, provision) pairs."""
    folds = []
    for held in train:
        rest = [s for s in train if s != held]
        model = build_model(dataset, source_ids=rest)
        folds.append((model, prepare(model, gold_passages(dataset, held)), majority_stance(dataset, rest)))
    grid_learned = GRID_LEARNED if variant.learned else (0.0,)
    best: tuple[float, Weights] | None = None
    for text, learned, threshold, relative in product(GRID_TEXT, grid_learned, GRID_THRESHOLD, GRID_RELATIVE):
        w = Weights(text=text, learned=learned, threshold=threshold, relative=relative, keywords=variant.keywords)
        total = Counts()
        for model, scored, _ in folds:
            total += relevance_counts(model, scored, w)
        if best is None or total.f1 > best[0] + 1e-12:
            best = (total.f1, w)
    assert best is not None
    chosen = best[1]
    best_stance: tuple[float, Weights] | None = None
    for cue, bayes, prior in product(GRID_CUE, GRID_BAYES if variant.learned else (0.0,), GRID_PRIOR):
        w = dataclasses.replace(chosen, cue=cue, bayes=bayes, prior=prior if variant.learned else 0.0)
        right = total_pairs = 0
        for _model, scored, _ in folds:
            for s in scored:
                for pid, stances in s.gold.provisions.items():
                    guess, _ = Model.combine_stance(s.stance_parts[pid], w)
                    right += guess in stances
                    total_pairs += 1
        accuracy = right / total_pairs if total_pairs else 0.0
        if best_stance is None or accuracy > best_stance[0] + 1e-12:
            best_stance = (accuracy, w)
    assert best_stance is not None
    return best_stance[1]


def majority_stance(dataset: Dataset, sources: Iterable[str]) -> Stance:
    wanted = set(sources)
    counts = Counter(
        item.evidence.stance for item in dataset.evidence.values()
        if not item.is_event and item.source_id in wanted
    )
    return max(STANCES, key=lambda s: (counts[s], -STANCES.index(s)))


def evaluate(dataset: Dataset, variant: Variant) -> tuple[dict[str, Counts], dict[str, Weights]]:
    data = dataset if variant.aliases else without_aliases(dataset)
    sources = articles_with_quotes(data)
    results: dict[str, Counts] = {}
    chosen: dict[str, Weights] = {}
    for held in sources:
        train = [s for s in sources if s != held]
        weights = choose_weights(data, train, variant)
        model = build_model(data, source_ids=train, weights=weights)
        scored = prepare(model, gold_passages(data, held))
        results[held] = stance_counts(model, scored, weights, majority_stance(data, train))
        chosen[held] = weights
    return results, chosen


# --------------------------------------------------------------------------- reporting


def pct(x: float) -> str:
    return "  n/a" if x != x else f"{100 * x:5.1f}"


def row(name: str, c: Counts) -> str:
    return (
        f"| {name} | {c.relevant}/{c.relevant + c.irrelevant} | {pct(c.precision)} | {pct(c.recall)} | "
        f"{pct(c.ratio(c.hit, c.relevant))} | {pct(c.ratio(c.left_out, c.irrelevant))} | "
        f"{pct(c.ratio(c.stance_right, c.stance_pairs))} ({c.stance_pairs}) | "
        f"{pct(c.ratio(c.stance_given_gold_right, c.stance_given_gold))} | "
        f"{pct(c.ratio(c.stance_majority_right, c.stance_given_gold))} |"
    )


HEADER = (
    "| held-out article | relevant/all passages | precision@3 | recall@3 | relevant passages with a right provision "
    "| irrelevant left out | stance acc. on right proposals (n) | stance acc. given gold provision "
    "| majority-stance baseline |\n|---|---|---|---|---|---|---|---|---|"
)


def weights_text(w: Weights) -> str:
    return (
        f"text {w.text}, learned {w.learned}, threshold {w.threshold}, relative {w.relative}; "
        f"stance cue {w.cue}, bayes {w.bayes}, prior {w.prior}"
    )


def two_thousand_words(dataset: Dataset) -> str:
    """The bundled articles one after another (paragraphs kept), cut after the 2,000th word."""
    text = "\n".join(dataset.articles[s] for s in articles_with_quotes(dataset))
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
    print(f"\n## Speed (a {len(text.split())}-word article made of the bundled texts; median of {repeat} runs)\n")
    cold = timed(lambda: build_model(dataset).suggest(text), repeat)
    suggest(dataset, text)
    warm = timed(lambda: suggest(dataset, text), repeat)
    load = timed(lambda: load_valid(ROOT), max(1, repeat // 2))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    cli = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "tracker.cli", "suggest", handle.name, "--json"],
            check=True, capture_output=True,
        ),
        max(1, repeat // 2),
    )
    Path(handle.name).unlink()
    print("| step | ms |\n|---|---|")
    print(f"| learn the model from the data, then suggest (library, cold) | {cold:.0f} |")
    print(f"| suggest with the model already learned (library, warm) | {warm:.0f} |")
    print(f"| load and validate the data root (every command does this) | {load:.0f} |")
    print(f"| `tracker suggest FILE --json`, whole process (start-up, load, learn, suggest, print) | {cli:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the full method and the speed (for the tests)")
    parser.add_argument("--repeat", type=int, default=10, help="runs per timing")
    args = parser.parse_args()
    dataset = load_valid(ROOT)
    sources = articles_with_quotes(dataset)
    print(f"data: {dataset.summary()}; articles with quoted evidence: {len(sources)}")
    variants = [Variant("full method")]
    if not args.quick:
        variants += [
            Variant("no hand-written keywords", keywords=False),
            Variant("no learned words (cold start: no evidence yet)", learned=False),
            Variant("no aliases", aliases=False),
            Variant("provision texts only (no keywords, no learned words)", keywords=False, learned=False),
        ]
    for variant in variants:
        start = time.perf_counter()
        results, chosen = evaluate(dataset, variant)
        print(f"\n## {variant.name} (leave one article out; {time.perf_counter() - start:.0f} s)\n")
        print(HEADER)
        total = Counts()
        for held, c in results.items():
            print(row(held, c))
            total += c
        print(row("**all five**", total))
        print(f"\nF1 of the top-3 provisions, all five: {pct(total.f1)}")
        print("weights chosen in each fold (on the four training articles only):")
        for held, w in chosen.items():
            print(f"- without {held}: {weights_text(w)}")
    runtime = choose_weights(dataset, sources, Variant("runtime"))
    fallback = choose_weights(dataset, sources, Variant("runtime, no keywords", keywords=False)).text
    print(f"\nruntime defaults (chosen the same way on all {len(sources)} articles): {weights_text(runtime)}; "
          f"text weight for provisions without keywords {fallback}")
    shipped = DEFAULT_WEIGHTS
    same = dataclasses.replace(runtime, text_without_keywords=fallback) == shipped
    print(f"tracker/suggest.py DEFAULT_WEIGHTS {'match these' if same else 'DIFFER: update them'}")
    speed(dataset, args.repeat)


if __name__ == "__main__":
    main()
