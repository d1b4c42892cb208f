"""The show's locks across real processes: readers share the output lock, a writer waits for
them (and they for it), and a SIGKILLed holder releases it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audiodigest.errors import BusyError
from audiodigest.lock import ShowLock
from tests.conftest import REPO

HOLD = ("import sys, time; from pathlib import Path; from audiodigest.lock import ShowLock\n"
        "with ShowLock(Path(sys.argv[1]), shared=sys.argv[2] == 'shared'):\n"
        "    print('held', flush=True); time.sleep(60)")


def _holder(path: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_readers_share_and_a_writer_waits_until_the_reader_is_killed(tmp_path: Path) -> None:
    lock = tmp_path / ".audiodigest" / "output.lock"
    lock.parent.mkdir()  # a show that has been built
    reader = _holder(lock, "shared")
    try:
        with ShowLock(lock, shared=True):  # a second reader does not wait
            pass
        with pytest.raises(BusyError), ShowLock(lock):
            pass
        told: list[str] = []
        got = threading.Event()

        def write() -> None:
            with ShowLock(lock, wait=True, on_wait=told.append):
                got.set()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not got.is_set() and told and "waiting for" in told[0]
        reader.send_signal(signal.SIGKILL)
        writer.join(10)
        assert got.is_set()
    finally:
        reader.kill()
        reader.wait()


def test_a_reader_waits_for_a_writer_and_names_it(tmp_path: Path) -> None:
    lock = tmp_path / ".audiodigest" / "output.lock"
    lock.parent.mkdir()
    writer = _holder(lock, "exclusive")
    try:
        told: list[str] = []
        got = threading.Event()

        def read() -> None:
            with ShowLock(lock, shared=True, wait=True, on_wait=told.append):
                got.set()

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.5)
        assert not got.is_set() and f"pid {writer.pid}" in told[0]
        writer.send_signal(signal.SIGKILL)
        reader.join(10)
        assert got.is_set()
    finally:
        writer.kill()
        writer.wait()


def test_a_reader_of_a_show_never_built_writes_nothing(tmp_path: Path) -> None:
    with ShowLock(tmp_path / ".audiodigest" / "output.lock", shared=True):
        pass
    assert list(tmp_path.iterdir()) == []
