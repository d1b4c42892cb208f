"""Assembly: one continuous PCM master from the synthesized sentences, with chapter marks and cues.

The master is built in one preallocated float32 buffer: a first pass lays every segment out
on an integer sample timeline (so positions never drift), a second pass writes the audio.

Memory: the master runs at the *speech* rate, not the output rate. Its rate is the highest
sample rate among the sentences, capped at ``AudioSettings.sample_rate``; ffmpeg converts it
to the output rate while encoding (see :mod:`audiodigest.audio.encode`), and chapter and cue
positions are converted by the exact rate ratio there. Engines produce 22.05 or 24 kHz speech,
which holds nothing above 12 kHz, so nothing audible is lost, and a 60-minute master takes
about 320 MB instead of about 640 MB at 44.1 kHz. Music is resampled to the master rate.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.models import ChapterMark, Cue, Pause, Pcm, Sentence, SpokenChapter

from . import music as music_mod

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Master:
    """The whole episode as one mono float32 buffer in [-1, 1] plus its marks.

    ``chapters`` and ``cues`` count positions in samples of this buffer at ``sample_rate``.
    """

    samples: np.ndarray
    sample_rate: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.sample_rate


@functools.lru_cache(maxsize=64)
def rate_ratio(src: int, dst: int) -> tuple[int, int]:
    """The exact ``(up, down)`` factors that turn ``src`` Hz into ``dst`` Hz.

    >>> rate_ratio(22050, 44100), rate_ratio(24000, 44100)
    ((2, 1), (147, 160))
    """
    g = math.gcd(src, dst)
    return dst // g, src // g


def resampled_length(frames: int, src: int, dst: int) -> int:
    """How many samples :func:`resample` returns for ``frames`` samples (ceil of the ratio)."""
    up, down = rate_ratio(src, dst)
    return -(-frames * up // down)


def pcm_to_float(pcm: Pcm) -> np.ndarray:
    """The int16 PCM as float32 in [-1, 1)."""
    data = np.frombuffer(pcm.data, dtype="<i2", count=pcm.frames)
    return data.astype(np.float32) * np.float32(1.0 / 32768.0)


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Resample float32 ``x`` from ``src`` to ``dst`` Hz with a polyphase filter."""
    if src == dst or x.shape[0] == 0:
        return x if src == dst else np.zeros(0, dtype=np.float32)
    up, down = rate_ratio(src, dst)
    return np.asarray(resample_poly(x, up, down), dtype=np.float32)


def master_rate(rates: Iterable[int], settings: AudioSettings) -> int:
    """The master's sample rate: the highest speech rate, capped at the output rate."""
    found = set(rates)
    return min(max(found), settings.sample_rate) if found else settings.sample_rate


def _seconds(value: float, rate: int) -> int:
    return int(round(value * rate))


