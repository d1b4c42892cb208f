"""Locating and running ffmpeg.

The binary is looked up in this order: the ``AUDIODIGEST_FFMPEG`` environment variable (a path),
the static build shipped by the ``imageio-ffmpeg`` wheel (a dependency, so every install
encodes with the same version; it also starts several times faster than a distribution build
linked against dozens of shared libraries, which matters when an episode is encoded in
pieces), then ``ffmpeg`` on PATH. Every failure
becomes a :class:`~audiodigest.errors.ToolError` with a one-line message; ffmpeg's own stderr is
logged at debug level so ``--debug`` shows it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from audiodigest.errors import ToolError

log = logging.getLogger(__name__)

ENV_VAR = "AUDIODIGEST_FFMPEG"


def find_ffmpeg() -> str:
    """Return the path of a working ffmpeg binary or raise :class:`ToolError`."""
    override = os.environ.get(ENV_VAR)
    if override:
        return _checked(override, f"{ENV_VAR}={override}")
    try:
        import imageio_ffmpeg

        bundled = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        bundled = None
    if bundled:
        return _checked(bundled, "ffmpeg from imageio-ffmpeg")
    on_path = shutil.which("ffmpeg")
    if on_path:
        return _checked(on_path, "ffmpeg on PATH")
    raise ToolError("ffmpeg not found: install ffmpeg or the imageio-ffmpeg package "
                    f"(or set {ENV_VAR} to its path)")


@functools.lru_cache(maxsize=8)
def _probe(path: str) -> tuple[str | None, str]:
    """Run ``path -version``: (None, its first line) when it works, else (the reason, "")."""
    try:
        done = subprocess.run([path, "-hide_banner", "-version"], capture_output=True, timeout=30)
    except FileNotFoundError:
        return "no such file", ""
    except PermissionError:
        return "not executable", ""
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc) or type(exc).__name__, ""
    if done.returncode != 0 or not done.stdout.startswith(b"ffmpeg version"):
        return f"'{path} -version' failed (exit code {done.returncode})", ""
    return None, done.stdout.decode("utf-8", "replace").splitlines()[0]


def version() -> str:
    """The first line of ``ffmpeg -version`` for the binary in use (part of cache keys)."""
    return _probe(find_ffmpeg())[1]


def _checked(path: str, where: str) -> str:
    problem = _probe(path)[0]
    if problem:
        raise ToolError(f"ffmpeg unusable ({where}): {problem}")
    return path


_TELLING = re.compile(r"error|invalid|no space|too large|denied|not found|unable|failed|could not",
                      re.IGNORECASE)


def telling_line(stderr: bytes) -> str:
    """The line of ffmpeg's output that best says what went wrong (it often ends with notes)."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    telling = [ln for ln in lines if _TELLING.search(ln)]
    return (telling or lines or ["no message"])[-1]


def run(args: Sequence[str], what: str) -> bytes:
    """Run ffmpeg with ``args`` (without the binary) and return its stdout.

    ``what`` names the job in the error message ("decoding music/bed.wav").
    """
    exe = find_ffmpeg()
    cmd = [exe, "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    log.debug("running %s", cmd)
    try:
        done = subprocess.run(cmd, capture_output=True)
    except OSError as exc:
        raise ToolError(f"ffmpeg could not start while {what}: {exc}") from exc
    if done.stderr:
        log.debug("ffmpeg stderr (%s):\n%s", what, done.stderr.decode("utf-8", "replace"))
    if done.returncode != 0:
        raise ToolError(f"ffmpeg failed while {what}: {telling_line(done.stderr)}")
    return done.stdout


def decode(path: str | Path, sample_rate: int, channels: int = 1) -> np.ndarray:
    """Decode any audio file ffmpeg reads into float32 samples at ``sample_rate``.

    Returns shape ``(frames,)`` for one channel, else ``(frames, channels)``. Meant for short
    files (music, tests); long files go through :func:`stream_decode`.
    """
    raw = run(["-i", str(path), "-vn", "-ac", str(channels), "-ar", str(sample_rate),
               "-f", "f32le", "pipe:1"], f"decoding {path}")
    data = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return data if channels == 1 else data.reshape(-1, channels)


def stream_decode(path: str | Path, sample_rate: int, channels: int,
                  block_frames: int = 1 << 16) -> Iterator[np.ndarray]:
    """Decode ``path`` block by block (float32, shape ``(frames, channels)``), bounded memory."""
    exe = find_ffmpeg()
    cmd = [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-vn",
           "-ac", str(channels), "-ar", str(sample_rate), "-f", "f32le", "pipe:1"]
    log.debug("running %s", cmd)
    # stderr goes to a file: a damaged input can make ffmpeg write more than a pipe holds
    # while we are still reading stdout.
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
    except OSError as exc:
        errors.close()
        raise ToolError(f"ffmpeg could not start while decoding {path}: {exc}") from exc
    assert proc.stdout is not None
    block_bytes = block_frames * channels * 4
    leftover = b""
    try:
        while True:
            buf = proc.stdout.read(block_bytes)
            if not buf:
                break
            buf = leftover + buf
            usable = len(buf) - len(buf) % (channels * 4)
            leftover = buf[usable:]
            if usable:
                yield np.frombuffer(buf[:usable], dtype="<f4").reshape(-1, channels)
    finally:
        proc.stdout.close()
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read()
        errors.close()
    if stderr:
        log.debug("ffmpeg stderr (decoding %s):\n%s", path, stderr.decode("utf-8", "replace"))
    if code != 0:
        raise ToolError(f"ffmpeg failed while decoding {path}: {telling_line(stderr)}")
