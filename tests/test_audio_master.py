"""Mastering: the streaming loudness meter against pyloudnorm, true peak, the limiter, master()."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiodigest.audio.assemble import Master
from audiodigest.audio.master import CHUNK, LoudnessMeter, _peak_envelope, limit, master, measure
from audiodigest.config import AudioSettings


def speechlike(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Bursts of filtered noise with pauses and sharp peaks: a crest factor like speech."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    x = rng.standard_normal(n) * 0.1
    env = np.repeat(rng.random(n // (rate // 5) + 1) > 0.35, rate // 5)[:n]
    x *= env
    spikes = rng.integers(0, n, size=max(1, n // rate))
    x[spikes] = rng.choice([-0.95, 0.95], size=spikes.shape[0])
    return x.astype(np.float32)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rate=st.sampled_from([22050, 24000, 44100, 48000]),
       seconds=st.floats(0.45, 4.0), seed=st.integers(0, 2**16),
       block=st.integers(1000, 70000), gain_db=st.floats(-40.0, 0.0))
def test_streaming_loudness_equals_pyloudnorm(rate: int, seconds: float, seed: int, block: int,
                                              gain_db: float) -> None:
    x = speechlike(seconds, rate, seed) * np.float32(10 ** (gain_db / 20))
    meter = LoudnessMeter(rate, true_peak=False)
    for i in range(0, x.shape[0], block):  # any block size gives the same answer
        meter.feed(x[i:i + block])
    ours = meter.integrated()
    ref = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    if math.isinf(ref):
        assert math.isinf(ours)
    else:
        assert abs(ours - ref) < 0.01


def test_stereo_loudness_equals_pyloudnorm() -> None:
    rate = 44100
    x = np.stack([speechlike(2.0, rate, 1), speechlike(2.0, rate, 2)], axis=1)
    ref = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    assert abs(measure(x, rate).integrated_lufs - ref) < 0.01


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A sine at a quarter of the rate, 45 degrees off: every sample is at 0.707 of the peak.
    rate = 48000
    t = np.arange(rate) / rate
    x = (0.5 * np.sin(2 * np.pi * rate / 4 * t + np.pi / 4)).astype(np.float32)
    assert np.max(np.abs(x)) < 0.36
    assert abs(measure(x, rate).true_peak_dbtp - 20 * math.log10(0.5)) < 0.3


def test_silence_and_too_short_do_not_crash() -> None:
    s = AudioSettings()
    quiet = Master(np.zeros(22050 * 3, dtype=np.float32), 22050, (), ())
    out, loud = master(quiet, s)
    assert loud.integrated_lufs == -math.inf and loud.true_peak_dbtp == -math.inf
    assert not np.any(out.samples)
    short = Master(np.full(2000, 0.1, dtype=np.float32), 22050, (), ())
    assert master(short, s)[1].integrated_lufs == -math.inf


@pytest.mark.parametrize("rate", [22050, 44100])
def test_limiter_holds_ceiling_and_leaves_quiet_parts_alone(rate: int) -> None:
    rng = np.random.default_rng(5)
    n = CHUNK * 2 + 12345  # several processing blocks
    x = (rng.standard_normal(n) * 0.05).astype(np.float32)
    peaks = [1000, CHUNK - 3, CHUNK + 2, 2 * CHUNK + 40, n - 10]  # at block edges and the ends
    for p in peaks:
        x[p] = 0.99
    original = x.copy()
    ceiling = 10 ** (-3 / 20)
    changed = limit(x, rate, ceiling)
    assert changed > 0
    assert np.max(_peak_envelope(x)) <= ceiling * 1.01
    # 200 ms away from any peak the signal is untouched (the gain returned to exactly 1).
    far = np.ones(n, dtype=bool)
    for p in peaks:
        far[max(0, p - rate // 5): p + rate // 5] = False
    assert np.array_equal(x[far], original[far])


@pytest.mark.parametrize("target,ceiling", [(-16.0, -1.0), (-19.0, -2.0)])
def test_master_reaches_target_loudness_and_ceiling(target: float, ceiling: float) -> None:
    rate = 22050
    x = speechlike(20.0, rate, 9) * np.float32(0.3)
    settings_ = AudioSettings(loudness=target, true_peak=ceiling)
    out, loud = master(Master(x, rate, (), ()), settings_)
    assert abs(loud.integrated_lufs - target) <= 0.15
    assert loud.true_peak_dbtp <= ceiling
    assert np.max(np.abs(out.samples)) < 1.0
    # The result is measured on the returned samples, and independently agrees.
    ref = pyloudnorm.Meter(rate).integrated_loudness(out.samples.astype(np.float64))
    assert abs(ref - loud.integrated_lufs) < 0.01
