"""Assembly: where every sentence, pause and jingle sits, and the audio of any stretch of it.

:func:`plan_layout` lays every segment out on an integer sample timeline (so positions never
drift) without touching audio; :func:`render` writes the audio of one stretch of that timeline.
Builds render it piece by piece (:mod:`audiodigest.audio.pieces`).

The timeline runs at the *speech* rate, not the output rate: the highest sample rate among the
sentences, capped at ``AudioSettings.sample_rate``. ffmpeg converts it to the output rate while
encoding, and chapter and cue positions are converted by the exact rate ratio. Engines produce
22.05 or 24 kHz speech, which holds nothing above 12 kHz, so nothing audible is lost and half
the samples are processed. Music is resampled to the timeline's rate.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.fsutil import sha256_file
from audiodigest.models import ChapterMark, Cue, Pause, Pcm, Sentence, SpokenChapter
from audiodigest.timefmt import seconds_to_samples

from . import master as master_mod
from . import music as music_mod

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=64)
def rate_ratio(src: int, dst: int) -> tuple[int, int]:
    """The exact ``(up, down)`` factors that turn ``src`` Hz into ``dst`` Hz.

    >>> rate_ratio(22050, 44100), rate_ratio(24000, 44100)
    ((2, 1), (147, 80))
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


@dataclass(frozen=True)
class Tracks:
    """The show's music, read once per build at the master rate and levelled for mixing.

    Jingles play at the speech's target loudness; the bed at ``MusicSettings.bed_volume`` dB
    under it (see :func:`audiodigest.audio.music.mix_bed`).
    """

    intro: np.ndarray | None = None
    outro: np.ndarray | None = None
    bed: np.ndarray | None = None
    settings: MusicSettings | None = None
    identity: str = ""  # hash of the files and settings, for cache keys


def load_tracks(music: MusicSettings | None, music_root: Path | None, rate: int,
                settings: AudioSettings) -> Tracks:
    """Read, level and prepare the show's jingles and bed (:class:`ConfigError` if unusable)."""
    if music is None:
        return Tracks()
    found: dict[str, np.ndarray] = {}
    digest = hashlib.sha256(music.model_dump_json().encode())
    for name in ("intro", "outro", "bed"):
        path = music_mod.music_path(music, name, music_root)
        if path is None:
            continue
        samples = music_mod.load(path, f"music.{name}", rate)
        samples *= np.float32(10.0 ** (master_mod.level_gain(samples, rate, settings.loudness) / 20))
        if name != "bed":
            samples = music_mod.jingle(samples, music, rate, settings.fade_ms)
        found[name] = samples
        digest.update(f"{name}:{sha256_file(path)}".encode())
    return Tracks(found.get("intro"), found.get("outro"), found.get("bed"), music,
                  digest.hexdigest())


@dataclass(frozen=True)
class Layout:
    """Where everything sits on the episode's sample timeline (at ``rate``), before any audio.

    ``spans[k]`` is where sentence k sounds; ``joints[k]`` says what follows it ("sentence",
    "paragraph", "chapter", "pause", or "end"); ``music`` lists (name, start, end) of each
    jingle and bed region. Chapter marks and cues count samples of this timeline.
    """

    rate: int
    total: int
    spans: tuple[tuple[int, int], ...]
    joints: tuple[str, ...]
    music: tuple[tuple[str, int, int], ...]
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]


