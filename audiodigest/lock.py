"""Per-show locks: one build at a time, and readers of the output never see it half-changed.

Each lock is an ``fcntl.flock`` on a file in ``SHOW_DIR/.audiodigest/``. The kernel drops a
flock when its process dies, however it dies (SIGKILL included), so a lock left by a killed
command is simply taken over by the next one; the pid an exclusive holder writes into the file
is only there to name it.

Two locks, always taken in this order:

* the build lock (``lock``), exclusive, not waited for: a second build, ``script`` or
  ``remove`` of the same show is refused (:class:`BusyError`, exit code 3);
* the output lock (``output.lock``): commands that change the output folder's feed, pages or
  published files hold it exclusively while they do (seconds, at the end of a build); commands
  that read the output as a whole (``publish``, ``status``, ``build --dry-run``) hold it
  shared. Each waits for the other, so a reader sees the output either before or after a
  writer's change, never during. (``serve`` takes no lock: each answer is one whole file, and
  a podcast app's requests span time no lock could hold.) A reader of a show that was never
  built (no state folder) holds nothing and creates nothing.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from audiodigest.errors import BusyError, OutputError


class ShowLock:
    """``with ShowLock(path):`` holds the lock at ``path`` for the block.

    ``shared`` takes it as a reader (many readers at once, no writer); otherwise it is
    exclusive. With ``wait`` the lock is waited for (``on_wait`` is told once, with who holds
    it); without, a held lock raises :class:`BusyError` at once.
    """

    def __init__(self, path: Path, *, shared: bool = False, wait: bool = False,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.shared = shared
        self.wait = wait
        self.on_wait = on_wait
        self._fd: int | None = None

    def _holder(self, fd: int) -> str:
        pid = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        return f"pid {pid}" if pid.isdigit() else "an audiodigest command reading the output"

    def __enter__(self) -> ShowLock:
        if self.shared and not self.path.parent.is_dir():
            # No state folder: no build has written this show yet, so there is nothing to
            # keep consistent; a reader (build --dry-run, status) must not create it.
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the lock: {exc.strerror}", path=self.path) from exc
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            if not self.wait:
                os.close(fd)
                raise BusyError(
                    f"another audiodigest build of this show is running ({holder}); "
                    "wait for it to finish",
                    path=self.path.parent.parent,
                ) from None
            if self.on_wait is not None:
                self.on_wait(f"waiting for {holder} to finish with the show's output")
            try:
                fcntl.flock(fd, mode)
            except BaseException:
                os.close(fd)
                raise
        if not self.shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        elif os.fstat(fd).st_size:
            os.ftruncate(fd, 0)  # a pid left by a killed writer: no writer holds the lock now
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            if not self.shared:
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
