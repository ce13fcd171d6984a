"""Writes a synthetic but valid data root: many agreements, provisions, articles and quoted passages.

Every quote is cut from the article it cites (sometimes with a straight apostrophe where the article
prints a curly one, or across a line break), every provision text is cut from its agreement's stored
text, and every date falls between the agreement's signature and today, so `tracker validate` must
report no problem. The output depends only on the size and the seed.

Run: python benchmarks/generate.py OUTPUT_DIR [--passages N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

PASSAGES_PER_ARTICLE = 50
PROVISIONS_PER_AGREEMENT = 20
PASSAGES_PER_AGREEMENT = 2_000  # so 1k passages -> 2 agreements, 100k -> 50
LAST_DATE = date(2025, 6, 30)  # before any plausible "today" of a run

ACTORS = [
    ("east", "Eastland", "state"),
    ("west", "Westland", "state"),
    ("north", "Northland", "state"),
    ("mediator", "Mediating power", "state"),
    ("local", "Local authorities", "authority"),
    ("monitors", "Monitoring mission", "organisation"),
    ("third-party", "Third party", "generic"),
    ("media", "Media", "generic"),
]
SIDES = [a[0] for a in ACTORS]
STATES = ["east", "west", "north", "mediator"]
STANCES = ["implemented"] * 3 + ["progress"] * 3 + ["stalled", "disputed", "violated", "context"]
PRECISIONS = ["day"] * 6 + ["month", "on-or-before", "approximate"]
CATEGORIES = ["ceasefire", "territory", "peacekeeping", "monitoring", "withdrawal", "transport", "prisoners"]
WORDS = [
    "the",
    "parties",
    "agreed",
    "that",
    "forces",
    "shall",
    "withdraw",
    "from",
    "positions",
    "along",
    "contact",
    "line",
    "within",
    "days",
    "monitoring",
    "mission",
    "reported",
    "exchanges",
    "of",
    "fire",
    "near",
    "villages",
    "corridor",
    "remains",
    "open",
    "for",
    "civilian",
    "traffic",
    "officials",
    "stated",
    "prisoners",
    "were",
    "returned",
    "under",
    "supervision",
    "committee",
    "met",
    "in",
    "capital",
    "border",
    "delimitation",
    "talks",
    "resumed",
    "after",
    "months",
    "delay",
    "minister",
    "said",
    "implementation",
    "continues",
    "peacekeepers",
    "deployed",
    "checkpoints",
    "roads",
    "railway",
    "reopened",
    "refugees",
    "returned",
    "homes",
    "schools",
    "government",
    "accused",
    "other",
    "side",
    "violating",
    "ceasefire",
    "statement",
    "spokesman",
    "denied",
    "reports",
    "envoy",
    "visited",
    "region",
    "discussed",
    "humanitarian",
    "access",
    "mines",
    "cleared",
    "districts",
    "handed",
    "over",
    "schedule",
]
# Words the article prints with a curly apostrophe; quotes sometimes type a straight one.
RSQ = "\u2019"  # the curly apostrophe
POSSESSIVES = [f"Eastland{RSQ}s", f"Westland{RSQ}s", f"the mission{RSQ}s", f"the committee{RSQ}s", f"Northland{RSQ}s"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 26))]
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(POSSESSIVES))
    if rng.random() < 0.2:
        words.insert(rng.randint(1, len(words)), str(rng.randint(2, 2000)))
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _wrap(sentences: list[str], width: int = 100) -> str:
    """Paragraphs of wrapped lines, so that some quotes span a line break in the article."""
    lines: list[str] = []
    for start in range(0, len(sentences), 5):
        line = ""
        for word in " ".join(sentences[start : start + 5]).split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines += [line, ""]
    return "\n".join(lines)


def _excerpt(rng: random.Random, sentence: str) -> str:
    """A run of whole words from the sentence, as an editor would copy it (apostrophes sometimes straight)."""
    words = sentence.split(" ")
    if len(words) > 10 and rng.random() < 0.5:
        start = rng.randint(0, len(words) - 8)
        words = words[start : start + rng.randint(8, len(words) - start)]
    quote = " ".join(words)
    return quote.replace(RSQ, "'") if rng.random() < 0.5 else quote


def _day(rng: random.Random, first: date, last: date = LAST_DATE) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _q(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def _agreement(rng: random.Random, index: int, folder: Path) -> tuple[str, date, list[str]]:
    ident = f"agr{index:03d}"
    signed = date(2015, 1, 1) + timedelta(days=rng.randint(0, 6 * 365))
    sentences = [_sentence(rng) for _ in range(PROVISIONS_PER_AGREEMENT + 10)]
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    (folder / "texts" / f"{ident}.md").write_text(f"# Agreement {index}\n\n" + _wrap(sentences), encoding="utf-8")
    out = [
        "# Synthetic agreement written by benchmarks/generate.py.",
        "agreement:",
        f"  id: {ident}",
        f"  title: Synthetic agreement number {index}",
        f"  short_title: Agreement {index}",
        f"  date: {signed}",
        f"  in_force: {signed + timedelta(days=1)}",
        "  place: Somewhere",
        "  signatories:",
    ]
    for actor in STATES[:3]:
        out += [f"    - name: Leader of {actor}", "      role: Head of state", f"      actor: {actor}"]
    out += [
        "  sources:",
        "    - id: OFFICIAL",
        "      title: Official text",
        f"      url: https://example.org/agreements/{ident}",
        f"  text_file: texts/{ident}.md",
        "",
        "provisions:",
    ]
    provision_ids = []
    for n in range(PROVISIONS_PER_AGREEMENT):
        pid = f"{ident}-{n + 1}"
        provision_ids.append(pid)
        parties = rng.sample(STATES, rng.randint(1, 3))
        out += [
            f"  - id: {pid}",
            f"    point: {n + 1}",
            f"    title: Provision {n + 1} of agreement {index}",
            f"    text: {_q(_excerpt(rng, sentences[n]))}",
            "    translation: OFFICIAL",
            f"    category: {rng.choice(CATEGORIES)}",
            f"    parties: [{', '.join(parties)}]",
            f"    obligation: {rng.choice(['one-off', 'ongoing'])}",
        ]
        kind = n % 5
        if kind == 1:
            out += ["    deadline:", f"      due: {signed + timedelta(days=rng.randint(5, 400))}"]
        elif kind == 2:
            out += ["    deadline:", f"      within: {rng.randint(1, 24)} months", "      basis: Within a period."]
            if rng.random() < 0.5:
                decided = signed + timedelta(days=rng.randint(10, 200))
                out += [
                    "      amendments:",
                    f"        - due: {decided + timedelta(days=rng.randint(30, 300))}",
                    f"          decided: {decided}",
                    "          source: A later statement",
                ]
        elif kind == 3:
            out += [
                "    term:",
                f"      start: {signed}",
                "      years: 5",
                "      renewal_years: 5",
                "      notice_months: 6",
            ]
        out.append("")
    (folder / f"{ident}.yaml").write_text("\n".join(out), encoding="utf-8")
    return ident, signed, provision_ids


def _source(
    rng: random.Random, index: int, passages: int, agreement: tuple[str, date, list[str]], first_id: int, folder: Path
) -> None:
    ident = f"src{index:05d}"
    _agreement_id, signed, provision_ids = agreement
    sentences = [_sentence(rng) for _ in range(passages + 10)]
    article = f"articles/{ident}.txt"
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / article).write_text(f"Report {index}\n\n" + _wrap(sentences), encoding="utf-8")
    out = [
        "# Synthetic article written by benchmarks/generate.py.",
        "source:",
        f"  id: {ident}",
        f"  title: Synthetic report number {index}",
        "  outlet: Example Wire",
        f"  published: {_day(rng, signed + timedelta(days=1))}",
        "  language: en",
        f"  url: https://example.org/reports/{ident}",
        f"  text: {article}",
        "evidence:",
    ]
    for n in range(passages):
        provisions = rng.sample(provision_ids, rng.choice([1, 1, 1, 2]))
        concerns = rng.sample(STATES, rng.randint(0, 2))
        out += [
            f"  - id: E{first_id + n:06d}",
            f"    quote: {_q(_excerpt(rng, sentences[n + 5]))}",
            f"    provisions: [{', '.join(provisions)}]",
            f"    stance: {rng.choice(STANCES)}",
            f"    claimant: Official number {rng.randint(1, 500)}",
            f"    side: {rng.choice(SIDES)}",
            f"    concerns: [{', '.join(concerns)}]",
            f"    event_date: {_day(rng, signed + timedelta(days=1)) if rng.random() < 0.97 else 'unknown'}",
        ]
        precision = rng.choice(PRECISIONS)
        if precision != "day":
            out.append(f"    date_precision: {precision}")
        if rng.random() < 0.3:
            out += [
                "    note: >-",
                "      A note in our own words about this passage, which continues",
                "      on a second line.",
            ]
    (folder / f"{ident}.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


def generate(root: Path, passages: int, seed: int = 1) -> Path:
    """Write a data root with `passages` quoted passages under `root` (which must not hold one yet)."""
    rng = random.Random(seed)
    provisions_dir, evidence_dir = root / "provisions", root / "evidence"
    provisions_dir.mkdir(parents=True)
    evidence_dir.mkdir(parents=True)
    actors = ["actors:"]
    for ident, name, kind in ACTORS:
        role = "observer" if kind in ("organisation", "generic") else "party"  # see ActorRole
        actors += [f"  - id: {ident}", f"    name: {name}", f"    kind: {kind}", f"    role: {role}"]
    (provisions_dir / "actors.yaml").write_text("\n".join(actors) + "\n", encoding="utf-8")

    agreements = [_agreement(rng, i, provisions_dir) for i in range(max(2, passages // PASSAGES_PER_AGREEMENT))]
    written = 0
    index = 0
    while written < passages:
        count = min(PASSAGES_PER_ARTICLE, passages - written)
        _source(rng, index, count, rng.choice(agreements), written + 1, evidence_dir)
        written += count
        index += 1

    # A few analyst assessments, so that the status engine's override path is timed too.
    assessments = ["assessments:"]
    for n, (_ident, signed, provision_ids) in enumerate(agreements):
        assessments += [
            f"  - id: A{n:04d}",
            f"    provision: {provision_ids[0]}",
            f"    date: {_day(rng, signed + timedelta(days=1))}",
            "    status: stalled",
            "    rationale: A synthetic judgement.",
            "    analyst: Benchmark",
        ]
    (evidence_dir / "assessments.yaml").write_text("\n".join(assessments) + "\n", encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path, help="folder to create (it must not exist yet)")
    parser.add_argument("--passages", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.output.exists():
        parser.error(f"{args.output} exists; choose a new folder")
    generate(args.output, args.passages, args.seed)
    print(f"wrote a data root with {args.passages} passages to {args.output}")


if __name__ == "__main__":
    main()
