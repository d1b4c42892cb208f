"""edge-tts through its real client code against a local fake of the online service."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import edge_tts.communicate
import numpy as np
import pytest

from audiodigest.errors import EngineError, FatalEngineError, UserError
from audiodigest.models import Voice
from audiodigest.speech import (
    SegmentCache,
    SpeechJob,
    register_engine,
    synthesize_jobs,
    unregister_engine,
)
from audiodigest.speech.edge import EdgeEngine, decode_mp3
from tests.fake_edge import WORDS, FakeEdge, make_mp3

VOICE = Voice("edge", "en-US-AriaNeural", (("pitch", 0), ("rate", 1.1), ("volume", 1.0)))
TONE_SECONDS = 1.0


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_mp3(tmp_path_factory.mktemp("edge") / "tone.mp3", TONE_SECONDS)


@pytest.fixture
def fake(mp3: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdge]:
    server = FakeEdge(mp3).start()
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", server.url)
    yield server
    server.stop()


def fast_engine(**kw: object) -> EdgeEngine:
    """An engine with millisecond backoff so retry tests stay fast."""
    return EdgeEngine(base_delay=0.005, max_delay=0.02, connect_timeout=5, receive_timeout=5,
                      **kw)  # type: ignore[arg-type]


def speak(engine: EdgeEngine, text: str = "Hello from the fake service.", voice: Voice = VOICE):
    return asyncio.run(engine.synthesize_detailed(text, voice))


def test_success_decodes_the_whole_stream(fake: FakeEdge) -> None:
    result = speak(fast_engine())
    assert result.pcm.sample_rate == 24000
    # MP3 decoders add up to a frame of delay/padding (1152 samples = 48 ms).
    assert abs(result.pcm.seconds - TONE_SECONDS) < 0.1
    samples = np.frombuffer(result.pcm.data, "<i2").astype(float)
    assert np.sqrt(np.mean(samples**2)) > 1000  # the tone, not silence
    assert fake.connections == 1


def test_word_boundaries_and_settings_reach_the_service(fake: FakeEdge) -> None:
    result = speak(fast_engine(), "Hello & welcome <back>")
    assert [b.text for b in result.boundaries] == list(WORDS)
    assert result.boundaries[0].offset == pytest.approx(0.1)
    assert all(b.kind == "WordBoundary" for b in result.boundaries)
    ssml = fake.requests[0]
    assert "rate='+10%'" in ssml and "pitch='+0Hz'" in ssml and "volume='+0%'" in ssml
    assert "en-US, AriaNeural" in ssml
    assert "Hello &amp; welcome &lt;back&gt;" in ssml  # text is escaped into the SSML


@pytest.mark.parametrize("script, connections", [
    (["403", "403"], 3),  # edge-tts retries a 403 once itself; the engine retries the rest
    (["429"], 2),
    (["503", "503"], 3),
    (["noaudio"], 2),
    (["drop"], 2),  # a clean close half-way must not pass as a short segment
    (["abort"], 2),
])
def test_transient_failures_are_retried(fake: FakeEdge, script: list[str], connections: int) -> None:
    fake.script = list(script)
    result = speak(fast_engine())
    assert abs(result.pcm.seconds - TONE_SECONDS) < 0.1
    assert fake.connections == connections


def test_a_connection_that_keeps_dropping_is_a_clear_error(fake: FakeEdge) -> None:
    fake.script = ["drop"] * 10
    with pytest.raises(EngineError) as info:
        speak(fast_engine(attempts=3))
    assert "dropped mid-stream" in str(info.value)
    assert "\n" not in str(info.value)
    assert fake.connections == 3


def test_a_refusal_that_retrying_cannot_fix_is_not_retried(fake: FakeEdge) -> None:
    fake.script = ["404"]
    with pytest.raises(FatalEngineError, match="HTTP 404"):
        speak(fast_engine())
    assert fake.connections == 1


def test_no_service_at_all_suggests_piper(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", f"ws://127.0.0.1:{port}/x?TrustedClientToken=x")
    engine = EdgeEngine(attempts=6, unreachable_attempts=2, base_delay=0.2)
    started = time.monotonic()
    with pytest.raises(FatalEngineError) as info:
        speak(engine)
    assert time.monotonic() - started < 1.0  # gave up after 2 tries, one short backoff
    msg = str(info.value)
    assert "cannot be reached" in msg and 'engine = "piper"' in msg
    assert "\n" not in msg


def test_bad_voice_names_fail_before_connecting(fake: FakeEdge) -> None:
    with pytest.raises(UserError, match="en-US-AriaNeural"):
        speak(fast_engine(), voice=Voice("edge", "Aria"))
    assert fake.connections == 0
    fast_engine().check_voice(Voice("edge", "en-IE-EmilyNeural"))  # any neural voice name


def test_voices_are_listed_without_the_network() -> None:
    names = [v.name for v in EdgeEngine().voices()]
    assert {"en-US-AriaNeural", "en-US-GuyNeural", "en-GB-SoniaNeural"} <= set(names)


def test_decode_rejects_garbage() -> None:
    with pytest.raises(EngineError):
        decode_mp3(b"this is not an mp3 stream at all" * 10)


def test_synthesis_runs_segments_concurrently_but_bounded(fake: FakeEdge, tmp_path: Path) -> None:
    fake.delay = 0.1
    register_engine("edge", lambda: fast_engine(max_concurrency=3))
    try:
        jobs = [SpeechJob(f"Sentence number {i}.", VOICE, f"sentence {i}") for i in range(8)]
        cache = SegmentCache(tmp_path)
        report = synthesize_jobs(jobs, cache)
        assert report.synthesized == 8 and report.reused == 0
        assert 2 <= fake.max_active <= 3
        assert all(abs(p.seconds - TONE_SECONDS) < 0.1 for p in report.pcms)
        again = synthesize_jobs(jobs, cache)
        assert (again.synthesized, again.reused) == (0, 8)
        assert fake.connections == 8
    finally:
        unregister_engine("edge")


def test_synthesis_names_the_failing_segment(fake: FakeEdge, tmp_path: Path) -> None:
    fake.script = ["ok", "404"]
    register_engine("edge", lambda: fast_engine(max_concurrency=1))
    try:
        jobs = [SpeechJob("One.", VOICE, "chapter 1 'Intro', sentence 1: 'One.'"),
                SpeechJob("Two.", VOICE, "chapter 1 'Intro', sentence 2: 'Two.'")]
        with pytest.raises(FatalEngineError) as info:
            synthesize_jobs(jobs, SegmentCache(tmp_path))
        assert str(info.value).startswith("chapter 1 'Intro', sentence 2: 'Two.'")
        assert len(list(tmp_path.glob("*/*.pcm"))) == 1  # the first segment was kept
    finally:
        unregister_engine("edge")
