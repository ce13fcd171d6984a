"""The `tracker` command as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import main
from tracker.store import data_files

from .helpers import REPO, edit, tiny_root


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_on_bundled_data_prints_a_one_line_summary_and_exits_zero():
    result = run("validate", "--root", str(REPO))
    assert result.exit_code == 0
    assert result.output.startswith("OK: ") and "every quote found in its article" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_validate_counts_what_the_data_root_holds(tmp_path: Path):
    # Counted on a tiny root whose contents the test knows, not on the bundled data, which grows.
    result = run("validate", "--root", str(tiny_root(tmp_path)))
    assert result.exit_code == 0
    assert result.output.startswith(
        "OK: 1 agreements, 2 provisions, 1 sources, 1 quoted passages, 1 reported events, 0 assessments in 4 files;"
    )


def test_validate_reports_every_problem_located_and_exits_one(data_root: Path):
    visit = data_root / "evidence" / "russian-ministers-visit.yaml"
    edit(visit, "stance: implemented", "stance: implmented")
    edit(data_root / "provisions" / "nov-2020.yaml", "obligation: ongoing", "obligation: sometimes")
    result = run("validate", "--root", str(data_root))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(
        "russian-ministers-visit.yaml:" in line
        and "'implmented' is not a valid stance" in line
        and "did you mean 'implemented'" in line
        for line in lines
    )
    assert any("nov-2020.yaml:" in line and "'sometimes' is not a valid obligation" in line for line in lines)
    assert lines[-1] == "2 problem(s) in 2 file(s); nothing else was done."
    assert "Traceback" not in result.output


def test_an_invalid_tree_gives_no_traceback_from_the_installed_command(data_root: Path):
    edit(data_root / "evidence" / "russian-ministers-visit.yaml", "evidence:", "evidence:\n\t- broken")
    proc = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "status", "--root", str(data_root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "russian-ministers-visit.yaml:" in proc.stderr and "tabs" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_status_lists_every_provision_grouped_by_agreement_with_counts():
    result = run("status", "--root", str(REPO), "--as-of", "2021-06-30")
    assert result.exit_code == 0
    out = result.output
    assert out.index("(nov2020)") < out.index("(jan2021)")  # agreements in the order they were signed
    for pid in ("nov2020-1", "nov2020-4b", "nov2020-9d", "jan2021-4"):
        assert pid in out
    # Methodology v2: provisions of agreements signed after the date (Sochi, November 2021) are left out.
    from tracker.status import all_statuses, signed_later
    from tracker.store import load_valid

    dataset = load_valid(REPO)
    shown, later = all_statuses(dataset, date(2021, 6, 30)), signed_later(dataset, date(2021, 6, 30))
    assert f"{len(shown)} provisions:" in out and later
    assert f"{len(later)} provisions of agreements signed later are not shown." in out
    assert "sochi2021" not in out
    assert "no evidence yet" in out and "not that nothing was done" in out


def test_status_filters_by_party_and_agreement():
    result = run("status", "--root", str(REPO), "--party", "armenia", "--agreement", "nov2020")
    assert result.exit_code == 0
    assert result.output.startswith("Obligations of Armenia")
    assert "nov2020-6a" in result.output  # Armenia cedes Kalbajar
    assert "nov2020-6e" not in result.output  # Azerbaijan's obligation
    assert "jan2021" not in result.output


def test_status_rejects_an_unknown_party_with_the_closest_one():
    result = CliRunner().invoke(main, ["status", "--root", str(REPO), "--party", "armenai"])
    assert result.exit_code == 2
    assert "unknown party 'armenai'" in result.output and "armenia" in result.output


def test_bad_as_of_date_is_explained():
    result = CliRunner().invoke(main, ["status", "--root", str(REPO), "--as-of", "2021-02-30"])
    assert result.exit_code == 2
    assert "'2021-02-30' is not a date; write YYYY-MM-DD" in result.output


def test_show_gives_text_deadline_status_reasons_and_evidence():
    result = run("show", "nov2020-6a", "--root", str(REPO), "--as-of", "2021-06-30")
    assert result.exit_code == 0
    out = result.output
    assert "shall cede the Kalbajar District" in out
    assert "amended 2020-11-15 → 2020-11-25 on 2020-11-15" in out
    assert "Status as of 2021-06-30: implemented since 2020-11-25" in out  # the reported entry of 25 Nov
    assert "first reported by EV203" in out
    assert "evidence/articles/003_1f187117bb24d1e9.txt:" in out  # where the quote sits


def test_show_marks_close_readings_and_variants():
    out = run("show", "nov2020-2", "--root", str(REPO)).output
    assert "Variant:" in out and "Gazakh" in out
    out = run("show", "nov2020-9c", "--root", str(REPO)).output
    assert "close reading" in out


def test_show_gives_the_current_peacekeeping_term_and_notice_date():
    out = run("show", "nov2020-4b", "--root", str(REPO), "--as-of", "2024-01-01").output
    assert "term 1: 2020-11-10 to 2025-11-10; renews for 5 years unless a party gives notice by 2025-05-10" in out


def test_show_a_lapsed_provision_says_its_term_ended_and_never_no_dated_evidence():
    # Methodology v2, "lapsed means ended": the term stops renewing at the lapse (an assessment).
    from tracker.status import provision_status
    from tracker.store import load_valid

    s = provision_status(load_valid(REPO), "nov2020-4b", date(2026, 11, 1))
    assert s.status.value == "lapsed" and s.assessment is not None
    out = run("show", "nov2020-4b", "--root", str(REPO), "--as-of", "2026-11-01").output
    assert f"ended early: lapsed on {s.assessment.date}; does not renew" in out
    assert "2030" not in out.split("Status as of")[0]
    assert "no dated evidence" not in out


def test_show_unknown_provision_suggests_the_closest_ids():
    result = CliRunner().invoke(main, ["show", "nov2020-6x", "--root", str(REPO)])
    assert result.exit_code == 2
    assert "unknown provision 'nov2020-6x'" in result.output and "nov2020-6a" in result.output


def test_export_writes_the_status_csv_atomically_to_a_file(tmp_path: Path):
    target = tmp_path / "status.csv"
    result = run("export", "--root", str(REPO), "--as-of", "2021-06-30", "--output", str(target))
    assert result.exit_code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfas_of,agreement,provision_id,point,")
    from tracker.status import all_statuses
    from tracker.store import load_valid

    assert data.count(b"\r\n") == 1 + len(all_statuses(load_valid(REPO), date(2021, 6, 30)))  # header + rows
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_evidence_to_stdout_matches_the_library(tmp_path: Path):
    from tracker import export
    from tracker.store import load_valid

    from .helpers import D

    result = CliRunner().invoke(main, ["export", "--root", str(REPO), "--table", "evidence", "--as-of", "2021-01-31"])
    assert result.exit_code == 0
    expected = export.csv_bytes(export.evidence_table(load_valid(REPO), D("2021-01-31")))
    assert result.stdout_bytes == expected


def test_schema_writes_the_committed_schemas(tmp_path: Path):
    result = run("schema", "--output-dir", str(tmp_path))
    assert result.exit_code == 0
    for path in (REPO / "schemas").glob("*.json"):
        assert (tmp_path / path.name).read_text() == path.read_text(), f"{path.name} is stale: run `tracker schema`"


def test_every_data_file_references_its_schema():
    for path in data_files(REPO):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=../schemas/"), path
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.is_file(), f"{path} points at a missing schema {schema}"


def test_every_command_and_option_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"`tracker {name}" in readme, f"tracker {name} is not in the README's command table"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in readme, f"tracker {name} {opt} is not documented in the README"
