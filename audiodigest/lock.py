"""One build at a time per show.

The lock is an ``fcntl.flock`` on ``SHOW_DIR/.audiodigest/lock``. The kernel drops a flock when
its process dies, however it dies (SIGKILL included), so a lock left by a killed build is simply
taken over by the next one; the pid written into the file is only there to name the holder.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from audiodigest.errors import BusyError, OutputError


class ShowLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> ShowLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the build lock: {exc.strerror}", path=self.path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise BusyError(
                f"another audiodigest build of this show is running (pid {holder}); "
                "wait for it to finish",
                path=self.path.parent.parent,
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
