"""Locks between processes: exclusive, waited for, and gone with the process that held them."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from desktop_chat.core._locks import FileLock, held

_HOLDER = """
import sys, time
from pathlib import Path
from desktop_chat.core._locks import FileLock
lock = FileLock(Path(sys.argv[1]))
assert lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_second_open_waits_then_gives_up_on_a_held_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first = FileLock(path)
    assert first.acquire()
    now = [0.0]
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        now[0] += seconds

    second = FileLock(path, clock=lambda: now[0], sleep=sleep)
    assert not second.acquire(wait=0.1)
    assert not second.locked
    assert 9 <= len(naps) <= 11  # it kept trying for the whole wait
    first.release()
    assert second.acquire()
    assert second.acquire()  # taking a lock already held is a no-op
    second.release()
    second.release()  # so is letting go twice


def test_release_can_remove_the_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    lock = FileLock(path)
    assert lock.acquire()
    lock.release(remove=True)
    assert not path.exists()


def test_held_says_when_the_lock_could_not_be_had(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with held(path, 0) as first:
        assert first
        with held(path, 0) as second:
            assert not second
    with held(tmp_path / "no-such-folder" / "x.lock", 0) as missing:
        assert not missing


def test_a_lock_dies_with_the_process_that_held_it(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not FileLock(path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    lock = FileLock(path)
    assert lock.acquire()
    lock.release()