def plan_layout(chapters: Sequence[SpokenChapter], shapes: Sequence[tuple[int, int]],
                settings: AudioSettings, tracks: Tracks = Tracks(), rate: int | None = None) -> Layout:
    """Lay every sentence out on one sample timeline, with chapter marks and one cue per sentence.

    ``shapes[k]`` is (frames, sample rate) of the k-th :class:`Sentence` counting across all
    chapters. Gaps: ``sentence_gap`` within a paragraph, ``paragraph_gap`` when the paragraph
    index changes, ``chapter_gap`` between chapters; one or more :class:`Pause` items between
    two sentences replace that gap by exactly their total length. Chapter 0 starts at 0 (the
    intro jingle belongs to it), every other chapter at the first sample of its first item, and
    each ends where the next starts. Raises :class:`ValueError` if ``shapes`` does not match.
    """
    sentences = [item for ch in chapters for item in ch.items if isinstance(item, Sentence)]
    if len(sentences) != len(shapes):
        raise ValueError(f"{len(shapes)} audio segments for {len(sentences)} sentences")
    rate = rate or master_rate((r for _, r in shapes), settings)
    gap_sentence = seconds_to_samples(settings.sentence_gap, rate)
    gap_paragraph = seconds_to_samples(settings.paragraph_gap, rate)
    gap_chapter = seconds_to_samples(settings.chapter_gap, rate)

    cursor = 0
    prev: str | None = None  # kind of the last thing placed: sentence, pause or jingle
    prev_paragraph, prev_chapter = -1, -1
    music: list[tuple[str, int, int]] = []
    if tracks.intro is not None:
        music.append(("intro", 0, tracks.intro.shape[0]))
        cursor = tracks.intro.shape[0] + gap_paragraph
        prev = "jingle"
    spans: list[tuple[int, int]] = []
    joints: list[str] = []
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
                cursor += seconds_to_samples(item.seconds, rate)
                if prev == "sentence":
                    joints[-1] = "pause"
                prev = "pause"
                continue
            if prev == "sentence":
                if prev_chapter != ci:
                    cursor += gap_chapter
                    joints[-1] = "chapter"
                elif item.paragraph != prev_paragraph:
                    cursor += gap_paragraph
                    joints[-1] = "paragraph"
                else:
                    cursor += gap_sentence
            if start is None:
                start = cursor
            length = resampled_length(*shapes[k], rate)
            spans.append((cursor, cursor + length))
            joints.append("sentence")
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
    if joints:
        joints[-1] = "end"
    if tracks.outro is not None:
        if prev == "sentence":
            cursor += gap_chapter
        music.append(("outro", cursor, cursor + tracks.outro.shape[0]))
        cursor += tracks.outro.shape[0]
    total = cursor
    if tracks.bed is not None and tracks.settings is not None and chapters:
        intro_end = 0 if tracks.intro is None else tracks.intro.shape[0]
        music_end = total if tracks.outro is None else music[-1][1]
        for r0, r1 in _bed_regions(tracks.settings, rate, starts, first_speech, last_speech,
                                   intro_end, music_end):
            music.append(("bed", r0, r1))

    ends = [*starts[1:], total][:len(starts)]
    marks = tuple(ChapterMark(title=ch.title, start=s, end=e, url=ch.url)
                  for ch, s, e in zip(chapters, starts, ends, strict=True))
    cues = tuple(Cue(text=sent.text, speaker=sent.speaker, start=s0, end=s1)
                 for sent, (s0, s1) in zip(sentences, spans, strict=True))
    return Layout(rate, total, tuple(spans), tuple(joints), tuple(music), marks, cues)