def assemble(chapters: Sequence[SpokenChapter], pcms: Sequence[Pcm], settings: AudioSettings,
             music: MusicSettings | None = None, music_root: Path | None = None) -> Master:
    """Join the sentences' audio into one master with chapter marks and one cue per sentence.

    ``pcms[k]`` is the audio of the k-th :class:`Sentence` counting across all chapters;
    each is read twice (length, then samples), so a lazy sequence that loads from the cache keeps
    memory low. Gaps: ``sentence_gap`` within a paragraph, ``paragraph_gap`` when the
    paragraph index changes, ``chapter_gap`` between chapters; one or more :class:`Pause` items
    between two sentences replace that gap by exactly their total length. Chapter 0 starts at 0
    (the intro jingle belongs to it), every other chapter at the first sample of its first item,
    and each ends where the next starts. Music paths are resolved against ``music_root``.
    Raises :class:`ValueError` if ``pcms`` does not match the sentences, and
    :class:`~audiodigest.errors.ConfigError` for an unusable music file.
    """
    sentences = [item for ch in chapters for item in ch.items if isinstance(item, Sentence)]
    if len(sentences) != len(pcms):
        raise ValueError(f"{len(pcms)} audio segments for {len(sentences)} sentences")
    # One read of every segment for its length and rate, one more (pass 2) for its samples.
    shapes = [(pcm.frames, pcm.sample_rate) for pcm in (pcms[i] for i in range(len(pcms)))]
    rate = master_rate((r for _, r in shapes), settings)
    gap_sentence = _seconds(settings.sentence_gap, rate)
    gap_paragraph = _seconds(settings.paragraph_gap, rate)
    gap_chapter = _seconds(settings.chapter_gap, rate)

    intro = outro = bed = None
    if music is not None:
        for name in ("intro", "outro", "bed"):
            path = music_mod.music_path(music, name, music_root)
            if path is None:
                continue
            samples = music_mod.load(path, f"music.{name}", rate)
            if name == "bed":
                bed = samples
            elif name == "intro":
                intro = music_mod.jingle(samples, music, rate, settings.fade_ms)
            else:
                outro = music_mod.jingle(samples, music, rate, settings.fade_ms)

    # Pass 1: lay out every segment on the sample timeline.
    cursor = 0
    prev: str | None = None  # kind of the last thing placed: sentence, pause or jingle
    prev_paragraph, prev_chapter = -1, -1
    if intro is not None:
        cursor = intro.shape[0] + gap_paragraph
        prev = "jingle"
    spans: list[tuple[int, int]] = []
    starts: list[int] = []
    first_speech: list[int | None] = []
    last_speech: list[int | None] = []
    k = 0
    for ci, chapter in enumerate(chapters):
        start: int | None = None
        first: int | None = None
        last: int | None = None
        for item in chapter.items:
            if isinstance(item, Pause):
                if start is None:
                    start = cursor
                cursor += _seconds(item.seconds, rate)
                prev = "pause"
                continue
            if prev == "sentence":
                if prev_chapter != ci:
                    cursor += gap_chapter
                elif item.paragraph != prev_paragraph:
                    cursor += gap_paragraph
                else:
                    cursor += gap_sentence
            if start is None:
                start = cursor
            length = resampled_length(*shapes[k], rate)
            spans.append((cursor, cursor + length))
            first = cursor if first is None else first
            cursor += length
            last = cursor
            prev, prev_paragraph, prev_chapter = "sentence", item.paragraph, ci
            k += 1
        starts.append(cursor if start is None else start)
        first_speech.append(first)
        last_speech.append(last)
    if starts:
        starts[0] = 0
    outro_start = None
    if outro is not None:
        if prev == "sentence":
            cursor += gap_chapter
        outro_start = cursor
        cursor += outro.shape[0]
    total = cursor

    # Pass 2: write the audio into one preallocated buffer.
    out = np.zeros(total, dtype=np.float32)
    fade = _seconds(settings.fade_ms / 1000.0, rate)
    for k, (s0, s1) in enumerate(spans):
        pcm = pcms[k]
        seg = resample(pcm_to_float(pcm), pcm.sample_rate, rate)
        music_mod.fade_edges(seg, fade, fade)
        out[s0:s1] = seg[: s1 - s0]
    if intro is not None:
        out[: intro.shape[0]] += intro
    if outro is not None and outro_start is not None:
        out[outro_start:] += outro
    if bed is not None and music is not None and chapters:
        regions = _bed_regions(music, rate, starts, first_speech, last_speech,
                               0 if intro is None else intro.shape[0],
                               total if outro_start is None else outro_start)
        for r0, r1 in regions:
            music_mod.mix_bed(out, bed, r0, r1, spans, music, rate)

    ends = [*starts[1:], total]
    marks = tuple(ChapterMark(title=ch.title, start=s, end=e, url=ch.url)
                  for ch, s, e in zip(chapters, starts, ends, strict=True))
    cues = tuple(Cue(text=sent.text, speaker=sent.speaker, start=s0, end=s1)
                 for sent, (s0, s1) in zip(sentences, spans, strict=True))
    log.info("assembled %d sentences into %.1f s at %d Hz", len(spans), total / rate, rate)
    return Master(samples=out, sample_rate=rate, chapters=marks, cues=cues)


def _bed_regions(music: MusicSettings, rate: int, starts: list[int],
                 first_speech: list[int | None], last_speech: list[int | None],
                 intro_end: int, music_end: int) -> list[tuple[int, int]]:
    """Where the bed plays: under the intro chapter and/or across each chapter change.

    Across a chapter change the bed reaches ``fade`` seconds into the speech on either side
    (ducked there), so it swells in the gap and fades under the voices.
    """
    fade = _seconds(music.fade, rate)
    regions: list[tuple[int, int]] = []
    if music.bed_under in ("intro", "both"):
        end = starts[1] if len(starts) > 1 else music_end
        regions.append((intro_end, min(end, music_end)))
    if music.bed_under in ("chapters", "both"):
        for i in range(len(starts) - 1):
            last, first = last_speech[i], first_speech[i + 1]
            before = last if last is not None else starts[i + 1]
            after = first if first is not None else starts[i + 1]
            regions.append((max(intro_end, before - fade), min(music_end, after + fade)))
    merged: list[tuple[int, int]] = []
    for r0, r1 in sorted(r for r in regions if r[1] > r[0]):
        if merged and r0 <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], r1))
        else:
            merged.append((r0, r1))
    return merged
