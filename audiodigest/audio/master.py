"""Loudness mastering: integrated loudness to the target, true peak under the ceiling.

Loudness follows ITU-R BS.1770-4 exactly as pyloudnorm implements it (its K-weighting filter
coefficients, 400 ms blocks with 75 % overlap, absolute and relative gates), but computed in a
streaming way: pyloudnorm's ``Meter`` copies the whole signal in float64 several times, which
for an hour-long episode would need gigabytes. The tests check both agree.

True peak is the largest magnitude of the signal oversampled 4x (BS.1770 annex 2).

Peaks over the ceiling are caught by a look-ahead limiter whose gain curve is built from
sliding minima and moving averages (vectorised, so it runs at numpy speed): the gain starts to
fall :data:`LIMIT_ATTACK` seconds before a peak, holds, then recovers over the same time. The
construction guarantees the gain at every sample is at most the gain that sample needs.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from pathlib import Path

import mutagen
import numpy as np
from pyloudnorm.iirfilter import IIRfilter
from scipy.ndimage import minimum_filter1d
from scipy.signal import lfilter, resample_poly

from audiodigest.config import AudioSettings
from audiodigest.errors import ToolError
from audiodigest.models import Loudness

from . import ffmpeg
from .assemble import Master

log = logging.getLogger(__name__)

CHUNK = 1 << 18  # samples per processing block: bounded memory on long episodes
OVERSAMPLE = 4
TP_CONTEXT = 64  # input samples of context the 4x interpolation filter needs on each side
# The limiter aims this far under the ceiling: 64 kbit/s MP3 coding of limited speech raises
# true peaks by up to about 1 dB (measured with Piper speech), and the ceiling is meant to hold
# for the encoded file. encode() re-limits once if a file still goes over.
LIMITER_HEADROOM_DB = 1.0
LIMIT_ATTACK = 0.02  # seconds over which the limiter's gain ramps (attack and release)
LIMIT_HOLD = 0.04  # seconds the reduced gain is held after a peak
LOUDNESS_TOLERANCE = 0.1  # LU: re-apply gain after limiting until this close to the target
MAX_PASSES = 6
BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1


def _db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 0 else -math.inf


class LoudnessMeter:
    """Streaming integrated loudness (LUFS) and true peak (dBTP) of a signal fed in blocks."""

    def __init__(self, sample_rate: int, channels: int = 1, true_peak: bool = True) -> None:
        self.rate = sample_rate
        self.channels = channels
        self._stages = []
        for filt in (IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sample_rate, "high_shelf"),
                     IIRfilter(0.0, 0.5, 38.0, sample_rate, "high_pass")):
            self._stages.append((filt.b, filt.a, filt.passband_gain))
        self._zi = [np.zeros((2, channels)) for _ in self._stages]
        self._energy: list[float] = []  # sum of squares per 100 ms sub-block
        self._frames = 0
        self._want_peak = true_peak
        self._peak = 0.0
        self._tp_buf = np.zeros((0, channels))
        self._tp_ctx = 0

    def feed(self, block: np.ndarray) -> None:
        """Add the next samples: shape ``(n,)`` for mono or ``(n, channels)``."""
        x = np.asarray(block, dtype=np.float64).reshape(-1, self.channels)
        n = x.shape[0]
        if n == 0:
            return
        y = x
        for i, (b, a, gain) in enumerate(self._stages):
            y, self._zi[i] = lfilter(b, a, y, axis=0, zi=self._zi[i])
            if gain != 1.0:
                y *= gain
        energy = np.einsum("ij,ij->i", y, y)
        # Sample i belongs to sub-block floor(i / (rate / 10)), as in pyloudnorm's block bounds.
        idx = (np.arange(self._frames, self._frames + n, dtype=np.int64) * 10) // self.rate
        first = int(idx[0])
        sums = np.bincount(idx - first, weights=energy)
        while len(self._energy) < first + sums.shape[0]:
            self._energy.append(0.0)
        for j, value in enumerate(sums.tolist()):
            self._energy[first + j] += value
        self._frames += n
        if self._want_peak:
            self._feed_peak(x, final=False)

    def _feed_peak(self, x: np.ndarray, final: bool) -> None:
        buf = np.concatenate([self._tp_buf, x]) if self._tp_buf.shape[0] else x
        if final:
            buf = np.concatenate([buf, np.zeros((TP_CONTEXT, self.channels))])
        ready = buf.shape[0] - TP_CONTEXT  # samples with enough context on the right
        if ready > self._tp_ctx:
            up = resample_poly(buf, OVERSAMPLE, 1, axis=0)
            seg = up[OVERSAMPLE * self._tp_ctx: OVERSAMPLE * ready]
            if seg.size:
                self._peak = max(self._peak, float(np.max(np.abs(seg))))
            keep = max(0, ready - TP_CONTEXT)
            self._tp_buf = buf[keep:]
            self._tp_ctx = ready - keep
        else:
            self._tp_buf = buf

    @property
    def true_peak(self) -> float:
        """True peak so far in dBTP (-inf for silence); final only after :meth:`result`."""
        return _db(self._peak)

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS; -inf for silence or less than 400 ms of audio."""
        seconds = self._frames / self.rate
        if seconds < BLOCK_SECONDS:
            return -math.inf
        blocks = int(np.round((seconds - BLOCK_SECONDS) / STEP_SECONDS)) + 1
        sub = np.zeros(blocks + 3)
        have = min(len(self._energy), sub.shape[0])
        sub[:have] = self._energy[:have]
        z = (sub[:blocks] + sub[1:blocks + 1] + sub[2:blocks + 2] + sub[3:blocks + 3])
        z /= BLOCK_SECONDS * self.rate
        with np.errstate(divide="ignore"):
            level = -0.691 + 10.0 * np.log10(z)
        above = z[level >= -70.0]
        if above.size == 0:
            return -math.inf
        relative = -0.691 + 10.0 * math.log10(float(np.mean(above))) - 10.0
        gated = z[(level > relative) & (level > -70.0)]
        if gated.size == 0:
            return -math.inf
        return -0.691 + 10.0 * math.log10(float(np.mean(gated)))

    def result(self) -> Loudness:
        """Finish the measurement and return it."""
        if self._want_peak:
            self._feed_peak(np.zeros((0, self.channels)), final=True)
            self._want_peak = False
        return Loudness(integrated_lufs=self.integrated(), true_peak_dbtp=self.true_peak)


