"""The engine registry: entry points, unknown names, voice settings, the voice list."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from audiodigest.config import VoiceSettings
from audiodigest.errors import ConfigError, FatalEngineError
from audiodigest.models import Pcm, Voice
from audiodigest.speech import (
    Engine,
    UnknownEngineError,
    engine_names,
    get_engine,
    list_voices,
    register_engine,
    unregister_engine,
    voice_from_settings,
)
from audiodigest.speech.engines import VoiceInfo

TESTS = Path(__file__).parent


def test_the_built_in_engines_come_from_entry_points() -> None:
    assert {"piper", "edge", "espeak"} <= set(engine_names())
    for name in ("piper", "edge", "espeak"):
        engine = get_engine(name)
        assert isinstance(engine, Engine) and engine.name == name
        assert engine.concurrency in ("threads", "async", "serial")
        assert get_engine(name) is engine  # one instance per process


@pytest.mark.parametrize("name", sorted(engine_names()))
def test_every_installed_engine_has_its_own_tests(name: str) -> None:
    """A meta-test: an engine added to the entry points must come with a test module."""
    module = TESTS / f"test_speech_{name}.py"
    assert module.is_file()
    assert f"get_engine(\"{name}\")" in module.read_text() or name.capitalize() in module.read_text()


def test_an_unknown_engine_is_bad_configuration_listing_the_choices() -> None:
    with pytest.raises(UnknownEngineError) as info:
        get_engine("festival")
    err = info.value
    assert isinstance(err, ConfigError) and isinstance(err, FatalEngineError)
    assert err.exit_code == 2
    assert str(err) == "unknown speech engine 'festival'; choose one of: edge, espeak, piper"


def test_registered_engines_join_and_leave() -> None:
    class Mute(Engine):
        name = "mute"

    register_engine("mute", Mute)  # type: ignore[arg-type]
    try:
        assert "mute" in engine_names() and isinstance(get_engine("mute"), Mute)
    finally:
        unregister_engine("mute")
    assert "mute" not in engine_names()


def test_an_object_that_is_not_an_engine_is_refused_naming_what_it_lacks() -> None:
    class Half:  # a plugin that forgot to subclass Engine and to write synthesize
        name = "half"

        def version(self) -> str:
            return "1"

    register_engine("half", Half)  # type: ignore[arg-type]
    try:
        with pytest.raises(FatalEngineError) as info:
            get_engine("half")
    finally:
        unregister_engine("half")
    message = info.value.one_line()
    assert "speech engine 'half' lacks" in message and "synthesize," in message
    assert " version," not in message and "subclasses audiodigest.speech.Engine" in message


def test_an_engine_gets_the_default_of_every_optional_hook() -> None:
    class Least(Engine):
        name = "least"

        def version(self) -> str:
            return "least 1"

        def synthesize(self, text: str, voice: Voice) -> Pcm:
            return Pcm(b"\x01\x00" * len(text), 8000)

    engine = Least()
    voice = Voice("least", "v")
    assert engine.uses_settings == ("rate", "pitch", "volume", "sentence_silence")
    assert (engine.concurrency, engine.max_concurrency) == ("serial", 4)
    assert engine.voice_version(voice) == "least 1" and engine.voice_identity(voice) == "v"
    engine.set_threads(2, spin=True)
    engine.use_store(Path("unused"))
    assert asyncio.run(engine.synthesize_async("abc", voice)) == engine.synthesize("abc", voice)


@pytest.mark.parametrize("engine, expected", [
    ("piper", {"rate": 1.2, "sentence_silence": 0.3, "volume": 0.8}),
    ("edge", {"rate": 1.2, "pitch": -5, "volume": 0.8}),
    ("espeak", {"rate": 1.2, "pitch": -5, "volume": 0.8}),
])
def test_only_the_settings_an_engine_uses_enter_the_voice(engine: str, expected: dict[str, float]) -> None:
    s = VoiceSettings(engine=engine, voice="v", rate=1.2, pitch=-5, volume=0.8, sentence_silence=0.3)
    v = voice_from_settings(s)
    assert v == Voice(engine, "v", tuple(sorted(expected.items())))


def test_voice_settings_with_an_unknown_engine_fail() -> None:
    with pytest.raises(UnknownEngineError, match="choose one of"):
        voice_from_settings(VoiceSettings(engine="nope"))


def test_list_voices_covers_every_engine_and_reports_broken_ones() -> None:
    class Broken(Engine):
        name = "broken"

        def voices(self) -> list[VoiceInfo]:
            raise FatalEngineError("broken is not installed")

    register_engine("broken", Broken)  # type: ignore[arg-type]
    try:
        rows = list_voices()
    finally:
        unregister_engine("broken")
    engines = {name for name, _ in rows}
    assert {"piper", "edge", "broken"} <= engines
    assert ("broken", "broken is not installed") in rows
    piper = [info for name, info in rows if name == "piper"]
    assert isinstance(piper[0], VoiceInfo) and piper[0].name == "en_US-joe-medium"
