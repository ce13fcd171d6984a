"""Test helpers: paths, a dated "today", small edits of data files, and hand-built scenarios.

Imported by test modules directly (`from .helpers import ...`); conftest.py only wraps some of them as fixtures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from tracker.models import (
    Agreement,
    Assessment,
    DatePrecision,
    Deadline,
    Evidence,
    Obligation,
    Provision,
    Signatory,
    Stance,
    TextSource,
)
from tracker.problems import Problem
from tracker.store import Dataset, EvidenceItem, Location, load

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
D = date.fromisoformat


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` by `new` in a data file, failing loudly if `old` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems_in(root: Path) -> list[Problem]:
    return load(root, today=TODAY)[1]


def messages(root: Path) -> list[str]:
    return [str(p) for p in problems_in(root)]


# --------------------------------------------------------------------------- scenarios

Claim = tuple[str, str, str, str]  # id, date, side, stance


def build_scenario(
    claims: Iterable[Claim | tuple[str, str, str, str, str]] = (),
    *,
    obligation: str = "one-off",
    deadline: Deadline | None = None,
    assessments: Iterable[Assessment] = (),
) -> Dataset:
    """One agreement (signed 2020-01-09, in force 2020-01-10) with one provision 'p' obliging east and west,
    and the given claims (id, date, side, stance[, precision]) and assessments."""
    agreement = Agreement(
        id="a",
        title="Test agreement",
        short_title="Test",
        date=date(2020, 1, 9),
        in_force=date(2020, 1, 10),
        signatories=[Signatory(name="X", role="Y", actor="east")],
        sources=[TextSource(id="T", title="Text")],
    )
    provision = Provision(
        id="p",
        point=1,
        title="A provision",
        text="The Parties shall do it.",
        translation="T",
        category="other",
        parties=["east", "west"],
        obligation=Obligation(obligation),
        deadline=deadline,
    )
    ds = Dataset(root=Path("."))
    ds.agreements["a"] = agreement
    ds.provisions["p"] = provision
    ds.provision_agreement["p"] = "a"
    for claim in claims:
        ident, when, side, stance, *rest = claim
        evidence = Evidence(
            id=ident,
            quote="q",
            provisions=["p"],
            stance=Stance(stance),
            claimant="someone",
            side=side,
            event_date=when if when == "unknown" else date.fromisoformat(when),
            date_precision=DatePrecision(rest[0]) if rest else DatePrecision.DAY,
        )
        ds.evidence[ident] = EvidenceItem(evidence, "s", None, Location("f", 1, 1))
    for assessment in assessments:
        ds.assessments[assessment.id] = assessment
    return ds
