"""The benchmark scripts still run (their timings are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_bundled_benchmark_runs_and_prints_its_numbers():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_bundled.py"), "--repeat", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "load + validate everything" in proc.stdout and " ms" in proc.stdout
