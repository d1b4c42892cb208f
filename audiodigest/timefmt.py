"""Every conversion of a time: sample positions, seconds and milliseconds, and the ways a time
is written (WebVTT, SubRip, Podlove Simple Chapters, a clock for people, a short decimal).

Names read ``x_to_y`` (librosa's convention). Sample positions become milliseconds by one
integer division, so chapter and cue times never drift however long the episode is. Nothing
here raises: a negative or undefined (NaN) time is written as 0 wherever it is clamped.
"""

from __future__ import annotations

# --- sample positions, seconds, milliseconds ---------------------------------------------


def samples_to_ms(sample: int, sample_rate: int) -> int:
    """A sample position as whole milliseconds (rounded half up, by one integer division).

    >>> samples_to_ms(22050, 44100), samples_to_ms(1, 2000), samples_to_ms(44_100 * 3600, 44_100)
    (500, 1, 3600000)
    """
    return (sample * 1000 + sample_rate // 2) // sample_rate


def samples_to_seconds(sample: int, sample_rate: int) -> float:
    """A sample position as seconds with millisecond precision (see :func:`samples_to_ms`).

    >>> samples_to_seconds(33075, 44100)
    0.75
    """
    return samples_to_ms(sample, sample_rate) / 1000


def seconds_to_samples(seconds: float, sample_rate: int) -> int:
    """The sample count nearest to ``seconds`` at ``sample_rate``.

    >>> seconds_to_samples(0.5, 44100), seconds_to_samples(1 / 3, 3)
    (22050, 1)
    """
    return int(round(seconds * sample_rate))


def ms_to_samples(ms: float, sample_rate: int) -> int:
    """The sample count nearest to ``ms`` milliseconds (multiplied before dividing, so whole
    milliseconds at a whole rate are exact before rounding; the two forms differ on ties).

    >>> ms_to_samples(85, 44100), seconds_to_samples(85 / 1000, 44100)
    (3748, 3749)
    """
    return int(round(ms * sample_rate / 1000))


def round_ms(seconds: float) -> float:
    """Seconds rounded to the millisecond.

    >>> round_ms(1.23456)
    1.235
    """
    return round(seconds, 3)


# --- written forms ------------------------------------------------------------------------


def _hh_mm_ss_mmm(ms: int, decimal: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, frac = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{frac:03d}"


def ms_to_vtt(ms: int) -> str:
    """A WebVTT cue time, ``HH:MM:SS.mmm``.

    >>> ms_to_vtt(3_723_004)
    '01:02:03.004'
    """
    return _hh_mm_ss_mmm(ms, ".")


def ms_to_srt(ms: int) -> str:
    """A SubRip cue time, ``HH:MM:SS,mmm`` (a comma before the milliseconds).

    >>> ms_to_srt(3_723_004)
    '01:02:03,004'
    """
    return _hh_mm_ss_mmm(ms, ",")


def seconds_to_psc(seconds: float) -> str:
    """A Podlove Simple Chapters start, zero-padded ``HH:MM:SS.mmm`` (feedparser reads only that
    shape); a negative or undefined time is 0.

    >>> seconds_to_psc(65.25), seconds_to_psc(3599.9996), seconds_to_psc(-3)
    ('00:01:05.250', '01:00:00.000', '00:00:00.000')
    """
    return _hh_mm_ss_mmm(int(round(seconds * 1000)) if seconds > 0 else 0, ".")


def seconds_to_clock(seconds: float) -> str:
    """A time for people, in whole seconds: ``03:12``, or ``1:03:12`` past an hour.

    >>> seconds_to_clock(192.7), seconds_to_clock(3792), seconds_to_clock(-1)
    ('03:12', '1:03:12', '00:00')
    """
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def seconds_to_decimal(seconds: float) -> str:
    """Seconds as a short decimal: millisecond precision, no trailing zeros (``#t=`` media
    fragments, ``data-start``, ``[pause 1.5s]``); a negative time is 0.

    >>> seconds_to_decimal(12.5), seconds_to_decimal(3.0), seconds_to_decimal(0.1234)
    ('12.5', '3', '0.123')
    """
    text = f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def seconds_to_compact(seconds: float) -> str:
    """A rounded span in two units at most, for progress lines: ``12s``, ``1m15s``, ``1h02m``.

    >>> seconds_to_compact(12.4), seconds_to_compact(75), seconds_to_compact(3725)
    ('12s', '1m15s', '1h02m')
    """
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"