def render(layout: Layout, pcms: Sequence[Pcm], tracks: Tracks, settings: AudioSettings,
           start: int = 0, end: int | None = None, ceiling_db: float | None = None,
           level: bool = True, seamless: bool = False) -> np.ndarray:
    """The mixed, levelled and limited audio of ``layout`` from sample ``start`` to ``end``.

    Each sentence is brought to the target loudness on its own (a leveller: Piper's
    sentences vary by a few dB), faded at its edges, and the music mixed in; the range is then
    brought to the target loudness with its 4x-oversampled peaks limited under ``ceiling_db``
    (default: the true-peak ceiling less :data:`~audiodigest.audio.master.LIMITER_HEADROOM_DB`).
    Ranges must not cut through a sentence or a music region, so every range renders the same
    whatever else is in the episode; ``pcms[k]`` is read only for the sentences inside it.

    ``seamless=True`` renders one piece of a stretch cut under music
    (:mod:`audiodigest.audio.cuts`): the range may cut through anything, the bed is its slice
    of the region, ducked under every sentence near enough to matter, and the range is only
    limited (its sentences are levelled already), so ranges rendered apart agree sample for
    sample where they overlap, except within the limiter's reach of their ends.
    ``level=False`` gives the plain mix (no levelling, loudness or limiting), to check
    placement and mixing.
    """
    end = layout.total if end is None else end
    rate = layout.rate
    out = np.zeros(end - start, dtype=np.float32)
    fade = seconds_to_samples(settings.fade_ms / 1000.0, rate)
    inside = []
    for k, (s0, s1) in enumerate(layout.spans):
        if s1 <= start or s0 >= end:
            continue
        pcm = pcms[k]
        seg = pcm_to_float(pcm)
        if level:
            seg *= np.float32(10.0 ** (master_mod.level_gain(seg, pcm.sample_rate,
                                                             settings.loudness) / 20))
        seg = resample(seg, pcm.sample_rate, rate)
        music_mod.fade_edges(seg, fade, fade)
        a, b = max(s0, start), min(s1, end)
        out[a - start:b - start] = seg[a - s0:b - s0]
        inside.append((s0 - start, s1 - start))
    for name, m0, m1 in layout.music:
        if m1 <= start or m0 >= end:
            continue
        if name == "bed" and tracks.bed is not None and tracks.settings is not None:
            if seamless:
                reach = music_mod.bed_reach(tracks.settings, rate)[0]
                near = [(s0 - start, s1 - start) for s0, s1 in layout.spans
                        if s0 < end + reach and s1 > start - reach]
                music_mod.mix_bed(out, tracks.bed, m0 - start, m1 - start, near,
                                  tracks.settings, rate, window=(0, end - start))
                continue
            if m0 < start or m1 > end:
                raise ValueError(f"samples {start}..{end} cut through the music bed")
            music_mod.mix_bed(out, tracks.bed, m0 - start, m1 - start, inside, tracks.settings,
                              rate)
        else:
            clip = tracks.intro if name == "intro" else tracks.outro
            if clip is None:
                continue
            a, b = max(m0, start), min(m1, end)
            out[a - start:b - start] += clip[a - m0:b - m0]
    if level:
        if ceiling_db is None:
            ceiling_db = settings.true_peak - master_mod.LIMITER_HEADROOM_DB
        if seamless:
            master_mod.limit(out, rate, 10.0 ** (ceiling_db / 20.0))
        else:
            master_mod.reach_loudness(out, rate, settings.loudness, 10.0 ** (ceiling_db / 20.0))
    return out


def lay_out(chapters: Sequence[SpokenChapter], shapes: Sequence[tuple[int, int]],
            settings: AudioSettings, music: MusicSettings | None,
            music_root: Path | None) -> tuple[Layout, Tracks]:
    """The episode's layout and its music, at the master rate the speech calls for.

    ``shapes[k]`` is (frames, sample rate) of the k-th sentence (see :func:`plan_layout`).
    """
    rate = master_rate((r for _, r in shapes), settings)
    tracks = load_tracks(music, music_root, rate, settings)
    return plan_layout(chapters, shapes, settings, tracks, rate), tracks


def _bed_regions(music: MusicSettings, rate: int, starts: list[int],
                 first_speech: list[int | None], last_speech: list[int | None],
                 intro_end: int, music_end: int) -> list[tuple[int, int]]:
    """Where the bed plays: under the intro chapter and/or across each chapter change.

    Across a chapter change the bed reaches ``fade`` seconds into the speech on either side
    (ducked there), so it swells in the gap and fades under the voices.
    """
    fade = seconds_to_samples(music.fade, rate)
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
