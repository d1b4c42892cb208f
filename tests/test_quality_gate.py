"""The quality gate: a silent, cut-short or broken episode is refused and never published."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import numpy as np
import pytest

from audiodigest import config as config_mod
from audiodigest.audio import ffmpeg
from audiodigest.audio.gate import check_episode, check_speech, speaking_pace
from audiodigest.config import AudioSettings
from audiodigest.errors import QualityError
from audiodigest.models import ChapterMark, Cue, EncodedEpisode, Loudness, Pcm, Voice
from audiodigest.paths import ShowPaths
from audiodigest.plan import script_segment_keys
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine
from tests.conftest import make_show, run_cli

SENTENCES = [
    "The new model tops the open leaderboard this week.",
    "Memory prices held steady, and analysts expect a rise next year.",
    "A lab in Zurich cooled a rack of servers with warm water.",
    "Twelve new offline voices were released under an open licence.",
    "The benchmark compared two boards serving a long context model.",
    "Researchers report a lighter training loop that cut compute by almost half.",
]


@pytest.fixture(scope="module")
def spoken() -> list[Pcm]:
    engine = PiperEngine()
    voice = Voice("piper", BUNDLED_VOICE, (("rate", 1.0), ("sentence_silence", 0.0),
                                           ("volume", 1.0)))
    return [engine.synthesize(text, voice) for text in SENTENCES]


def _labels() -> list[str]:
    return [f"chapter 1 'News', sentence {n}" for n in range(1, len(SENTENCES) + 1)]


def _check(pcms: list[Pcm]) -> None:
    check_speech(_labels(), SENTENCES, [p.seconds for p in pcms], iter(pcms))


def test_real_speech_passes_and_its_pace_is_plausible(spoken: list[Pcm]) -> None:
    _check(spoken)
    pace = speaking_pace(SENTENCES, [p.seconds for p in spoken])
    assert 9 < pace < 22  # letters a second of the bundled voice


def test_a_silent_segment_is_refused_by_name(spoken: list[Pcm]) -> None:
    silent = Pcm(bytes(len(spoken[2].data)), spoken[2].sample_rate)
    with pytest.raises(QualityError, match="sentence 3: the voice produced silence"):
        _check([*spoken[:2], silent, *spoken[3:]])


def test_a_segment_cut_short_is_refused(spoken: list[Pcm]) -> None:
    cut = Pcm(spoken[4].data[: len(spoken[4].data) // 5 // 2 * 2], spoken[4].sample_rate)
    with pytest.raises(QualityError, match="sentence 5: only 0.[0-9]+ s of speech for 5[0-9] "
                                           "letters"):
        _check([*spoken[:4], cut, *spoken[5:]])


@pytest.fixture
def episode(tmp_path: Path) -> EncodedEpisode:
    path = tmp_path / "episode.mp3"
    subprocess.run([ffmpeg.find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=f=300:r=44100", "-t", "40", "-ac", "1", "-b:a", "64k", str(path)],
                   check=True)
    rate = 44100
    return EncodedEpisode(
        path=str(path), mime_type="audio/mpeg", size=path.stat().st_size, duration=40.0,
        sample_rate=rate, chapters=(ChapterMark("Intro", 0, 10 * rate),
                                    ChapterMark("Story", 10 * rate, 40 * rate)),
        cues=(Cue("Hello.", "HOST", rate, 2 * rate),),
        loudness=Loudness(integrated_lufs=-16.2, true_peak_dbtp=-1.4))


def test_a_sound_episode_passes(episode: EncodedEpisode) -> None:
    check_episode(episode, 40.0, AudioSettings())


def test_a_damaged_mp3_is_refused(episode: EncodedEpisode) -> None:
    data = bytearray(Path(episode.path).read_bytes())
    rng = np.random.default_rng(7)
    for at in rng.integers(2000, len(data) - 2000, 200):
        data[at] ^= 0xFF
    Path(episode.path).write_bytes(bytes(data))
    with pytest.raises(QualityError, match="does not decode cleanly"):
        check_episode(episode, 40.0, AudioSettings())


def test_a_truncated_or_misplanned_episode_is_refused(episode: EncodedEpisode) -> None:
    with pytest.raises(QualityError, match="lasts 40.00 s but 41.00 s were planned"):
        check_episode(episode, 41.0, AudioSettings())
    check_episode(episode, 40.3, AudioSettings())  # within 1 %


def test_marks_outside_the_audio_and_off_target_levels_are_refused(
        episode: EncodedEpisode) -> None:
    late = dataclasses.replace(episode, chapters=(*episode.chapters,
                                                  ChapterMark("Ghost", 40 * 44100, 45 * 44100)))
    with pytest.raises(QualityError, match="chapter 'Ghost'"):
        check_episode(late, 40.0, AudioSettings())
    cue = dataclasses.replace(episode, cues=(Cue("Too late.", "HOST", 39 * 44100, 42 * 44100),))
    with pytest.raises(QualityError, match="cue 'Too late.'"):
        check_episode(cue, 40.0, AudioSettings())
    quiet = dataclasses.replace(episode, loudness=Loudness(-23.0, -6.0))
    with pytest.raises(QualityError, match="loudness -23.0 LUFS"):
        check_episode(quiet, 40.0, AudioSettings())
    hot = dataclasses.replace(episode, loudness=Loudness(-16.0, 0.2))
    with pytest.raises(QualityError, match="true peak 0.2 dBTP"):
        check_episode(hot, 40.0, AudioSettings())


SECOND = """\
A second day of news
Something else happened on the second day, and it took a few words to say so.
Read more → https://example.com/second
"""


@pytest.mark.slow
def test_a_build_whose_speech_is_silent_publishes_nothing(tmp_path: Path,
                                                          shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root, "--quiet").code == 0
    feed = (root / "public" / "feed.xml").read_bytes()
    config = config_mod.load(root)
    before = script_segment_keys(config)
    (root / "digests" / "2026-11-21.txt").write_text(SECOND, encoding="utf-8")
    assert run_cli("script", root, "--quiet").code == 0
    new = sorted(script_segment_keys(config) - before)
    assert new
    # The engine "returns" silence for one new sentence: the cache holds it under its key.
    cache = SegmentCache(ShowPaths(config).cache)
    cache.put(new[0], Pcm(bytes(2 * 22050 * 3), 22050))
    try:
        failed = run_cli("build", root)
        assert failed.code == 4, failed.err
        last = failed.err.strip().splitlines()[-1]
        assert "the voice produced silence" in last and "sentence" in last
        assert "Traceback" not in failed.err
        assert (root / "public" / "feed.xml").read_bytes() == feed
    finally:
        (cache.path(new[0])).unlink()  # the shared cache must not keep the silence
