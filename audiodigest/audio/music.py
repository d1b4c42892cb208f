"""Jingles and the music bed: reading music files and mixing them under speech.

The bed is played at ``MusicSettings.bed_volume`` dB and ducked a further ``MusicSettings.duck``
dB while speech plays. The duck gain moves in smooth ramps: it starts to fall
:data:`DUCK_ATTACK` seconds before a sentence so the first syllable is never masked, and
comes back up :data:`DUCK_RELEASE` seconds after speech stops, so short sentence gaps do not
make the bed pump.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from audiodigest.config import MusicSettings
from audiodigest.errors import ConfigError, ToolError
from audiodigest.fsutil import check_regular

from . import ffmpeg

log = logging.getLogger(__name__)

DUCK_ATTACK = 0.25  # seconds the duck ramp starts before speech
DUCK_RELEASE = 0.6  # seconds the bed stays ducked after speech (bridges sentence gaps)
DUCK_RAMP = 0.2  # length of each duck ramp, seconds
LOOP_CROSSFADE = 0.05  # seconds of crossfade where a short bed loops
MAX_BYTES = 2 * 1024**3  # a music file larger than this is refused (an hour of WAV is 0.6 GB)


def music_path(settings: MusicSettings, name: str, root: Path | None) -> Path | None:
    """The resolved path of music setting ``name`` (intro, outro, bed), or None if unset."""
    value: Path | None = getattr(settings, name)
    if value is None:
        return None
    if value.is_absolute() or root is None:
        return value
    return root / value


def load(path: Path, setting: str, sample_rate: int) -> np.ndarray:
    """Read a music file of any format ffmpeg knows as mono float32 at ``sample_rate``.

    A missing, unreadable, empty or oversized file, or one that is not a regular file, raises
    :class:`ConfigError` naming ``setting`` (e.g. ``music.intro``) and the path.
    """
    check_regular(path, MAX_BYTES, f"setting '{setting}'")
    try:
        samples = ffmpeg.decode(path, sample_rate)
    except ToolError as exc:
        if "failed while" not in exc.message:
            raise  # ffmpeg itself is missing: that is not the music file's fault
        reason = exc.message.split(": ", 1)[-1]
        raise ConfigError(f"'{setting}' is not a readable audio file ({reason})",
                          path=path) from exc
    if samples.size == 0:
        raise ConfigError(f"'{setting}' contains no audio", path=path)
    return samples


def raised_cosine(n: int) -> np.ndarray:
    """A smooth 0 -> 1 ramp of ``n`` samples (half a cosine period): no clicks at its ends."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    t = (np.arange(n, dtype=np.float64) + 0.5) / n
    return (0.5 - 0.5 * np.cos(np.pi * t)).astype(np.float32)


def fade_edges(x: np.ndarray, fade_in: int, fade_out: int) -> None:
    """Fade ``x`` in and out in place; each fade is clipped to half the length of ``x``."""
    half = x.shape[0] // 2
    fade_in, fade_out = min(fade_in, half), min(fade_out, half)
    if fade_in:
        x[:fade_in] *= raised_cosine(fade_in)
    if fade_out:
        x[x.shape[0] - fade_out:] *= raised_cosine(fade_out)[::-1]


def looped(bed: np.ndarray, n: int, sample_rate: int) -> np.ndarray:
    """``n`` samples of ``bed`` repeated, with a short crossfade at each loop point."""
    out = np.zeros(n, dtype=np.float32)
    xf = min(int(LOOP_CROSSFADE * sample_rate), bed.shape[0] // 4)
    ramp = raised_cosine(xf)
    step = bed.shape[0] - xf
    pos = 0
    first = True
    while pos < n:
        piece = bed[: n - pos].copy()
        if not first and xf:
            piece[:xf] *= ramp[: piece.shape[0]]
        if pos + bed.shape[0] < n and xf:
            piece[-xf:] *= ramp[::-1]
        out[pos:pos + piece.shape[0]] += piece
        pos += step
        first = False
    return out


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centered moving average with edge values held, as smooth ramps between levels."""
    if width <= 1:
        return x
    pad = width // 2
    padded = np.concatenate([np.full(pad, x[0]), x, np.full(width - pad - 1, x[-1])])
    csum = np.concatenate([[0.0], np.cumsum(padded, dtype=np.float64)])
    return (csum[width:] - csum[:-width]) / width


def mix_bed(out: np.ndarray, bed: np.ndarray, start: int, end: int,
            speech: Sequence[tuple[int, int]], settings: MusicSettings, sample_rate: int) -> None:
    """Add the bed into ``out[start:end]`` (in place), faded and ducked under ``speech`` spans."""
    n = end - start
    if n <= 0:
        return
    music = looped(bed, n, sample_rate)
    fade = int(round(settings.fade * sample_rate))
    fade_edges(music, fade, fade)
    # The duck works on a coarse 5 ms grid: plenty for gain ramps and cheap for long regions.
    hop = max(1, sample_rate // 200)
    blocks = -(-n // hop)
    mask = np.zeros(blocks, dtype=np.float64)
    attack, release = int(DUCK_ATTACK * sample_rate), int(DUCK_RELEASE * sample_rate)
    for s0, s1 in speech:
        a, b = max(s0 - attack, start), min(s1 + release, end)
        if a < b:
            mask[(a - start) // hop: -(-(b - start) // hop)] = 1.0
    smooth = _moving_average(mask, max(1, int(DUCK_RAMP * sample_rate) // hop))
    gain_db = settings.bed_volume + settings.duck * smooth
    # Interpolate between block centres so the gain glides sample by sample (no zipper noise).
    centres = np.arange(blocks) * hop + hop / 2.0
    gain = (10.0 ** (np.interp(np.arange(n), centres, gain_db) / 20.0)).astype(np.float32)
    music *= gain
    out[start:end] += music
    log.debug("bed mixed into samples %d..%d", start, end)


def jingle(samples: np.ndarray, settings: MusicSettings, sample_rate: int,
           edge_ms: float) -> np.ndarray:
    """A jingle ready to place: a click-free start and a fade-out of ``settings.fade`` seconds.

    The fade-out is kept to the last quarter of the jingle so its melody stays intact.
    """
    out = samples.astype(np.float32, copy=True)
    fade_out = min(int(round(settings.fade * sample_rate)), out.shape[0] // 4)
    edge = int(round(edge_ms * sample_rate / 1000))
    fade_edges(out, edge, max(fade_out, edge))
    return out
