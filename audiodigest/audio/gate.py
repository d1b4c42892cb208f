"""The quality gate: an episode that is silent, truncated or broken is never published.

Empty, silent or cut-short episodes are the failure listeners report most about tools that
make podcasts from text. The build therefore checks, before the feed names the new audio:

- every speech segment: not silent, and not far shorter than its text needs at the speed
  this episode's own voices speak (letters per second, measured over the episode);
- the encoded file: it decodes without an error, it lasts what the layout planned (within
  1 %), its loudness and true peak are on target, and every chapter and cue lies inside it.

A failure is a :class:`QualityError` naming the sentence or chapter; the earlier feed, pages
and audio stay as they were.
"""

from __future__ import annotations

import logging
import statistics
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from audiodigest.audio import ffmpeg
from audiodigest.config import AudioSettings
from audiodigest.errors import QualityError, ToolError
from audiodigest.models import EncodedEpisode, Pcm

log = logging.getLogger(__name__)

SILENT_PEAK = 10 ** (-50 / 20)  # a segment whose loudest sample stays under -50 dBFS says nothing
# Speech this much faster than the episode's own pace (letters a second) is a cut-off segment.
TOO_FAST = 2.5
# The pace assumed until an episode has enough segments to measure its own: an ordinary
# narrator says about 14 letters a second (the bundled voice measures 13-16).
DEFAULT_LETTERS_PER_SECOND = 14.0
_MIN_LETTERS = 12  # shorter texts ("OK.") vary too much in length to judge
_MIN_MEASURED = 5  # segments needed to measure the pace
DURATION_TOLERANCE = 0.01
LOUDNESS_TOLERANCE_LU = 1.0
MIN_MEASURED_SECONDS = 30.0  # shorter episodes are not held to the integrated loudness
TRUE_PEAK_TOLERANCE_DB = 0.5
_EDGE_SECONDS = 0.05  # chapters and cues may end this far past the last sample (rounding)


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def speaking_pace(texts: Sequence[str], seconds: Sequence[float]) -> float:
    """The median letters per second over segments long enough to measure, else the default.

    >>> speaking_pace(["a" * 30] * 5, [2.0] * 5)
    15.0
    >>> speaking_pace(["hi"], [0.4])
    14.0
    """
    rates = [_letters(t) / s for t, s in zip(texts, seconds, strict=True)
             if _letters(t) >= _MIN_LETTERS * 2 and s > 0]
    return statistics.median(rates) if len(rates) >= _MIN_MEASURED else DEFAULT_LETTERS_PER_SECOND


def check_speech(labels: Sequence[str], texts: Sequence[str], seconds: Sequence[float],
                 pcms: Iterable[Pcm]) -> None:
    """Refuse a segment that is silent or far too short for its text.

    ``texts`` are what the engine was asked to say, ``labels`` name each segment for people,
    ``seconds`` are the segments' lengths (known before their audio is read), and ``pcms``
    yields the audio itself, read one segment at a time.
    """
    pace = speaking_pace(texts, seconds)
    for label, text, length, pcm in zip(labels, texts, seconds, pcms, strict=True):
        letters = _letters(text)
        if not letters:
            continue
        samples = np.frombuffer(pcm.data, "<i2")
        peak = float(np.abs(samples.astype(np.int32)).max()) / 32768 if samples.size else 0.0
        if peak < SILENT_PEAK:
            raise QualityError(f"{label}: the voice produced silence "
                               f"({length:.2f} s, peak {_db(peak)}); nothing was published")
        needed = letters / (pace * TOO_FAST)
        if letters >= _MIN_LETTERS and length < needed:
            raise QualityError(
                f"{label}: only {length:.2f} s of speech for {letters} letters (at this "
                f"episode's pace of {pace:.0f} letters a second it needs at least "
                f"{needed:.1f} s); nothing was published")


def _db(value: float) -> str:
    return "-inf dBFS" if value <= 0 else f"{20 * np.log10(value):.0f} dBFS"


def check_episode(encoded: EncodedEpisode, planned: float, settings: AudioSettings) -> None:
    """Refuse an encoded episode that is broken, cut short, off target or mis-marked
    (``planned``: the seconds the layout planned)."""
    path = Path(encoded.path)
    _check_decodes(path)
    if planned > 0 and abs(encoded.duration - planned) > DURATION_TOLERANCE * planned:
        raise QualityError(f"{path}: the episode lasts {encoded.duration:.2f} s but "
                           f"{planned:.2f} s were planned; nothing was published")
    loudness = encoded.loudness
    # Integrated loudness is a measure of a programme; a few seconds of speech among pauses
    # measure low without sounding wrong (a 0.8 s sentence in a 6 s episode: -18.2 LUFS).
    if loudness is not None and encoded.duration >= MIN_MEASURED_SECONDS:
        if abs(loudness.integrated_lufs - settings.loudness) > LOUDNESS_TOLERANCE_LU:
            raise QualityError(f"{path}: loudness {loudness.integrated_lufs:.1f} LUFS, target "
                               f"{settings.loudness:.1f}; nothing was published")
        if loudness.true_peak_dbtp > settings.true_peak + TRUE_PEAK_TOLERANCE_DB:
            raise QualityError(f"{path}: true peak {loudness.true_peak_dbtp:.1f} dBTP over the "
                               f"ceiling of {settings.true_peak:.1f}; nothing was published")
    limit = encoded.duration + _EDGE_SECONDS
    rate = encoded.sample_rate
    previous = 0
    for mark in encoded.chapters:
        if mark.start < previous or mark.end < mark.start or mark.end / rate > limit:
            raise QualityError(f"chapter {mark.title!r} ({mark.start / rate:.2f}-"
                               f"{mark.end / rate:.2f} s) is not inside the {encoded.duration:.2f}"
                               " s episode, in order; nothing was published")
        previous = mark.start
    for cue in encoded.cues:
        if cue.end < cue.start or cue.end / rate > limit:
            raise QualityError(f"the transcript cue {cue.text[:40]!r} ({cue.start / rate:.2f}-"
                               f"{cue.end / rate:.2f} s) is not inside the "
                               f"{encoded.duration:.2f} s episode; nothing was published")


def _check_decodes(path: Path) -> None:
    """Decode the whole file with ffmpeg; any complaint about the audio refuses it."""
    cmd = [ffmpeg.find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i",
           str(path), "-map", "0:a", "-f", "null", "-"]
    try:
        done = subprocess.run(cmd, capture_output=True)
    except OSError as exc:
        raise ToolError(f"ffmpeg could not start while checking the episode: {exc}") from exc
    if done.returncode != 0 or done.stderr.strip():
        raise QualityError(f"{path}: the encoded episode does not decode cleanly "
                           f"({ffmpeg.telling_line(done.stderr)}); nothing was published")
