"""Transcript and chapter files: golden cases, format rules, and properties over any text."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.models import ChapterMark, Cue, PublishedChapter
from audiodigest.publish.chapters import chapters_json, published_chapters
from audiodigest.publish.transcripts import speaker_name, to_srt, to_transcript_json, to_vtt

DATA = Path(__file__).resolve().parent / "data" / "transcripts"
CASES = sorted(p.name.removesuffix(".cues.json") for p in DATA.glob("*.cues.json"))
REGEN = os.environ.get("AUDIODIGEST_REGEN_GOLDEN") == "1"

VTT_TIME = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
SRT_TIME = r"(\d{2}):(\d{2}):(\d{2}),(\d{3})"


def _seconds(groups: tuple[str, ...]) -> float:
    h, m, s, ms = (int(g) for g in groups)
    return h * 3600 + m * 60 + s + ms / 1000


def parse_vtt(text: str) -> list[tuple[float, float, str | None, list[str]]]:
    """A strict reader for what to_vtt writes: (start, end, voice, visible lines)."""
    assert text.startswith("WEBVTT\n")
    cues = []
    for block in text[len("WEBVTT\n"):].split("\n\n"):
        if not block.strip():
            continue
        timing, *lines = block.strip("\n").split("\n")
        m = re.fullmatch(VTT_TIME + " --> " + VTT_TIME, timing)
        assert m, timing
        assert lines and all(line.strip() for line in lines)
        voice = None
        v = re.match(r"<v ([^>]+)>", lines[0])
        if v:
            voice = v.group(1)
            lines[0] = lines[0][v.end():]
        for line in lines:
            assert "<" not in line and ">" not in line and "-->" not in line
            assert not re.search(r"&(?!amp;|lt;|gt;)", line)
        cues.append((_seconds(m.groups()[:4]), _seconds(m.groups()[4:]), voice,
                     [html.unescape(line) for line in lines]))
    return cues


def parse_srt(text: str) -> list[tuple[float, float, list[str]]]:
    cues = []
    for i, block in enumerate(b for b in text.split("\n\n") if b.strip()):
        number, timing, *lines = block.strip("\n").split("\n")
        assert number == str(i + 1)
        m = re.fullmatch(SRT_TIME + " --> " + SRT_TIME, timing)
        assert m, timing
        cues.append((_seconds(m.groups()[:4]), _seconds(m.groups()[4:]), lines))
    return cues


def _load(case: str) -> tuple[list[Cue], int]:
    raw = json.loads((DATA / f"{case}.cues.json").read_text())
    return [Cue(**c) for c in raw["cues"]], raw["sample_rate"]


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    cues, rate = _load(case)
    outputs = {f"{case}.vtt": to_vtt(cues, rate), f"{case}.srt": to_srt(cues, rate),
               f"{case}.transcript.json": to_transcript_json(cues, rate)}
    for name, text in outputs.items():
        path = DATA / name
        if REGEN:
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), name


def test_vtt_speakers_escaping_and_editor_text() -> None:
    cues, rate = _load("two_speakers")
    parsed = parse_vtt(to_vtt(cues, rate))
    assert [p[2] for p in parsed] == ["Host", "Reader", "Guest 2"]
    assert parsed[-1][3] == ["Is <this> the end? -->"]
    assert "&amp; money" in to_vtt(cues, rate)
    assert speaker_name("HOST") == "Host" and speaker_name("CO_HOST") == "Co Host"


def test_long_sentence_is_split_over_its_time_span() -> None:
    cues, rate = _load("long_sentence")
    vtt = parse_vtt(to_vtt(cues, rate))
    srt = parse_srt(to_srt(cues, rate))
    for parsed in (vtt, srt):
        assert len(parsed) > 1
        assert parsed[0][0] == 1.0 and parsed[-1][1] == round(419000 / rate, 3)
        # Consecutive pieces tile the sentence's span: each starts where the last ended.
        assert all(a[1] == b[0] for a, b in zip(parsed, parsed[1:], strict=False))
    # Longer pieces get more time: time per character roughly constant.
    rates = [(c[1] - c[0]) / sum(len(x) for x in c[-1]) for c in srt]
    assert max(rates) < 1.6 * min(rates)


def test_transcript_json_is_podcasting20() -> None:
    cues, rate = _load("two_speakers")
    doc = json.loads(to_transcript_json(cues, rate))
    assert doc["version"] == "1.0.0"
    assert doc["segments"][1] == {"speaker": "Reader", "startTime": 2.0, "endTime": 8.0,
                                  "body": cues[1].text}


# --- properties over any text ----------------------------------------------------------------

words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=300)


@st.composite
def cue_lists(draw: st.DrawFn) -> tuple[list[Cue], int]:
    rate = draw(st.sampled_from([22050, 24000, 44100]))
    t = draw(st.integers(0, 10 * rate))
    cues = []
    for _ in range(draw(st.integers(0, 6))):
        length = draw(st.integers(0, 30 * rate))
        cues.append(Cue(text=draw(words), speaker=draw(st.sampled_from(["HOST", "READER",
                                                                          "GUEST_1"])),
                        start=t, end=t + length))
        t += length + draw(st.integers(0, rate))
    return cues, rate


def _letters(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=150, deadline=None)
@given(cue_lists())
def test_vtt_and_srt_hold_their_limits_and_keep_every_word(data: tuple[list[Cue], int]) -> None:
    cues, rate = data
    vtt = parse_vtt(to_vtt(cues, rate))
    srt = parse_srt(to_srt(cues, rate))
    spoken = "".join(_letters(c.text) for c in cues)
    assert "".join(_letters("".join(c[3])) for c in vtt) == spoken
    assert "".join(_letters("".join(c[2])) for c in srt) == spoken
    for start, end, _, lines in vtt:
        assert all(len(line) <= 65 for line in lines)
        assert end >= start
    for start, end, lines in srt:
        assert all(len(line) <= 32 for line in lines)
        assert end >= start
    for parsed in (vtt, srt):
        starts = [c[0] for c in parsed]
        assert starts == sorted(starts)
    doc = json.loads(to_transcript_json(cues, rate))
    assert [s["body"] for s in doc["segments"]] == [" ".join(c.text.split()) for c in cues
                                                    if c.text.strip()]


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("abcdefghij   "), min_size=1, max_size=400).filter(str.strip),
       st.integers(1, 40_000))
def test_no_cue_flashes_by_and_speakable_sentences_keep_the_line_limits(text: str,
                                                                        ms: int) -> None:
    cue = Cue(text=text, speaker="HOST", start=44100, end=44100 + ms * 441 // 10)
    seconds = (cue.end - cue.start) / 44100
    for parsed, width in ((parse_srt(to_srt([cue], 44100)), 32),
                          ([(a, b, lines) for a, b, _, lines in parse_vtt(to_vtt([cue], 44100))],
                           65)):
        durations = [end - start for start, end, _ in parsed]
        # Never shorter than a second, unless the whole sentence is.
        assert all(d >= 0.999 for d in durations) or (len(parsed) == 1 and seconds < 1)
        # At up to 30 characters a second (twice the pace of fast speech) every cue also
        # keeps to two lines; faster "speech" gets longer cues rather than flashing ones.
        if len(" ".join(text.split())) <= 30 * seconds:
            assert all(len(lines) <= 2 for _, _, lines in parsed), parsed
        assert all(len(line) <= width for _, _, lines in parsed for line in lines)


def test_the_last_words_of_a_sentence_do_not_get_a_cue_of_their_own() -> None:
    words = "Researchers at three universities released twelve offline voices this week."
    cue = Cue(text=words, speaker="HOST", start=0, end=4 * 44100)
    srt = parse_srt(to_srt([cue], 44100))
    assert len(srt) == 2
    assert all(len(" ".join(lines).split()) >= 4 for _, _, lines in srt)
    assert min(end - start for start, end, _ in srt) >= 1.5


# --- chapters --------------------------------------------------------------------------------

def test_chapters_json_sorted_rounded_and_urls_only_when_present() -> None:
    marks = [ChapterMark("Intro", 0, 66150), ChapterMark("Story", 66150, 100001, "https://e.x/a")]
    published = published_chapters(marks, 44100)
    assert published[1] == PublishedChapter("Story", 1.5, 2.268, "https://e.x/a")
    doc = json.loads(chapters_json(list(reversed(published))))
    assert doc["version"] == "1.2.0"
    assert doc["chapters"] == [
        {"startTime": 0.0, "endTime": 1.5, "title": "Intro"},
        {"startTime": 1.5, "endTime": 2.268, "title": "Story", "url": "https://e.x/a"},
    ]
