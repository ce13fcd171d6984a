"""Test helpers: paths, a dated "today", small edits of data files, and hand-built scenarios.

Imported by test modules directly (`from .helpers import ...`); conftest.py only wraps some of them as fixtures."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

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

if TYPE_CHECKING:  # imported where used: Streamlit takes a second to import, and most tests never need it
    from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
D = date.fromisoformat


def generated_root(root: Path, passages: int, seed: int = 1) -> Path:
    """A synthetic valid data root at `root` (benchmarks/generate.py, run as a user would run it). The
    same seed gives the same agreements and provisions whatever the number of passages."""
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "generate.py"),
            str(root),
            "--passages",
            str(passages),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return root


def copy_data(root: Path) -> Path:
    """A copy of the bundled data (its provisions and evidence) at `root`, which a test may edit freely."""
    for sub in ("provisions", "evidence"):
        shutil.copytree(REPO / sub, root / sub)
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` by `new` in a data file, failing loudly if `old` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def add_evidence_argv(root: Path, claimant: str = "Someone", *extra: str) -> list[str]:
    """`tracker add-evidence` with a passage of the bundled data that is found in its article and valid,
    so that a test can vary what it is about (the claimant, the disk) and nothing else."""
    return [
        "add-evidence",
        "--root",
        str(root),
        "--source",
        "russian-ministers-visit",
        "--quote",
        "the Russian military launched de-mining operations in Nagorno-Karabakh",
        "--provision",
        "nov2020-3",
        "--stance",
        "progress",
        "--claimant",
        claimant,
        "--side",
        "russia",
        *extra,
    ]


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


# --------------------------------------------------------------------------- a tiny data root

TINY_ARTICLE = "The Ministry said the road was open to traffic on Monday. Nothing else happened.\n"


def tiny_root(tmp_path: Path) -> Path:
    """A complete data root with one agreement of two provisions, one article with one quoted passage and
    one reported event: small enough that a test can name every count it expects, so that no test has to
    follow the bundled data's numbers."""
    root = tmp_path / "tiny"
    (root / "provisions" / "texts").mkdir(parents=True)
    (root / "evidence" / "articles").mkdir(parents=True)
    (root / "provisions" / "actors.yaml").write_text(
        "actors:\n"
        "  - {id: east, name: East, kind: state, role: party}\n"
        "  - {id: west, name: West, kind: state, role: party}\n"
        "  - {id: media, name: Media, kind: generic, role: observer}\n",
        encoding="utf-8",
    )
    (root / "provisions" / "texts" / "pact.md").write_text(
        "1. The road shall be open.\n2. The Parties shall exchange prisoners.\n", encoding="utf-8"
    )
    (root / "provisions" / "pact.yaml").write_text(
        "agreement:\n"
        "  id: pact\n"
        "  title: The Pact\n"
        "  short_title: Pact\n"
        "  date: 2020-01-09\n"
        "  signatories:\n"
        "    - {name: A, role: President of East, actor: east}\n"
        "    - {name: B, role: President of West, actor: west}\n"
        "  sources:\n"
        "    - {id: T, title: The text}\n"
        "  text_file: texts/pact.md\n"
        "provisions:\n"
        "  - {id: pact-1, point: 1, title: Road open, text: 'The road shall be open.', translation: T,\n"
        "     category: transport, parties: [east], obligation: ongoing}\n"
        "  - {id: pact-2, point: 2, title: Prisoners exchanged, text: 'The Parties shall exchange prisoners.',\n"
        "     translation: T, category: prisoners, parties: [east, west], obligation: one-off}\n",
        encoding="utf-8",
    )
    (root / "evidence" / "articles" / "000_tiny.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (root / "evidence" / "report.yaml").write_text(
        "source:\n"
        "  id: report\n"
        "  title: A report\n"
        "  outlet: unknown\n"
        "  published: 2020-02-03\n"
        "  language: en\n"
        "  text: articles/000_tiny.txt\n"
        "evidence:\n"
        "  - id: E1\n"
        '    quote: "the road was open to traffic"\n'
        "    provisions: [pact-1]\n"
        "    stance: implemented\n"
        "    claimant: The Ministry\n"
        "    side: east\n"
        "    event_date: 2020-02-03\n",
        encoding="utf-8",
    )
    (root / "evidence" / "events-tiny.yaml").write_text(
        "events:\n"
        "  - id: EV1\n"
        "    summary: Both sides exchanged their prisoners.\n"
        "    urls: [https://example.org/exchange]\n"
        "    outlet: Example\n"
        "    published: unknown\n"
        "    provisions: [pact-2]\n"
        "    stance: implemented\n"
        "    claimant: Example\n"
        "    side: media\n"
        "    event_date: 2020-03-01\n"
        "    verification: read\n",
        encoding="utf-8",
    )
    return root


# --------------------------------------------------------------------------- the dashboard


def _scan_for_components_once() -> None:
    """Streamlit looks through the metadata of every installed package for custom components at the start
    of each AppTest (0.1 s, a tenth of a page run; the dashboard uses none). What is installed does not
    change during a test run: the first scan's answer is given to every later AppTest."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    if getattr(scan, "answered_once", False):
        return
    found = scan()

    def answer(max_workers: int | None = None) -> list[Any]:
        return list(found)

    answer.answered_once = True  # type: ignore[attr-defined]
    manifest_scanner.scan_component_manifests = answer


def open_dashboard(
    monkeypatch: pytest.MonkeyPatch, root: Path = REPO, page: str | None = None, *, edit: bool = True, **params: str
) -> AppTest:
    """The dashboard run in-process on `root`, opened at `page` (a file under dashboard/, e.g.
    "views/provision.py"; else the overview) with the URL's query parameters `params`, as a reader
    opening that link; Save controls exist only with `edit` (ACCORD_TRACKER_EDIT)."""
    from streamlit.testing.v1 import AppTest

    _scan_for_components_once()
    monkeypatch.setenv("TRACKER_ROOT", str(root))
    if edit:
        monkeypatch.setenv("ACCORD_TRACKER_EDIT", "1")
    else:
        monkeypatch.delenv("ACCORD_TRACKER_EDIT", raising=False)
    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=60)
    at.query_params.update(params)
    if page is not None:
        # Each page's url path is its file name (app.py), so it is found without running the overview first.
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
