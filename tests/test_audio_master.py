"""Loudness: the streaming meter against pyloudnorm, true peak, the limiter, levelling, reach_loudness()."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.signal import resample_poly

from audiodigest.audio.master import (
    CHUNK,
    LoudnessMeter,
    level_gain,
    limit,
    measure,
    peak_envelope,
    reach_loudness,
)


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


@pytest.mark.parametrize("seed", range(6))
def test_sparse_true_peak_equals_full_oversampling(seed: int) -> None:
    # The meter interpolates only near loud samples; it must find what full 4x finds.
    x = speechlike(3.0, 44100, seed) * np.float32(0.8)
    full = float(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1))))
    assert abs(measure(x, 44100).true_peak_dbtp - 20 * math.log10(full)) < 1e-4


def test_true_peak_at_the_very_start_and_end() -> None:
    for at in (0, 2, 44100 - 6):
        x = np.zeros(44100, dtype=np.float32)
        x[at:at + 4] = [0.9, -0.9, 0.9, -0.9]
        full = float(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1))))
        assert abs(measure(x, 44100).true_peak_dbtp - 20 * math.log10(full)) < 1e-4, at


def test_silence_and_too_short_do_not_crash() -> None:
    quiet = np.zeros(22050 * 3, dtype=np.float32)
    assert reach_loudness(quiet, 22050, -16.0, 0.8) == -math.inf
    assert not np.any(quiet)
    assert measure(quiet, 22050).true_peak_dbtp == -math.inf
    short = np.full(2000, 0.1, dtype=np.float32)
    assert reach_loudness(short, 22050, -16.0, 0.8) == -math.inf
    assert level_gain(np.zeros(500, dtype=np.float32), 22050, -16.0) == 0.0


def test_level_gain_brings_a_sentence_to_the_target() -> None:
    rate = 22050
    x = speechlike(3.0, rate, 3) * np.float32(0.05)
    gain = level_gain(x, rate, -16.0)
    y = x * np.float32(10 ** (gain / 20))
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(y.astype(np.float64)) + 16.0) < 0.01
    # A click under one gating block is measured over its length, and never blown up.
    click = np.zeros(2000, dtype=np.float32)
    click[100] = 0.001
    assert level_gain(click, rate, -16.0) == 30.0


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
    limit(x, rate, ceiling)
    assert not np.array_equal(x, original)
    assert np.max(peak_envelope(x)) <= ceiling * 1.0001
    # 200 ms away from any peak the signal is untouched (the gain returned to exactly 1).
    far = np.ones(n, dtype=bool)
    for p in peaks:
        far[max(0, p - rate // 5): p + rate // 5] = False
    assert np.array_equal(x[far], original[far])


def test_limiter_catches_a_peak_in_the_very_first_samples() -> None:
    rate = 22050
    x = (np.random.default_rng(2).standard_normal(rate) * 0.05).astype(np.float32)
    x[3] = 0.99
    ceiling = 10 ** (-3 / 20)
    limit(x, rate, ceiling)
    assert np.max(peak_envelope(x)) <= ceiling * 1.0001


@pytest.mark.parametrize("target,ceiling", [(-16.0, -1.0), (-19.0, -2.0)])
def test_reach_loudness_reaches_target_loudness_under_the_ceiling(target: float, ceiling: float) -> None:
    rate = 22050
    x = speechlike(20.0, rate, 9) * np.float32(0.3)
    reach_loudness(x, rate, target, 10 ** (ceiling / 20))
    # Measured independently: pyloudnorm for loudness, full 4x oversampling for the peak.
    ref = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    assert abs(ref - target) <= 0.2
    peak = float(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1))))
    assert 20 * math.log10(peak) <= ceiling + 1e-3
