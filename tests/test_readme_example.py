"""The README's worked example ("From a new article to evidence") is what the commands print.

Each `$ tracker ...` line of that console block is run on a copy of the bundled data; every other line
must be in what the commands before the next `$` printed, in order. `...` stands for lines (or, inside a
line, text) the README leaves out. `$ cat FILE` writes the lines shown to FILE instead. Numbers (scores,
probabilities, counts, ids' digits) may differ: they move whenever an analyst adds evidence, which must
not fail the tests; the provisions, words, stances and messages may not."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main

from .helpers import REPO


def _example() -> list[tuple[str, list[str]]]:
    """The example's commands, each with the lines shown after it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From a new article to evidence", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block, "the README's worked example has no console block"
    steps: list[tuple[str, list[str]]] = []
    lines = block.group(1).splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                i += 1
                command = command[:-1] + lines[i].strip()
            steps.append((command, []))
        else:
            steps[-1][1].append(line)
        i += 1
    return steps


def _shown_in(shown: list[str], printed: str) -> None:
    """Every line of `shown` is in `printed`, in order; '...' skips lines, or text inside a line."""
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        pattern = ".*?".join(re.sub(r"\d+", r"\\d+", re.escape(part)) for part in line.split("..."))
        found = re.compile(pattern).search(printed, at)
        assert found, f"the README shows\n  {line}\nbut the command printed\n{printed}"
        at = found.end()


def test_the_readme_worked_example_prints_what_it_shows(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_root)
    monkeypatch.setenv("TRACKER_ROOT", str(data_root))
    steps = _example()
    assert [c.split()[0] for c, _ in steps].count("tracker") >= 4
    for command, shown in steps:
        words = shlex.split(command)
        if words[0] == "cat":
            Path(words[1]).write_text("\n".join(shown) + "\n", encoding="utf-8")
            continue
        assert words[0] == "tracker", command
        result = CliRunner().invoke(main, words[1:], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        _shown_in(shown, result.stdout + result.stderr)
