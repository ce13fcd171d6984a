"""Outputs must not clobber, and the file system's refusals are one-line messages (issue 12)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import atomic
from tracker.cli import main

from .helpers import REPO, add_evidence_argv

COMMANDS = {
    "export": ["export", "--root", str(REPO), "--as-of", "2021-06-30"],
    "history": ["history", "--root", str(REPO), "--dates", "2021-06-30"],
}


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_existing_file_is_kept_unless_force(command: str, tmp_path: Path):
    target = tmp_path / "out.txt"
    target.write_text("mine\n")
    code, _, err = run([*COMMANDS[command], "--output", str(target)])
    assert code == 1 and "exists; add --force to overwrite it" in err and "Traceback" not in err
    assert target.read_text() == "mine\n"
    code, _, _ = run([*COMMANDS[command], "--output", str(target), "--force"])
    assert code == 0 and target.read_text() != "mine\n"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_symbolic_link_is_not_followed_even_with_force(command: str, tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "link.txt"
    link.symlink_to(victim)
    code, _, err = run([*COMMANDS[command], "--output", str(link), "--force"])
    assert code == 1 and "symbolic link" in err
    assert victim.read_text() == "precious\n" and link.is_symlink()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_fifo_is_refused_without_being_opened(command: str, tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opening a FIFO for writing with no reader would block: the refusal must come from lstat alone.
    code, _, err = run([*COMMANDS[command], "--output", str(fifo), "--force"])
    assert code == 1 and "not a regular file" in err
    assert fifo.is_fifo()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_device_is_refused_and_left_a_device(command: str):
    code, _, err = run([*COMMANDS[command], "--output", "/dev/full", "--force"])
    assert code == 1 and "not a regular file" in err
    assert Path("/dev/full").is_char_device()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_dash_writes_to_standard_output(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run([*COMMANDS[command], "--output", "-"])
    assert code == 0 and out and not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_folder_is_one_line(command: str, tmp_path: Path):
    code, _, err = run([*COMMANDS[command], "--output", str(tmp_path / "nowhere" / "out.csv")])
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err


@pytest.mark.parametrize(
    ("errno_", "words"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EROFS, "Read-only file system"),
        (errno.EACCES, "Permission denied"),
    ],
)
def test_a_refusal_of_the_file_system_is_one_line_and_nothing_is_half_written(
    errno_: int, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: object) -> int:
        if str(path).endswith(".tmp"):
            raise OSError(errno_, os.strerror(errno_), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", refusing_open)
    target = tmp_path / "out.csv"
    code, _, err = run([*COMMANDS["export"], "--output", str(target)])
    assert code == 1 and err.strip().count("\n") == 0, err
    assert err.startswith("error: cannot write ") and "out.csv" in err and words in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_while_writing_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The temporary file's bytes go to /dev/full, which answers ENOSPC as a full disk would."""
    real_fdopen = os.fdopen

    def full(fd: int, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        device = os.open("/dev/full", os.O_WRONLY)
        os.dup2(device, fd)
        os.close(device)
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "fdopen", full)
    target = tmp_path / "out.csv"
    code, _, err = run([*COMMANDS["export"], "--output", str(target)])
    assert code == 1 and "No space left on device" in err and err.strip().count("\n") == 0
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_folder_is_reported_not_skipped(data_root: Path, monkeypatch: pytest.MonkeyPatch):
    from tracker.store import load

    from .helpers import TODAY

    real_iterdir = Path.iterdir

    def iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self.name == "evidence":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    found = [str(p) for p in load(data_root, today=TODAY)[1]]
    assert any("evidence:1:1: cannot read the folder: Permission denied" in m for m in found), found


@pytest.mark.parametrize("errno_", [errno.EROFS, errno.EACCES])
def test_a_write_to_a_read_only_data_root_is_one_line(data_root: Path, monkeypatch: pytest.MonkeyPatch, errno_: int):
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: object) -> int:
        if str(path).endswith((".tmp", ".tracker.lock")):
            raise OSError(errno_, os.strerror(errno_), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", refusing_open)
    before = {p: p.read_bytes() for p in (data_root / "evidence").glob("*.yaml")}
    code, _, err = run(add_evidence_argv(data_root))
    assert code == 1 and err.strip().count("\n") == 0 and os.strerror(errno_) in err, err
    assert err.startswith("error: cannot lock ") and ".tracker.lock" in err
    assert {p: p.read_bytes() for p in (data_root / "evidence").glob("*.yaml")} == before
