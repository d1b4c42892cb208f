"""Timed transcripts: WebVTT, SubRip and Podcasting 2.0 JSON.

Cues carry the editor's words (``Cue.text``), never the normalised text the engine spoke.
Line limits: WebVTT lines hold at most :data:`VTT_LINE` visible characters (Apple ingests VTT
with that limit); SRT cues at most :data:`SRT_LINES` lines of :data:`SRT_LINE` characters. A
sentence that does not fit one cue is split into consecutive cues that share its time span in
proportion to their characters, with the words shared out evenly and no cue shorter than
:data:`MIN_CUE_MS` unless its sentence is.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

from audiodigest.models import Cue

VTT_LINE = 65
VTT_LINES = 2
SRT_LINE = 32
SRT_LINES = 2
MIN_CUE_MS = 1000  # a cue shorter than this flashes by (unless its sentence is that short)
JSON_TRANSCRIPT_VERSION = "1.0.0"


def speaker_name(tag: str) -> str:
    """A speaker tag as people read it: ``HOST`` -> ``Host``, ``GUEST_2`` -> ``Guest 2``."""
    return " ".join(tag.replace("_", " ").split()).title()


def _ms(sample: int, sample_rate: int) -> int:
    return (sample * 1000 + sample_rate // 2) // sample_rate


def _clock(ms: int, decimal: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, frac = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{frac:03d}"


def _balanced(words: list[str], count: int) -> list[list[str]]:
    """``words`` cut into ``count`` runs of about equal characters (no run left empty)."""
    total = sum(len(w) + 1 for w in words)
    groups: list[list[str]] = [[]]
    done = 0
    for index, word in enumerate(words):
        words_left = len(words) - index
        groups_left = count - len(groups)
        # Cut before this word once the current run has its share, or when the remaining
        # words are only just enough to give every remaining run one.
        if groups[-1] and groups_left > 0 and (
                done + (len(word) + 1) / 2 > total * len(groups) / count
                or words_left <= groups_left):
            groups.append([])
        groups[-1].append(word)
        done += len(word) + 1
    return groups


def _split(cue: Cue, sample_rate: int, width: int,
           lines_per_cue: int) -> list[tuple[int, int, list[str]]]:
    """The cue's text cut into cues of at most ``lines_per_cue`` lines of ``width``.

    The words are shared out evenly, so no cue is left with a lone word, and no cue lasts
    less than :data:`MIN_CUE_MS` unless the sentence itself does (then the cues may hold more
    lines). Each cue gets a slice of the sentence's time (ms) proportional to its characters;
    the slices tile the span with no gaps and never run backwards.
    """
    words = " ".join(cue.text.split()).split(" ")
    if words == [""]:
        return []
    start, end = _ms(cue.start, sample_rate), _ms(cue.end, sample_rate)
    end = max(end, start)
    most = max(1, (end - start) // MIN_CUE_MS)  # cues this sentence's time allows

    def wrap(group: list[str]) -> list[str]:
        return textwrap.wrap(" ".join(group), width=width, break_long_words=True,
                             break_on_hyphens=False)

    count = min(most, -(-len(wrap(words)) // lines_per_cue))
    groups = _balanced(words, count)
    while count < min(most, len(words)) and any(len(wrap(g)) > lines_per_cue for g in groups):
        count += 1
        groups = _balanced(words, count)
    weights = [len(" ".join(g)) for g in groups]
    total = sum(weights)
    out: list[tuple[int, int, list[str]]] = []
    done = 0
    t0 = start
    for group, weight in zip(groups, weights, strict=True):
        done += weight
        t1 = start + round((end - start) * done / total)
        t1 = min(end, max(t1, t0 + 1)) if end - start >= len(groups) else max(t1, t0)
        out.append((t0, t1, wrap(group)))
        t0 = t1
    return out


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue], sample_rate: int) -> str:
    """A WebVTT transcript; each cue names its speaker with a ``<v Name>`` span."""
    blocks: list[str] = []
    for cue in cues:
        name = _escape_vtt(speaker_name(cue.speaker))
        for t0, t1, lines in _split(cue, sample_rate, VTT_LINE, VTT_LINES):
            body = "\n".join(_escape_vtt(line) for line in lines)
            blocks.append(f"{_clock(t0, '.')} --> {_clock(t1, '.')}\n<v {name}>{body}\n")
    return "\n".join(["WEBVTT\n", *blocks])


def to_srt(cues: Sequence[Cue], sample_rate: int) -> str:
    """A SubRip transcript: at most two lines of 32 characters per cue."""
    blocks: list[str] = []
    for cue in cues:
        for t0, t1, lines in _split(cue, sample_rate, SRT_LINE, SRT_LINES):
            timing = f"{_clock(t0, ',')} --> {_clock(t1, ',')}"
            blocks.append("\n".join([str(len(blocks) + 1), timing, *lines]) + "\n")
    return "\n".join(blocks)


def transcript_segments(cues: Sequence[Cue], sample_rate: int) -> list[dict[str, Any]]:
    """The segments of the JSON transcript, one per sentence, times in seconds: exactly what
    :func:`audiodigest.publish.site.read_transcript` reads back from the file."""
    return [{"speaker": speaker_name(cue.speaker),
             "startTime": _ms(cue.start, sample_rate) / 1000,
             "endTime": _ms(max(cue.end, cue.start), sample_rate) / 1000,
             "body": " ".join(cue.text.split())}
            for cue in cues if cue.text.strip()]


def to_transcript_json(cues: Sequence[Cue], sample_rate: int,
                       segments: Sequence[dict[str, Any]] | None = None) -> str:
    """A Podcasting 2.0 JSON transcript: one segment per sentence, times in seconds
    (``segments``, when :func:`transcript_segments` already made them)."""
    if segments is None:
        segments = transcript_segments(cues, sample_rate)
    return json.dumps({"version": JSON_TRANSCRIPT_VERSION, "segments": list(segments)},
                      ensure_ascii=False, indent=2) + "\n"
