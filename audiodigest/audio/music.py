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
from audiodigest.timefmt import ms_to_samples, seconds_to_samples

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


def looped(bed: np.ndarray, n: int, sample_rate: int, start: int = 0,
           end: int | None = None) -> np.ndarray:
    """Samples ``start..end`` of ``n`` samples of ``bed`` repeated, with a short crossfade at
    each loop point. Any slice is exactly that part of the whole (``start=0, end=n``)."""
    end = n if end is None else end
    out = np.zeros(end - start, dtype=np.float32)
    length = bed.shape[0]
    xf = min(int(LOOP_CROSSFADE * sample_rate), length // 4)
    ramp = raised_cosine(xf)
    step = length - xf
    for pos in range(max(0, (start - length) // step) * step, min(n, end), step):
        a, b = max(pos, start), min(pos + length, n, end)
        if a >= b:
            continue
        piece = bed[a - pos:b - pos].copy()
        if pos and xf and a - pos < xf:  # fading in over the previous copy's tail
            piece[:xf - (a - pos)] *= ramp[a - pos:xf][:piece.shape[0]]
        if pos + length < n and xf and b - pos > step:  # fading out under the next copy
            lo = max(a - pos, step)
            piece[lo - (a - pos):] *= ramp[::-1][lo - step:b - pos - step]
        out[a - start:b - start] += piece
    return out


def _edge_fades(n: int, fade: int, start: int, end: int) -> np.ndarray:
    """The gain of :func:`fade_edges` (``fade`` in and out over ``n`` samples) at ``start..end``."""
    gain = np.ones(end - start, dtype=np.float32)
    half = n // 2
    fade = min(fade, half)
    if fade:
        ramp = raised_cosine(fade)
        a, b = start, min(end, fade)
        if a < b:
            gain[a - start:b - start] = ramp[a:b]
        a, b = max(start, n - fade), end
        if a < b:
            gain[a - start:b - start] = ramp[::-1][a - (n - fade):b - (n - fade)]
    return gain


def _duck_gain(settings: MusicSettings, speech: Sequence[tuple[int, int]], start: int, n: int,
               sample_rate: int, lo: int, hi: int) -> np.ndarray:
    """The bed's gain at samples ``lo..hi`` of its region (``n`` samples from ``start``).

    The duck works on a coarse 5 ms grid of the whole region, smoothed by a moving average;
    only the grid points a slice needs are computed (an hour's grid per piece would cost
    tens of megabytes), and since the grid holds 0 or 1 the sums are exact: every slice
    gets exactly the gain the whole region would.
    """
    hop = max(1, sample_rate // 200)
    blocks = -(-n // hop)
    width = max(1, int(DUCK_RAMP * sample_rate) // hop)
    pad = width // 2
    first, stop = max(0, lo // hop - 1), min(blocks, hi // hop + 2)
    # Grid points first - pad .. stop + width - pad - 1, the region's edge values held.
    index = np.clip(np.arange(first - pad, stop + width - pad - 1), 0, blocks - 1)
    base = int(index[0])
    mask = np.zeros(int(index[-1]) - base + 1, dtype=np.float64)
    attack, release = int(DUCK_ATTACK * sample_rate), int(DUCK_RELEASE * sample_rate)
    end = start + n
    for s0, s1 in speech:
        a, b = max(s0 - attack, start), min(s1 + release, end)
        i0 = max((a - start) // hop, base)
        i1 = min(-(-(b - start) // hop), base + mask.shape[0])
        if a < b and i0 < i1:
            mask[i0 - base:i1 - base] = 1.0
    window = mask[index - base]
    if width > 1:
        csum = np.concatenate([[0.0], np.cumsum(window)])
        smooth = (csum[width:] - csum[:-width]) / width
    else:
        smooth = window
    gain_db = settings.bed_volume + settings.duck * smooth
    # Interpolate between block centres so the gain glides sample by sample (no zipper noise).
    centres = np.arange(first, stop) * hop + hop / 2.0
    gain = 10.0 ** (np.interp(np.arange(lo, hi), centres, gain_db) / 20.0)
    return gain.astype(np.float32)


def bed_reach(settings: MusicSettings, sample_rate: int) -> tuple[int, int]:
    """How far (samples) speech can be from a sample of the bed and still change its duck
    gain, and how far from the bed's end a sample still depends on where the bed ends."""
    hop = max(1, sample_rate // 200)
    duck = int((DUCK_ATTACK + DUCK_RELEASE + DUCK_RAMP) * sample_rate) + 4 * hop
    tail = 2 * seconds_to_samples(settings.fade, sample_rate) + int(LOOP_CROSSFADE * sample_rate)
    return duck, tail + duck


def mix_bed(out: np.ndarray, bed: np.ndarray, start: int, end: int,
            speech: Sequence[tuple[int, int]], settings: MusicSettings, sample_rate: int,
            window: tuple[int, int] | None = None) -> None:
    """Add the bed region ``start..end``, faded and ducked under ``speech`` spans, into ``out``.

    Positions count samples of ``out``. With ``window = (a, b)`` only samples ``a..b`` of
    ``out`` (the region may reach beyond ``out``) are mixed: exactly those samples of the
    whole region, so pieces rendered apart join without a seam; ``speech`` then lists every
    span within :func:`bed_reach` of the window.
    """
    n = end - start
    a, b = (start, end) if window is None else (max(start, window[0]), min(end, window[1]))
    if n <= 0 or a >= b:
        return
    music = looped(bed, n, sample_rate, a - start, b - start)
    fade = seconds_to_samples(settings.fade, sample_rate)
    music *= _edge_fades(n, fade, a - start, b - start)
    gain = _duck_gain(settings, speech, start, n, sample_rate, a - start, b - start)
    music *= gain
    out[a:b] += music
    log.debug("bed samples %d..%d of %d mixed", a - start, b - start, n)


def jingle(samples: np.ndarray, settings: MusicSettings, sample_rate: int,
           edge_ms: float) -> np.ndarray:
    """A jingle ready to place: a click-free start and a fade-out of ``settings.fade`` seconds.

    The fade-out is kept to the last quarter of the jingle so its melody stays intact.
    """
    out = samples.astype(np.float32, copy=True)
    fade_out = min(seconds_to_samples(settings.fade, sample_rate), out.shape[0] // 4)
    edge = ms_to_samples(edge_ms, sample_rate)
    fade_edges(out, edge, max(fade_out, edge))
    return out
