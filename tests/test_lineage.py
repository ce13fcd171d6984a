"""Actor roles, agreement stages and links, provision languages and supersessions: what the loader
accepts and where it says what is wrong (methodology v2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .helpers import edit, messages, problems_in

NOV = "provisions/nov-2020.yaml"
JAN = "provisions/jan-2021.yaml"
# A supersession of point 9a by a provision of the later January 2021 statement, valid as written.
SUPERSESSION = """  - id: nov2020-9a
    superseded_by:
      - provision: jan2021-1
        from: 2021-02-01
        evidence: [EV701, A001]
        note: test
        contested:
          - actor: russia
            from: 2021-03-01
            evidence: [EV702]
"""


def _supersede(root: Path, text: str = SUPERSESSION) -> None:
    edit(root / NOV, "  - id: nov2020-9a\n", text)


def test_a_valid_supersession_stage_and_link_load(data_root: Path) -> None:
    _supersede(data_root)
    # The agreement's own stages and links, whatever the bundled file has (it may have some already).
    path = data_root / JAN
    text = re.sub(r"^  (stages|links):\n(?:    .*\n)*", "", path.read_text(encoding="utf-8"), flags=re.M)
    path.write_text(text, encoding="utf-8")
    edit(
        path,
        "  text_file: texts/jan-2021.md\n",
        "  text_file: texts/jan-2021.md\n  stages:\n    - stage: signed\n      date: 2021-01-11\n"
        "  links:\n    - type: implements\n      agreement: nov2020\n",
    )
    assert problems_in(data_root) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("provision: jan2021-1", "provision: jan2021-9", "unknown provision 'jan2021-9'"),
        ("provision: jan2021-1", "provision: nov2020-9b", "a provision of the same agreement (nov2020)"),
        ("from: 2021-02-01", "from: 2020-12-01", "before jan2021 was signed (2021-01-11)"),
        ("[EV701, A001]", "[EV701, A999]", "unknown evidence 'A999'"),
        ("actor: russia", "actor: rusia", "unknown actor 'rusia'; did you mean 'russia'"),
        ("from: 2021-03-01", "from: 2021-01-20", "contested from 2021-01-20, before the supersession itself"),
        ("[EV702]", "[EV7022]", "unknown evidence 'EV7022'"),
        ("from: 2021-03-01", "from: 2027-03-01", "contest date 2027-03-01 is in the future"),
    ],
)
def test_supersession_problems_are_located(data_root: Path, old: str, new: str, expected: str) -> None:
    _supersede(data_root, SUPERSESSION.replace(old, new))
    found = [m for m in messages(data_root) if expected in m]
    assert len(found) == 1, messages(data_root)
    assert "nov-2020.yaml:" in found[0]  # located: file:line:column


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("  links:\n    - type: implements\n      agreement: nov2021\n", "unknown agreement 'nov2021'"),
        ("  links:\n    - type: references\n      agreement: jan2021\n", "links to itself"),
        (
            "  stages:\n    - stage: in-force\n      date: 2021-02-01\n    - stage: signed\n      date: 2021-01-11\n",
            "stages must be in date order",
        ),
        ("  stages:\n    - stage: ratified\n      date: 2021-02-01\n", "stage"),
    ],
)
def test_agreement_stage_and_link_problems(data_root: Path, block: str, expected: str) -> None:
    edit(data_root / JAN, "  text_file: texts/jan-2021.md\n", "  text_file: texts/jan-2021.md\n" + block)
    found = [m for m in messages(data_root) if expected in m and "jan-2021.yaml" in m]
    assert found, messages(data_root)


def test_a_text_in_another_language_needs_our_english_rendering(data_root: Path) -> None:
    clause = "    clause: a\n    title: All economic"
    edit(data_root / NOV, clause, clause.replace("title:", "language: ru\n    title:"))
    assert any("add 'english', our own English rendering" in m for m in messages(data_root))
    edit(data_root / NOV, "    language: ru\n", "    language: ru\n    english: All links are restored.\n")
    assert problems_in(data_root) == []


def test_an_agreement_may_have_no_provisions(data_root: Path) -> None:
    (data_root / "provisions" / "peace.yaml").write_text(
        "agreement:\n  id: peace\n  title: Peace agreement\n  short_title: Peace\n  date: 2025-08-08\n"
        "  signatories:\n    - {name: X, role: Y, actor: armenia}\n"
        "  sources:\n    - {id: T, title: Text}\n"
        "  stages:\n    - {stage: initialled, date: 2025-08-08}\n"
        "  links:\n    - {type: references, agreement: nov2020}\n",
        encoding="utf-8",
    )
    assert problems_in(data_root) == []


def test_every_actor_has_a_role(data_root: Path) -> None:
    edit(data_root / "provisions/actors.yaml", "    kind: state\n    role: party\n", "    kind: state\n")
    found = [m for m in messages(data_root) if "actors.yaml" in m and "role" in m]
    assert found, messages(data_root)
