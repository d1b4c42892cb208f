"""espeak-ng, an optional engine: real runs where it is installed, clear errors where not."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiodigest.errors import EngineError, FatalEngineError
from audiodigest.models import Pcm, Voice
from audiodigest.speech import UnknownVoiceError
from audiodigest.speech.espeak import EspeakEngine, wav_to_pcm

installed = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                               reason="espeak-ng is not installed (it is optional for users)")
TEXT = "-v is not an option here, it is just text to read aloud."


def voice(name: str = "en-us", **settings: float) -> Voice:
    base = {"pitch": 0, "rate": 1.0, "volume": 1.0} | settings
    return Voice("espeak", name, tuple(sorted(base.items())))


@installed
def test_speaks_audibly_at_22khz() -> None:
    pcm = EspeakEngine().synthesize(TEXT, voice())
    samples = np.frombuffer(pcm.data, "<i2").astype(float)
    assert pcm.sample_rate == 22050
    assert np.sqrt(np.mean(samples**2)) > 500
    assert 0.03 * len(TEXT) < pcm.seconds < 0.15 * len(TEXT)


@installed
def test_rate_changes_duration() -> None:
    engine = EspeakEngine()
    normal = engine.synthesize(TEXT, voice())
    fast = engine.synthesize(TEXT, voice(rate=2.0))
    assert fast.seconds < 0.7 * normal.seconds


@installed
def test_version_voices_and_unknown_voice() -> None:
    engine = EspeakEngine()
    assert "eSpeak NG" in engine.version()
    names = [v.name for v in engine.voices()]
    assert "en-us" in names
    engine.check_voice(voice("en-us+f3"))
    with pytest.raises(UnknownVoiceError, match="unknown espeak voice 'klingon'"):
        engine.check_voice(voice("klingon"))


def test_missing_program_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FatalEngineError) as info:
        EspeakEngine().synthesize("Hello.", voice())
    assert str(info.value) == ('espeak-ng is not installed; install the espeak-ng package '
                               'or use engine = "piper"')


def _wav(data: bytes, rate: int = 22050, bits: int = 16) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, bits)
    # Placeholder sizes, as espeak-ng writes them to a pipe.
    return (b"RIFF" + b"\xff\xff\xff\x7f" + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + b"\xff\xff\xff\x7f" + data)


def test_wav_with_placeholder_sizes_is_read_to_the_end() -> None:
    assert wav_to_pcm(_wav(b"\x01\x00\x02\x00\x03")) == Pcm(b"\x01\x00\x02\x00", 22050)
    with pytest.raises(EngineError, match="not mono 16-bit"):
        wav_to_pcm(_wav(b"\x01\x02", bits=8))


@given(st.binary(max_size=120))
def test_any_bytes_give_pcm_or_engine_error(blob: bytes) -> None:
    for candidate in (blob, b"RIFF\0\0\0\0WAVE" + blob):
        try:
            pcm = wav_to_pcm(candidate)
        except EngineError:
            continue
        assert len(pcm.data) % 2 == 0 and pcm.sample_rate > 0
