"""The one home of time conversions and written times: each form read back gives the time."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiodigest.timefmt import (
    ms_to_srt,
    ms_to_vtt,
    samples_to_ms,
    seconds_to_clock,
    seconds_to_decimal,
    seconds_to_psc,
)

RATES = st.sampled_from([8000, 22050, 24000, 44100, 48000])


def _hms(text: str, decimal: str) -> int:
    m = re.fullmatch(r"(\d{2,}):([0-5]\d):([0-5]\d)" + re.escape(decimal) + r"(\d{3})", text)
    assert m, text
    h, mi, s, ms = (int(g) for g in m.groups())
    return (h * 3600 + mi * 60 + s) * 1000 + ms


@given(st.integers(0, 200 * 3_600_000))
def test_cue_times_read_back_to_the_millisecond(ms: int) -> None:
    assert _hms(ms_to_vtt(ms), ".") == ms
    assert _hms(ms_to_srt(ms), ",") == ms


@given(st.floats(0, 400_000, allow_nan=False))
def test_psc_start_shape_and_value(seconds: float) -> None:
    assert _hms(seconds_to_psc(seconds), ".") == round(seconds * 1000)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "00:00:00.000"), (65.25, "00:01:05.250"), (3723.0004, "01:02:03.000"),
    (36000.5, "10:00:00.500"), (-3, "00:00:00.000"), (float("nan"), "00:00:00.000"),
])
def test_psc_times_are_zero_padded(seconds: float, text: str) -> None:
    assert seconds_to_psc(seconds) == text


@given(st.integers(0, 10**7), RATES)
def test_sample_positions_round_to_the_nearest_millisecond_without_drift(
        sample: int, rate: int) -> None:
    ms = samples_to_ms(sample, rate)
    assert abs(ms - sample * 1000 / rate) <= 0.5


@given(st.floats(0, 400_000, allow_nan=False))
def test_clock_and_decimal_read_back(seconds: float) -> None:
    parts = [int(p) for p in seconds_to_clock(seconds).split(":")]
    total = parts[0] * 3600 + parts[1] * 60 + parts[2] if len(parts) == 3 else parts[0] * 60 + parts[1]
    assert total == int(seconds)
    assert abs(float(seconds_to_decimal(seconds)) - seconds) <= 0.0005 + 1e-9 * seconds
