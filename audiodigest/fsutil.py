"""Atomic file output and small path helpers shared by every writer.

Every file the tool produces goes through :func:`atomic_write` (or :func:`atomic_path`): the data
is written to a temporary file in the same folder, flushed to disk, then renamed over the target,
so a reader sees either the old file or the new one, never half of one. Every deletion goes
through :func:`remove_inside`, which refuses to reach outside the folder it is given.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from audiodigest.errors import OutputError, UserError


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
