"""The benchmark scripts still run (their timings are printed, never asserted)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .helpers import REPO

pytestmark = pytest.mark.slow


def test_bundled_benchmark_runs_and_prints_its_numbers():
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_bundled.py"), "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "load + validate everything" in proc.stdout and " ms" in proc.stdout


def test_generated_root_is_valid_and_its_quotes_really_occur(tmp_path):
    from datetime import date

    from tracker.store import load
    from tracker.yamlsource import read_file

    root = tmp_path / "root"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), str(root), "--passages", "200"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    dataset, problems = load(root, today=date.today())
    assert [str(p) for p in problems] == []
    assert dataset.quote_count == 200 and len(dataset.provisions) >= 40 and len(dataset.sources) == 4
    # The same seed gives the same root, byte for byte.
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), str(again), "--passages", "200"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for path in sorted(root.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (again / path.relative_to(root)).read_bytes(), path
    # Some quotes differ from their article in typography only (a straight apostrophe for a curly one).
    quotes = [e["quote"] for p in (root / "evidence").glob("src*.yaml") for e in read_file(p)[0].data["evidence"]]
    assert any("'" in q for q in quotes)


def test_scale_benchmark_runs_a_small_size_and_prints_its_table(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_scale.py"),
            "200",
            "--repeat",
            "1",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "200 passages: 2 agreements, 40 provisions, 4 sources, 200 quoted passages" in out
    for row in (
        "floor: YAML parse only",
        "validate (`load`, cold)",
        "re-validate after one file changed",
        "every status, 1 date: first call",
        "every status, 1 date: any later call",
        "every status, 50 dates",
        "CSV export",
        "`tracker validate` command",
        "peak memory: `tracker validate`",
    ):
        assert row in out, row
    assert "x); cpu" in out and " MB |" in out


def test_run_all_prints_every_target_beside_its_baseline(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run_all.py"),
            "--sizes",
            "200,400",
            "--repeat",
            "2",
            "--command-runs",
            "1",
            "--no-dashboard",
            "--no-startup",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    for row in (
        "first call after load",
        "any later call",
        "R4 with pandas",
        "`tracker status` command",
        "bare C-loader parse",
        "`tracker validate`, cold",
        "`tracker validate`, warm cache",
        "peak memory",
        "machine load",
    ):
        assert row in proc.stdout, row
    assert "(max " in proc.stdout and "x bare parse" in proc.stdout and "for 2x" in proc.stdout


def test_run_all_pairs_measures_the_status_rows_at_both_sizes_in_turn(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run_all.py"),
            *("--sizes", "200,400", "--repeat", "2", "--pairs", "2", "--workdir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["1", "2", "**median (range)**"]
    assert "later call at 200 / 400" in rows[0]
    assert all(len(re.findall(r"\d+\.\dx", row)) >= 3 for row in rows[1:])  # a growth per row
