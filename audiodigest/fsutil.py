"""Atomic file output, bounded file input and small path helpers shared by every stage.

Every file the tool produces goes through :func:`atomic_write` (or :func:`atomic_path`): the data
is written to a temporary file in the same folder, flushed to disk, then renamed over the target,
so a reader sees either the old file or the new one, never half of one. Every deletion goes
through :func:`remove_inside`, which refuses to reach outside the folder it is given.

Every file the tool opens by a name the user gave (show.toml, the digest, the script, the
lexicon, artwork, music, templates, voice files) goes through :func:`read_regular` (or
:func:`check_regular` when another program reads it): it must be a regular file no larger than
a bound, so a named pipe cannot hang a build and ``/dev/zero`` cannot fill the memory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from audiodigest.errors import ConfigError, OutputError, UserError


def _explain(exc: OSError, path: Path) -> OutputError:
    reason = {
        errno.ENOSPC: "no space left on device",
        errno.EROFS: "the folder is on a read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EDQUOT: "disk quota exceeded",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"cannot write: {reason}", path=path)


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed over ``target``.

    The temporary file keeps ``target``'s suffix (or ``suffix``) so tools that guess formats
    from names (ffmpeg) still work. On any exception the temporary file is removed and
    ``target`` is left untouched.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.",
            suffix=".tmp" + (suffix if suffix is not None else target.suffix),
            dir=target.parent,
        )
    except OSError as exc:
        raise _explain(exc, target) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _explain(exc, target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(target: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``target`` atomically and return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
    return Path(target)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def remove_inside(root: str | Path, path: str | Path) -> bool:
    """Delete ``path`` (a file, a symlink or a folder tree) only if it lies inside ``root``.

    The containment check resolves ``path``'s parent, so neither ``..`` nor a symlinked folder
    on the way leads out of ``root``; a symlink at ``path`` itself is removed as a link, never
    followed (and ``shutil.rmtree`` never follows the links inside a tree). Returns whether
    anything was removed; a path outside ``root``, or ``root`` itself, raises
    :class:`UserError` and nothing is touched.
    """
    real_root = Path(root).resolve()
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise UserError(f"refusing to delete {path}: not a file or folder name", path=path)
    target = path.parent.resolve() / path.name
    if not target.is_relative_to(real_root) or target == real_root:
        raise UserError(f"refusing to delete {path}: it is not inside {root}", path=path)
    try:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OutputError(f"cannot delete: {exc.strerror or exc}", path=path) from exc
    return True


# --- bounded input ---------------------------------------------------------------------------

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _problem(what: str, problem: str) -> str:
    return f"{what}: {problem}" if what else problem


@contextlib.contextmanager
def open_regular(path: str | Path, max_bytes: int, what: str = "",
                 error: type[UserError] = ConfigError,
                 missing: str = "file not found") -> Iterator[tuple[int, int]]:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes``.

    Yields ``(fd, size)``. Anything else raises ``error`` naming the path, ``what`` it is
    (e.g. ``setting 'artwork'``) and the problem: ``missing`` when it does not exist, the kind
    of file when it is not a regular one, the size when it is too large. Special files are
    never opened for reading, and the open cannot block (``O_NONBLOCK``): the type is checked
    again on the open descriptor, in case the name changed in between.
    """
    path = Path(path)
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise error(_problem(what, f"{_kind(before.st_mode)}, not a regular file"), path=path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(_problem(what, missing), path=path) from None
    except OSError as exc:
        raise error(_problem(what, f"cannot read it ({exc.strerror or exc})"), path=path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(_problem(what, f"{_kind(info.st_mode)}, not a regular file"), path=path)
        if info.st_size > max_bytes:
            raise error(_problem(what, f"the file is {info.st_size:,} bytes; the limit is "
                                       f"{max_bytes:,}"), path=path)
        yield fd, info.st_size
    finally:
        os.close(fd)


def read_regular(path: str | Path, max_bytes: int, what: str = "",
                 error: type[UserError] = ConfigError, missing: str = "file not found") -> bytes:
    """The bytes of ``path``, checked first as :func:`open_regular` does."""
    with open_regular(path, max_bytes, what, error, missing) as (fd, _size):
        chunks: list[bytes] = []
        left = max_bytes + 1  # a file that grew after the check is still caught
        try:
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
        except OSError as exc:
            raise error(_problem(what, f"cannot read it ({exc.strerror or exc})"),
                        path=path) from None
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise error(_problem(what, f"the file is larger than the limit of {max_bytes:,} bytes"),
                    path=path)
    return data


def check_regular(path: str | Path, max_bytes: int, what: str = "",
                  error: type[UserError] = ConfigError, missing: str = "file not found") -> int:
    """Check ``path`` as :func:`open_regular` does, for a file another program will read;
    return its size."""
    with open_regular(path, max_bytes, what, error, missing) as (_fd, size):
        return size
