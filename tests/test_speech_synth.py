"""Synthesis of many segments: dedup, cache reuse, resume after failure or Ctrl-C, progress."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodigest.errors import EngineError, FatalEngineError, Interrupted, RetryableEngineError
from audiodigest.models import Pcm, Voice
from audiodigest.progress import Progress
from audiodigest.speech import (
    SegmentCache,
    SpeechJob,
    UnknownVoiceError,
    missing_jobs,
    register_engine,
    synthesize_jobs,
    unregister_engine,
)
from audiodigest.speech.engines import Concurrency, Engine, VoiceInfo
from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine


class ScriptedEngine(Engine):
    """A test engine: 0.01 s of a constant per character; fails as told on the Nth call."""

    name = "scripted"
    uses_settings = ("rate",)

    def __init__(self, concurrency: Concurrency = "serial") -> None:
        self.concurrency = concurrency
        self.calls: list[str] = []
        self.fail_on: dict[int, BaseException] = {}  # call number (1-based) -> exception
        self.lock = threading.Lock()

    def version(self) -> str:
        return "scripted 1"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("plain", "en")]

    def check_voice(self, voice: Voice) -> None:
        if voice.voice != "plain":
            raise UnknownVoiceError(f"unknown scripted voice {voice.voice!r}; choices include: plain")

    def sample_rate(self, voice: Voice) -> int:
        return 8000

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        with self.lock:
            self.calls.append(text)
            exc = self.fail_on.get(len(self.calls))
        if exc is not None:
            raise exc
        return Pcm(b"\x10\x00" * 80 * len(text), 8000)


VOICE = Voice("scripted", "plain", (("rate", 1.0),))


@pytest.fixture
def engine() -> Iterator[ScriptedEngine]:
    eng = ScriptedEngine()
    register_engine("scripted", lambda: eng)
    yield eng
    unregister_engine("scripted")


def jobs_for(*texts: str) -> list[SpeechJob]:
    return [SpeechJob(t, VOICE, f"chapter 1 'Intro', sentence {i + 1}: {t!r}") for i, t in enumerate(texts)]


TEXTS = ("One.", "Two two.", "Three three three.", "Four.", "Five five.")


def test_results_align_with_jobs_and_duplicates_are_made_once(engine: ScriptedEngine,
                                                               tmp_path: Path) -> None:
    jobs = jobs_for("Hello.", "Again.", "Hello.", "Hello.")
    report = synthesize_jobs(jobs, SegmentCache(tmp_path))
    assert engine.calls == ["Hello.", "Again."]
    assert (report.synthesized, report.reused) == (2, 0)
    assert [p.frames for p in report.pcms] == [80 * len(j.text) for j in jobs]
    assert report.audio_seconds == pytest.approx(sum(len(j.text) for j in jobs) * 0.01)
    assert report.wall_seconds >= 0


def test_a_second_run_is_all_cache(engine: ScriptedEngine, tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    first = synthesize_jobs(jobs_for(*TEXTS), cache)
    engine.calls.clear()
    again = synthesize_jobs(jobs_for(*TEXTS), cache)
    assert engine.calls == []
    assert (again.synthesized, again.reused) == (0, 5)
    assert again.pcms == first.pcms


@pytest.mark.parametrize(("concurrency", "workers"), [
    ("serial", 1), ("threads", 1), ("threads", 2), ("async", 1)])
def test_every_mode_runs_an_engine_on_the_hooks_it_declares(
        tmp_path: Path, concurrency: Concurrency, workers: int) -> None:
    class Told(ScriptedEngine):
        told: list[tuple[int, bool]] = []

        def set_threads(self, threads: int, *, spin: bool) -> None:
            self.told.append((threads, spin))

    eng = Told(concurrency)  # speaks async through the default synthesize_async
    register_engine("scripted", lambda: eng)
    try:
        report = synthesize_jobs(jobs_for(*TEXTS), SegmentCache(tmp_path), workers=workers)
    finally:
        unregister_engine("scripted")
    assert report.synthesized == 5 and sorted(eng.calls) == sorted(TEXTS)
    cores = os.cpu_count() or 1
    # Threads mode says how many cores each run gets and lets a run alone spin.
    expected = [(max(1, cores // workers), workers == 1)] if concurrency == "threads" else []
    assert eng.told == expected


@pytest.mark.parametrize("concurrency", ["serial", "threads"])
def test_resume_after_a_failure_half_way(tmp_path: Path, concurrency: str) -> None:
    eng = ScriptedEngine(concurrency)
    eng.fail_on[3] = FatalEngineError("the model crashed")
    register_engine("scripted", lambda: eng)
    try:
        cache = SegmentCache(tmp_path)
        jobs = jobs_for(*TEXTS)
        with pytest.raises(FatalEngineError) as info:
            synthesize_jobs(jobs, cache, workers=2)
        failed = eng.calls[2]
        label = next(j.label for j in jobs if j.text == failed)
        assert str(info.value) == f"{label}: the model crashed"
        made = 5 - len(missing_jobs(jobs, cache))
        # Serially the two before it were kept; with threads, whatever else finished too.
        assert made == 2 if concurrency == "serial" else made >= 2
        eng.fail_on.clear()
        report = synthesize_jobs(jobs, cache, workers=2)
        assert (report.synthesized, report.reused) == (5 - made, made)
    finally:
        unregister_engine("scripted")


@pytest.mark.parametrize("concurrency", ["serial", "threads"])
def test_ctrl_c_keeps_finished_segments(tmp_path: Path, concurrency: str) -> None:
    eng = ScriptedEngine(concurrency)
    eng.fail_on[3] = KeyboardInterrupt()
    register_engine("scripted", lambda: eng)
    try:
        cache = SegmentCache(tmp_path)
        with pytest.raises(Interrupted, match="kept in the cache"):
            synthesize_jobs(jobs_for(*TEXTS), cache, workers=2)
        made = 5 - len(missing_jobs(jobs_for(*TEXTS), cache))
        assert made == 2 if concurrency == "serial" else made >= 2
        eng.fail_on.clear()
        report = synthesize_jobs(jobs_for(*TEXTS), cache)
        assert (report.synthesized, report.reused) == (5 - made, made)
    finally:
        unregister_engine("scripted")


def test_retryable_errors_are_retried_then_reported(engine: ScriptedEngine, tmp_path: Path) -> None:
    engine.fail_on[2] = RetryableEngineError("busy")
    report = synthesize_jobs(jobs_for("A.", "B."), SegmentCache(tmp_path))
    assert engine.calls == ["A.", "B.", "B."] and report.synthesized == 2
    engine.calls.clear()
    engine.fail_on = {n: RetryableEngineError("busy") for n in range(1, 10)}
    with pytest.raises(EngineError, match=r"sentence 1: 'C\.': busy"):
        synthesize_jobs(jobs_for("C."), SegmentCache(tmp_path))
    assert len(engine.calls) == 3


def test_an_unexpected_exception_becomes_an_engine_error(engine: ScriptedEngine, tmp_path: Path) -> None:
    engine.fail_on[1] = ZeroDivisionError("oops")
    with pytest.raises(EngineError, match=r"sentence 1: 'A\.': scripted failed: ZeroDivisionError"):
        synthesize_jobs(jobs_for("A."), SegmentCache(tmp_path))


def test_a_bad_voice_fails_before_any_work(engine: ScriptedEngine, tmp_path: Path) -> None:
    jobs = [*jobs_for("A."), SpeechJob("B.", Voice("scripted", "nobody"), "x")]
    with pytest.raises(UnknownVoiceError, match="nobody"):
        synthesize_jobs(jobs, SegmentCache(tmp_path))
    assert engine.calls == []


def test_progress_is_reported_per_segment(engine: ScriptedEngine, tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    synthesize_jobs(jobs_for("Cached."), cache)
    out = io.StringIO()
    with Progress(0, "synthesis", stream=out) as progress:
        synthesize_jobs(jobs_for("Cached.", *TEXTS), cache, progress=progress)
    assert progress.total == 5 and progress.done == 5
    assert out.getvalue().splitlines()[-1] == "synthesis: 5/5 segments (100%)"


# --- with the real Piper voice ---------------------------------------------------------------

PIPER = Voice("piper", BUNDLED_VOICE, (("rate", 1.0), ("sentence_silence", 0.0), ("volume", 1.0)))
STORY = ["Good morning.", "Here is the news.", "A new model shipped.", "That is all for today."]


@pytest.fixture
def fresh_piper() -> Iterator[PiperEngine]:
    """A piper engine with nothing loaded, standing in for the registered one."""
    eng = PiperEngine()
    register_engine("piper", lambda: eng)
    yield eng
    unregister_engine("piper")


def test_one_sentence_change_makes_exactly_one_segment(fresh_piper: PiperEngine, tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    jobs = [SpeechJob(t, PIPER, f"sentence {i}") for i, t in enumerate(STORY)]
    first = synthesize_jobs(jobs, cache, workers=2)
    assert (first.synthesized, first.reused) == (4, 0)
    assert all(p.sample_rate == 22050 and p.seconds > 0.4 for p in first.pcms)
    edited = [*jobs[:2], SpeechJob("A new model shipped today.", PIPER, "sentence 2"), jobs[3]]
    assert missing_jobs(edited, cache) == [edited[2]]
    second = synthesize_jobs(edited, cache, workers=2)
    assert (second.synthesized, second.reused) == (1, 3)
    assert second.pcms[0] == first.pcms[0] and second.pcms[3] == first.pcms[3]


def test_cache_hits_load_no_model(fresh_piper: PiperEngine, tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    jobs = [SpeechJob(t, PIPER, "x") for t in STORY[:2]]
    synthesize_jobs(jobs, cache)
    unregister_engine("piper")
    idle = PiperEngine()
    register_engine("piper", lambda: idle)
    assert missing_jobs(jobs, cache) == []
    report = synthesize_jobs(jobs, cache)
    assert report.reused == 2 and idle._voices == {}


RUNNER = """
import sys
from pathlib import Path
from audiodigest.errors import Interrupted
from audiodigest.models import Voice
from audiodigest.speech import SegmentCache, SpeechJob, synthesize_jobs
voice = Voice("piper", "en_US-joe-medium", (("rate", 1.0), ("sentence_silence", 0.0), ("volume", 1.0)))
jobs = [SpeechJob(f"This is test sentence number {i}, spoken slowly and clearly.", voice, f"s{i}")
        for i in range(60)]
try:
    r = synthesize_jobs(jobs, SegmentCache(Path(sys.argv[1])), workers=2)
except Interrupted as exc:
    print(exc.one_line(), file=sys.stderr)
    raise SystemExit(exc.exit_code)
print("finished", r.synthesized)
"""


def test_sigint_half_way_stops_cleanly_and_keeps_the_work(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(RUNNER), str(cache_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while len(list(cache_dir.glob("*/*.pcm"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert err.strip().startswith("interrupted;") and "run again to continue" in err
    cache = SegmentCache(cache_dir)
    entries = [p.stem for p in cache_dir.glob("*/*.pcm")]
    assert 3 <= len(entries) < 60
    assert all(cache.get(k) is not None for k in entries)  # every kept entry is intact
    assert list(cache_dir.glob("*/.*")) == []  # no temp files left