def _blocks(x: np.ndarray) -> Iterable[np.ndarray]:
    for i in range(0, x.shape[0], CHUNK):
        yield x[i:i + CHUNK]


def measure(source: str | Path | np.ndarray | Master, sample_rate: int | None = None) -> Loudness:
    """Integrated loudness and true peak of a file (decoded with ffmpeg), an array or a Master.

    For an array give its ``sample_rate``; a 2-D array is ``(frames, channels)``.
    """
    if isinstance(source, Master):
        return measure(source.samples, source.sample_rate)
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise ValueError("measure() needs the sample_rate of an array")
        channels = 1 if source.ndim == 1 else source.shape[1]
        meter = LoudnessMeter(sample_rate, channels)
        for block in _blocks(source):
            meter.feed(block)
        return meter.result()
    path = Path(source)
    try:
        info = mutagen.File(path)
    except (mutagen.MutagenError, OSError) as exc:
        raise ToolError(f"cannot read audio file {path}: {exc}") from exc
    rate = int(getattr(getattr(info, "info", None), "sample_rate", 0) or 48000)
    channels = int(getattr(getattr(info, "info", None), "channels", 0) or 1)
    meter = LoudnessMeter(rate, channels)
    for block in ffmpeg.stream_decode(path, rate, channels):
        meter.feed(block)
    return meter.result()


def _integrated(x: np.ndarray, rate: int) -> float:
    meter = LoudnessMeter(rate, 1, true_peak=False)
    for block in _blocks(x):
        meter.feed(block)
    return meter.integrated()


def _scale(x: np.ndarray, gain_db: float) -> None:
    factor = np.float32(10.0 ** (gain_db / 20.0))
    for block in _blocks(x):
        block *= factor


def _peak_envelope(x: np.ndarray) -> np.ndarray:
    """Per sample, the largest 4x-oversampled magnitude between it and the next sample."""
    up = np.abs(resample_poly(x.astype(np.float64), OVERSAMPLE, 1))
    env = up[: x.shape[0] * OVERSAMPLE].reshape(-1, OVERSAMPLE).max(axis=1)
    return np.maximum(env, np.abs(x))


