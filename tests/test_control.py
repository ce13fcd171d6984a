"""Nothing hostile reaches a person (issue 12): control characters are refused in YAML values with a
located error, and never printed raw by the CLI (an article's text goes through `suggest`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.store import load

from .helpers import REPO, TODAY, edit

ESC = "\x1b"


@pytest.mark.parametrize(
    ("written", "code"),
    [(r"\e[2J", "001B"), (r"\x1b]0;owned\x07", "001B"), (r"\u009b31m", "009B"), (r"bell\a", "0007"), (r"\x7f", "007F")],
)
def test_a_control_character_in_a_value_is_refused_located(data_root: Path, written: str, code: str):
    path = data_root / "evidence" / "russian-ministers-visit.yaml"
    edit(
        path,
        "claimant: Sergey Shoigu, Russian Defence Minister",
        f'claimant: "Sergey Shoigu{written}, Russian Defence Minister"',
    )
    found = [str(p) for p in load(data_root, today=TODAY)[1]]
    assert len(found) == 1 and "russian-ministers-visit.yaml:19:15:" in found[0], found
    assert f"control character U+{code}" in found[0]


def test_tab_and_newline_stay_allowed(data_root: Path):
    path = data_root / "evidence" / "russian-ministers-visit.yaml"
    edit(
        path,
        "claimant: Sergey Shoigu, Russian Defence Minister",
        r'claimant: "Sergey Shoigu,\tRussian\nDefence Minister"',
    )
    assert load(data_root, today=TODAY)[1] == []


ARTICLE = (
    f"The ceasefire was observed {ESC}[2J{ESC}]0;owned{ESC}\\ along the entire line of contact, the Russian "
    "peacekeepers said, and the Lachin corridor stayed open to traffic \x9b31m in both directions.\n"
)


@pytest.mark.parametrize("mode", [[], ["--json"], ["--yaml"]], ids=["text", "json", "yaml"])
def test_suggest_never_prints_a_control_character(tmp_path: Path, mode: list[str]):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(main, ["suggest", str(article), "--root", str(REPO), *mode])
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and "\x9b" not in result.output
    if mode == ["--json"]:
        json.loads(result.stdout)  # still valid JSON


def test_an_error_message_never_prints_a_control_character(tmp_path: Path):
    result = CliRunner().invoke(main, ["validate", "--root", str(tmp_path / f"no{ESC}[2Jwhere")])
    assert result.exit_code != 0 and ESC not in result.output
