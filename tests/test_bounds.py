"""Nothing validated may crash (issue 12): periods and terms are bounded in the schema with located
errors, and every command accepts any as-of date up to 9999-12-31."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.store import load

from .helpers import REPO, TODAY, copy_data, edit

NOV = "provisions/nov-2020.yaml"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("      within: 3 years", "      within: 99999 years", "longer than a century"),
        ("      within: 3 years", "      within: 1000000000000 days", "longer than a century"),
        ("      years: 5\n", "      years: 10000\n", "'years' should be less than or equal to 100"),
        ("      notice_months: 6", "      notice_months: 10000000", "'notice_months' should be less than or equal"),
        ("      start: 2020-11-10", "      start: 9999-01-01", "out of range; write a date between"),
    ],
)
def test_periods_terms_and_dates_are_bounded_with_a_located_error(data_root: Path, old: str, new: str, words: str):
    edit(data_root / NOV, old, new)
    found = [str(p) for p in load(data_root, today=TODAY)[1]]
    assert len(found) == 1 and "nov-2020.yaml:" in found[0] and words in found[0], found


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def yearly_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The longest term the schema allows, renewing every year, from the earliest date it allows: one
    copy for every command and date below, which only read it."""
    root = copy_data(tmp_path_factory.mktemp("yearly") / "data")
    edit(
        root / NOV,
        "      start: 2020-11-10\n      years: 5\n      renewal_years: 5",
        "      start: 2020-11-10\n      years: 1\n      renewal_years: 1",
    )
    return root


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize(
    "command",
    [["status"], ["show", "nov2020-4a"], ["export"], ["export", "--table", "evidence"]],
    ids=lambda c: " ".join(c),
)
def test_every_command_accepts_any_as_of_date(yearly_root: Path, command: list[str], as_of: str):
    code, output = _run(*command, "--root", str(yearly_root), "--as-of", as_of)
    assert code == 0, output


@pytest.mark.parametrize("dates", ["9999-12-31", "0001-01-01,9999-12-31"])
def test_history_accepts_any_date(dates: str):
    code, output = _run("history", "--root", str(REPO), "--dates", dates)
    assert code == 0, output
