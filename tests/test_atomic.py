"""Atomic writes: never a half-written file, never a silent overwrite of someone else's edit, and
the original intact whatever goes wrong (an exception, Ctrl-C, a process killed mid-write)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tracker import atomic
from tracker.atomic import ABSENT, FileChanged, ReadToken, read_with_token, stale_temp_files, write_atomic
from tracker.errors import FileSystemError
from tracker.store import load

from .helpers import TODAY

ORIGINAL = b"evidence: []\n# the original bytes\n"


def temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "file.yaml"
    path.write_bytes(ORIGINAL)
    return path


def test_writes_new_and_replaces_existing_files_with_no_temp_left(tmp_path: Path, target: Path):
    write_atomic(tmp_path / "new.yaml", b"a: 1\n")
    assert (tmp_path / "new.yaml").read_bytes() == b"a: 1\n"
    write_atomic(target, b"b: 2\n")
    assert target.read_bytes() == b"b: 2\n"
    assert temps(tmp_path) == []


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path: Path, target: Path):
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.yaml", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o644  # not mkstemp's 0600
    target.chmod(0o640)
    write_atomic(target, b"y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failure_mid_write_leaves_the_original_intact_and_no_temp(
    monkeypatch, tmp_path: Path, target: Path, failing: str
):
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, boom)
    with pytest.raises(FileSystemError, match=r"^cannot write .*file.yaml: No space left on device$"):
        write_atomic(target, b"new content that must not appear\n")
    monkeypatch.undo()
    assert target.read_bytes() == ORIGINAL
    assert temps(tmp_path) == []


def test_ctrl_c_mid_write_leaves_the_original_intact_and_no_temp(monkeypatch, tmp_path: Path, target: Path):
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"half")
    monkeypatch.undo()
    assert target.read_bytes() == ORIGINAL
    assert temps(tmp_path) == []


CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from tracker import atomic

    target, marker = Path(sys.argv[1]), Path(sys.argv[2])
    real_fsync = os.fsync

    def slow_fsync(fd):
        # The temporary file is written but not yet renamed: say so, then hang until killed.
        marker.write_text("writing")
        time.sleep(60)
        real_fsync(fd)

    atomic.os.fsync = slow_fsync
    atomic.write_atomic(target, b"NEW " * 100_000)
    """
)


def test_a_process_killed_mid_write_leaves_the_original_intact(data_root: Path):
    """A real crash: the writer is SIGKILLed between writing the temporary file and the rename."""
    target = data_root / "evidence" / "russian-ministers-visit.yaml"
    original = target.read_bytes()
    marker = data_root / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert child.poll() is None, "the writer died before writing"
            assert time.monotonic() < deadline, "the writer never got to write"
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert target.read_bytes() == original
    # A killed process cannot clean up: its temporary file is still there, but the loader ignores
    # it (not .yaml), and the next write to the same file removes it since its process is dead.
    left = temps(target.parent)
    assert len(left) == 1 and left[0].name.startswith(f".{target.name}.{child.pid}.")
    assert stale_temp_files(target) == left
    assert load(data_root, today=TODAY)[1] == []
    write_atomic(target, original)
    assert temps(target.parent) == []
    assert target.read_bytes() == original


def test_refuses_to_overwrite_a_file_changed_since_it_was_read(tmp_path: Path, target: Path):
    _, token = read_with_token(target)
    target.write_bytes(b"evidence: []\n# an analyst's edit in another editor\n")
    with pytest.raises(FileChanged, match="changed on disk since it was read"):
        write_atomic(target, b"ours\n", expect=token)
    assert target.read_bytes() == b"evidence: []\n# an analyst's edit in another editor\n"
    assert temps(tmp_path) == []


def test_a_same_size_edit_is_caught_by_the_hash_and_a_mere_touch_is_not_a_change(target: Path):
    _, token = read_with_token(target)
    target.write_bytes(ORIGINAL.replace(b"original", b"ORIGINAL"))
    with pytest.raises(FileChanged):
        write_atomic(target, b"ours\n", expect=token)
    target.write_bytes(ORIGINAL)
    os.utime(target, ns=(1, 1))  # same bytes, other mtime: nothing to lose
    write_atomic(target, b"ours\n", expect=token)
    assert target.read_bytes() == b"ours\n"


def test_refuses_a_deleted_file_and_a_file_that_appeared(tmp_path: Path, target: Path):
    _, token = read_with_token(target)
    target.unlink()
    with pytest.raises(FileChanged, match="deleted"):
        write_atomic(target, b"x", expect=token)
    assert not target.exists()
    (tmp_path / "taken.yaml").write_bytes(b"someone else's\n")
    with pytest.raises(FileChanged, match="created by someone else"):
        write_atomic(tmp_path / "taken.yaml", b"ours", expect=ABSENT)
    assert (tmp_path / "taken.yaml").read_bytes() == b"someone else's\n"
    write_atomic(tmp_path / "free.yaml", b"ours", expect=ABSENT)
    assert (tmp_path / "free.yaml").read_bytes() == b"ours"
    assert temps(tmp_path) == []


def test_token_of_a_missing_file_says_absent(tmp_path: Path):
    assert ReadToken.of(tmp_path / "none") == ABSENT