def _causal_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Mean of ``x[n - width + 1 .. n]``; values before the start count as 1 (unity gain)."""
    padded = np.concatenate([np.ones(width - 1), x])
    csum = np.concatenate([[0.0], np.cumsum(padded)])
    return (csum[width:] - csum[:-width]) / width


def limit(x: np.ndarray, sample_rate: int, ceiling: float) -> int:
    """Limit ``x`` in place so its 4x-oversampled peaks stay under ``ceiling`` (linear).

    Returns how many samples had their gain reduced. Works block by block with enough context
    on both sides that block edges are invisible.
    """
    w = max(1, int(LIMIT_ATTACK * sample_rate / 4))
    r = max(1, int(LIMIT_ATTACK * sample_rate) - w)
    ahead = w + r - 2  # look-ahead of the minimum, so the two averages never overshoot
    hold = max(ahead, int(LIMIT_HOLD * sample_rate))
    size = hold + ahead + 1
    context = size + w + r + TP_CONTEXT
    reduced = 0
    n = x.shape[0]
    saved = np.zeros(0, dtype=np.float32)  # unlimited samples just before the current block
    for c0 in range(0, n, CHUNK):
        c1 = min(n, c0 + CHUNK)
        e1 = min(n, c1 + context)
        ext = np.concatenate([saved, x[c0:e1]])
        e0 = c0 - saved.shape[0]
        need = np.minimum(1.0, ceiling / np.maximum(_peak_envelope(ext), 1e-12))
        saved = x[max(0, c1 - context):c1].copy()
        if need.min() >= 1.0:
            continue
        # m[k] = min(need[k - hold .. k + ahead]), with unity gain outside the signal.
        padded = np.concatenate([np.ones(hold), need, np.ones(ahead)])
        centred = minimum_filter1d(padded, size=size, mode="nearest")
        m = centred[size // 2: size // 2 + need.shape[0]]
        gain = _causal_mean(_causal_mean(m, w), r)
        part = gain[c0 - e0: c1 - e0]
        reduced += int(np.count_nonzero(part < 1.0 - 1e-9))
        x[c0:c1] *= part.astype(np.float32)
    return reduced


def master(m: Master, settings: AudioSettings) -> tuple[Master, Loudness]:
    """Bring ``m`` to ``settings.loudness`` LUFS with true peak under ``settings.true_peak``.

    Works IN PLACE on ``m.samples`` (an hour-long master leaves no room for a second copy)
    and returns a Master sharing that buffer, with the loudness measured on the result.
    Silence (or under 400 ms of audio) is returned unchanged with -inf loudness.
    """
    x = m.samples
    if x.dtype != np.float32 or not x.flags.writeable or not x.flags.c_contiguous:
        x = np.ascontiguousarray(x, dtype=np.float32).copy()
    rate = m.sample_rate
    ceiling = 10.0 ** ((settings.true_peak - LIMITER_HEADROOM_DB) / 20.0)
    loud = _integrated(x, rate)
    if not math.isfinite(loud):
        log.warning("the episode is silent: loudness not adjusted")
        return dataclasses.replace(m, samples=x), measure(x, rate)
    gain = settings.loudness - loud
    for attempt in range(MAX_PASSES):
        before = loud
        _scale(x, gain)
        reduced = limit(x, rate, ceiling)
        # Only the integrated loudness steers the passes; the limiter already guarantees the
        # peaks, so the (costly, 4x oversampled) true peak is measured once, at the end.
        loud = _integrated(x, rate)
        log.info("mastering pass %d: %+.2f dB -> %.2f LUFS, limiter on %.1f%% of samples",
                 attempt + 1, gain, loud, 100.0 * reduced / max(1, x.shape[0]))
        if abs(loud - settings.loudness) <= LOUDNESS_TOLERANCE or not math.isfinite(loud):
            break
        # The limiter eats part of each gain step; the last step shows how much (secant).
        slope = (loud - before) / gain if gain else 1.0
        gain = (settings.loudness - loud) / min(1.0, max(0.5, slope))
    return dataclasses.replace(m, samples=x), measure(x, rate)
