"""Assembly: exact sample layout (data-driven), resampling, click-free joins, music and ducking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audiodigest.audio import ffmpeg
from audiodigest.audio.assemble import rate_ratio, resample, resampled_length
from audiodigest.audio.master import level_gain, measure
from audiodigest.audio.music import looped
from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.errors import ConfigError
from audiodigest.models import Pause, Pcm, Sentence, SpokenChapter
from tests.audio_support import assemble

REPO = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((REPO / "tests" / "data" / "audio_layout").glob("*.json"))
MUSIC = REPO / "episodes" / "music"


def tone(frames: int, rate: int, freq: float = 440.0, level: float = 0.9) -> Pcm:
    """A full-scale-ish sine: its edges would click without fades."""
    t = np.arange(frames) / rate
    data = np.round(level * 32767 * np.sin(2 * np.pi * freq * t + 0.7)).astype("<i2")
    return Pcm(data.tobytes(), rate)


def silence(frames: int, rate: int) -> Pcm:
    return Pcm(bytes(2 * frames), rate)


def build(case: dict[str, Any], make=tone) -> tuple[list[SpokenChapter], list[Pcm]]:
    chapters, pcms = [], []
    n = 0
    for ch in case["chapters"]:
        items: list[Sentence | Pause] = []
        for item in ch["items"]:
            if "pause" in item:
                items.append(Pause(item["pause"]))
            else:
                n += 1
                items.append(Sentence(f"Sentence {n}.", f"sentence {n}", "HOST", item["paragraph"]))
                pcms.append(make(item["frames"], item["rate"]))
        chapters.append(SpokenChapter(ch["title"], tuple(items), url=ch.get("url")))
    return chapters, pcms


@pytest.mark.parametrize("path", LAYOUTS, ids=[p.stem for p in LAYOUTS])
def test_layout_matches_expected_positions(path: Path) -> None:
    case = json.loads(path.read_text())
    chapters, pcms = build(case)
    m = assemble(chapters, pcms, AudioSettings(**case["settings"]), level=False)
    want = case["expect"]
    assert m.sample_rate == want["rate"]
    assert m.samples.shape[0] == want["total"]
    assert [[c.start, c.end] for c in m.chapters] == want["chapters"]
    assert [[c.start, c.end] for c in m.cues] == want["cues"]
    assert [c.title for c in m.chapters] == [c["title"] for c in case["chapters"]]
    assert [c.text for c in m.cues] == [f"Sentence {i + 1}." for i in range(len(pcms))]
    # Audio only inside cues; exact digital silence in every gap and pause.
    inside = np.zeros(m.samples.shape[0], dtype=bool)
    for cue in m.cues:
        inside[cue.start:cue.end] = True
        seg = m.samples[cue.start:cue.end]
        assert np.max(np.abs(seg)) > 0.5
    assert not np.any(m.samples[~inside])


def test_joins_are_click_free() -> None:
    chapters, pcms = build(json.loads((LAYOUTS[0]).read_text()))
    m = assemble(chapters, pcms, AudioSettings(sentence_gap=0.2, fade_ms=6.0, sample_rate=22050))
    for cue in m.cues:
        seg = m.samples[cue.start:cue.end]
        assert abs(seg[0]) < 0.01 and abs(seg[-1]) < 0.01
        # Largest step between neighbouring samples stays that of the tone itself (no jump).
        assert np.max(np.abs(np.diff(m.samples[max(0, cue.start - 1):cue.end + 1]))) < 0.15


def test_fades_can_be_turned_off() -> None:
    chapters, pcms = build(json.loads((LAYOUTS[0]).read_text()))
    m = assemble(chapters, pcms, AudioSettings(fade_ms=0.0, sample_rate=22050), level=False)
    assert abs(m.samples[m.cues[0].start]) > 0.5  # the tone starts at 0.7 rad: 0.58 of full scale


@pytest.mark.parametrize("src", [22050, 24000])
def test_resampling_to_44100_keeps_pitch_and_length(src: int) -> None:
    up, down = rate_ratio(src, 44100)
    assert src * up == 44100 * down
    frames = src  # one second
    x = np.frombuffer(tone(frames, src, freq=1000.0).data, "<i2").astype(np.float32) / 32768
    y = resample(x, src, 44100)
    assert y.dtype == np.float32
    assert y.shape[0] == resampled_length(frames, src, 44100) == 44100
    spectrum = np.abs(np.fft.rfft(y[2000:-2000] * np.hanning(y.shape[0] - 4000)))
    peak_hz = np.argmax(spectrum) * 44100 / (y.shape[0] - 4000)
    assert abs(peak_hz - 1000.0) < 2.0
    assert abs(np.max(np.abs(y[2000:-2000])) - 0.9) < 0.01  # level kept


def test_pcm_count_must_match_sentences() -> None:
    chapters, pcms = build(json.loads((LAYOUTS[0]).read_text()))
    with pytest.raises(ValueError, match="3 audio segments for 4 sentences"):
        assemble(chapters, pcms[:3], AudioSettings())


# --- music -------------------------------------------------------------------------------------

def _two_chapters(make=silence) -> tuple[list[SpokenChapter], list[Pcm]]:
    """Intro with two paragraphs 2 s apart, then a second chapter: long enough to see the bed."""
    rate = 22050
    intro = SpokenChapter("Intro", (Sentence("a", "a", "HOST", 0), Pause(2.0),
                                    Sentence("b", "b", "HOST", 1)))
    story = SpokenChapter("Story", (Sentence("c", "c", "HOST", 0),))
    return [intro, story], [make(3 * rate, rate), make(3 * rate, rate), make(3 * rate, rate)]


def _rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x.astype(np.float64))) + 1e-20)


def test_jingles_and_bed_under_intro_with_ducking() -> None:
    # Silent "speech" leaves only the music in the master, so its levels can be measured.
    chapters, pcms = _two_chapters()
    music = MusicSettings(intro=Path("jingle.wav"), outro=Path("jingle.wav"), bed=Path("bed.wav"),
                          bed_under="intro", bed_volume=-20.0, duck=-12.0, fade=0.5)
    settings = AudioSettings(sample_rate=22050)
    m = assemble(chapters, pcms, settings, music, MUSIC, level=False)
    rate = m.sample_rate
    jingle_len = 4 * rate
    a, b, c = m.cues
    # The intro jingle opens chapter 0 and pushes the speech back by its length plus a gap.
    assert m.chapters[0].start == 0
    assert a.start == jingle_len + round(settings.paragraph_gap * rate)
    assert _rms_db(m.samples[: 2 * rate]) > -25
    # Jingles are brought to the speech's target loudness (the fades cost a little).
    assert abs(measure(m.samples[:jingle_len], rate).integrated_lufs - settings.loudness) < 1.0
    # The bed plays during the 2 s pause at bed_volume, and under speech ducked by `duck`:
    # divide the master by the looped bed (it starts right after the jingle) to get the gain.
    # The bed file is first brought to the speech's target loudness, like the jingles.
    region_start = jingle_len
    raw = ffmpeg.decode(MUSIC / "bed.wav", rate)
    levelled = raw * np.float32(10 ** (level_gain(raw, rate, settings.loudness) / 20))
    bed = looped(levelled, c.start - region_start, rate)
    seen = m.samples[region_start:c.start]
    ok = np.abs(bed) > 0.05
    gain_db = np.full(bed.shape[0], np.nan)
    gain_db[ok] = 20 * np.log10(np.abs(seen[ok] / bed[ok]))
    mid_pause = gain_db[a.end - region_start + rate - rate // 4: a.end - region_start + rate]
    under_speech = gain_db[b.start - region_start + rate: b.start - region_start + 2 * rate]
    assert np.nanmax(np.abs(mid_pause - (-20.0))) < 0.1
    assert np.nanmax(np.abs(under_speech - (-32.0))) < 0.1
    # Smooth ramps: the gain never jumps (under 0.2 dB between neighbouring samples).
    steps = np.abs(np.diff(gain_db[a.end - region_start: b.start - region_start]))
    assert np.nanmax(steps) < 0.2
    # No bed in the second chapter (bed_under = intro), until the outro jingle.
    assert not np.any(m.samples[c.start:c.end])
    outro = m.samples[c.end:]
    assert outro.shape[0] == round(settings.chapter_gap * rate) + jingle_len
    assert _rms_db(outro[-jingle_len:][: 2 * rate]) > -25
    assert m.chapters[-1].end == m.samples.shape[0]


def test_bed_between_chapters_only() -> None:
    chapters, pcms = _two_chapters()
    music = MusicSettings(bed=Path("bed.wav"), bed_under="chapters", fade=0.5)
    m = assemble(chapters, pcms, AudioSettings(sample_rate=22050), music, MUSIC)
    a, b, c = m.cues
    rate = m.sample_rate
    assert not np.any(m.samples[: b.end - rate])  # not under the intro
    gap = m.samples[b.end:c.start]
    assert _rms_db(gap) > -50  # in the chapter gap
    assert not np.any(m.samples[c.start + rate:])  # faded out early in the next chapter


def test_no_music_means_exact_silence_between_words() -> None:
    chapters, pcms = _two_chapters()
    m = assemble(chapters, pcms, AudioSettings(sample_rate=22050), MusicSettings(), MUSIC)
    assert not np.any(m.samples)


def test_missing_music_file_names_setting_and_path(tmp_path: Path) -> None:
    chapters, pcms = _two_chapters()
    music = MusicSettings(outro=Path("nope.mp3"))
    with pytest.raises(ConfigError) as info:
        assemble(chapters, pcms, AudioSettings(), music, tmp_path)
    msg = info.value.one_line()
    assert "music.outro" in msg and str(tmp_path / "nope.mp3") in msg and "\n" not in msg


def test_unreadable_music_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "bed.wav").write_text("this is not audio")
    chapters, pcms = _two_chapters()
    with pytest.raises(ConfigError, match=r"'music.bed' is not a readable audio file"):
        assemble(chapters, pcms, AudioSettings(), MusicSettings(bed=Path("bed.wav")), tmp_path)


def test_sample_music_is_small_mono_and_loops() -> None:
    import wave

    for name, (low, high) in {"jingle.wav": (3.0, 5.0), "bed.wav": (10.0, 20.0)}.items():
        path = MUSIC / name
        assert path.stat().st_size < 1_000_000
        with wave.open(str(path)) as wav:
            assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
            assert wav.getframerate() in (22050, 44100)
            assert low <= wav.getnframes() / wav.getframerate() <= high
            data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(float) / 32768
        if name == "bed.wav":
            # The end flows into the start: the step across the loop point is like any other.
            assert abs(data[-1] - data[0]) < 3 * np.max(np.abs(np.diff(data)))
