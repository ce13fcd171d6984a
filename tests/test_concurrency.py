"""Writes must not be lost (issue 12): real processes writing to one source at once, with and without
a rename slowed down, and every id a writer reported is in the file afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import add
from tracker.store import load

from .helpers import REPO, TODAY, add_evidence_argv

WRITERS, ROUNDS = 3, 3

# A writer: M passages appended one at a time; prints the ids it was told were written. With a delay,
# every rename waits first, which widens the window between the check and the rename (the lost-update
# race of issue 12 was reproduced this way, with strace).
WRITER = """
import json, os, sys, time
from pathlib import Path
from tracker import add
root, source = Path(sys.argv[1]), sys.argv[2]
writer, rounds, delay = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
if delay:
    real_replace = os.replace
    def slow_replace(*args, **kwargs):
        time.sleep(delay)
        return real_replace(*args, **kwargs)
    os.replace = slow_replace
ids = []
for r in range(rounds):
    ids.append(add.add_evidence(root, source, quote=f"Sentence {writer} {r} of the test.", provisions=["nov2020-1"],
               stance="implemented", claimant="Someone", side="russia", event_date="2020-11-22"))
print(json.dumps(ids))
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05], ids=["plain", "delayed-rename"])
def test_concurrent_writers_lose_nothing(data_root: Path, delay: float):
    article = "".join(f"Sentence {w} {r} of the test.\n" for w in range(WRITERS) for r in range(ROUNDS))
    source = add.add_source(data_root, article, title="Race", outlet="Test", published="2020-11-22", today=TODAY)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_root), source, str(w), str(ROUNDS), str(delay)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for w in range(WRITERS)
    ]
    reported: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        reported += json.loads(out)
    assert len(reported) == len(set(reported)) == WRITERS * ROUNDS
    dataset, problems = load(data_root, today=TODAY)
    assert problems == []
    assert set(reported) <= set(dataset.evidence)
    assert {dataset.evidence[i].source_id for i in reported} == {source}


def test_a_second_writer_waits_for_the_lock_and_then_is_refused_with_a_sentence(data_root: Path):
    from tracker.atomic import data_lock
    from tracker.errors import DataBusy

    # Another process holds the lock: flock locks belong to open files, so a second open in this
    # process stands for it.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX);"
            " print('held', flush=True); time.sleep(30)",
            str(data_root / ".tracker.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DataBusy, match="another process has been writing"), data_lock(data_root, wait=0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    with data_lock(data_root, wait=5):  # free again once the holder is gone
        pass


def test_date_like_free_text_is_stored_as_text(data_root: Path):
    from click.testing import CliRunner

    from tracker.cli import main

    result = CliRunner().invoke(main, add_evidence_argv(data_root, "2020-02-30", "--event-date", "2020-11-22"))
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert load(data_root, today=TODAY)[0].evidence[new].evidence.claimant == "2020-02-30"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: __import__("os").mkfifo(p), "a named pipe (FIFO)"),
        (lambda p: p.symlink_to(p.parent / "nothing-here.yaml"), "dangling"),
        (lambda p: p.symlink_to(p), "loop"),
    ],
    ids=["folder", "fifo", "dangling", "loop"],
)
def test_evidence_names_that_are_not_files_are_reported(data_root: Path, make, words: str):  # type: ignore[no-untyped-def]
    make(data_root / "evidence" / "odd.yaml")
    found = [str(p) for p in load(data_root, today=TODAY)[1]]
    assert len(found) == 1 and "odd.yaml:1:1:" in found[0] and words in found[0], found


def test_an_empty_provisions_folder_is_an_error(tmp_path: Path):
    (tmp_path / "provisions").mkdir()
    (tmp_path / "evidence").mkdir()
    found = [p.message for p in load(tmp_path, today=TODAY)[1]]
    assert found and "no agreement files in provisions/" in found[0]
