"""Speed work that must not change a result: the streamed evidence CSV, and the collector pauses."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest
import yaml

from tracker import export
from tracker.gcpause import collector_paused
from tracker.store import load_valid

from .helpers import TODAY, D


def _streamed(dataset, as_of) -> bytes:
    out = io.BytesIO()
    export.write_evidence_csv(dataset, as_of, out)
    return out.getvalue()


@pytest.mark.parametrize("as_of", [None, D("2021-01-31"), D("2000-01-01")])
def test_the_streamed_evidence_csv_is_byte_for_byte_the_tables_csv(data_root: Path, as_of):
    # A claimant that a spreadsheet would run, and a comma and quotes that the CSV must quote.
    path = data_root / "evidence" / "events-ceasefire.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["events"][0]["claimant"] = '=HYPERLINK("http://x", "y")'
    data["events"][1]["summary"] = 'He said "no", then, later, yes\nand more'
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    dataset = load_valid(data_root, today=TODAY)
    assert _streamed(dataset, as_of) == export.csv_bytes(export.evidence_table(dataset, as_of))


def test_the_collector_is_restored_after_a_pause_also_on_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
