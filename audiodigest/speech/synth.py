"""Turn speech jobs into PCM: from the segment cache where possible, else from the engines.

Every finished segment is stored in the cache the moment it is done, so a failure or Ctrl-C
half-way through loses nothing already made, and the next run resumes from there.

Piper misses run on worker threads sharing one loaded voice (the cores split between the
threads' ONNX runs); edge misses run concurrently in one event loop behind a semaphore; other
engines run one after another in this process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from audiodigest.errors import AudioDigestError, EngineError, Interrupted, RetryableEngineError
from audiodigest.models import Pcm, Voice
from audiodigest.progress import Progress
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.engines import Engine, get_engine

log = logging.getLogger(__name__)

#: Tries per segment for engines whose failures are marked retryable (edge retries inside).
ATTEMPTS = 3


@dataclass(frozen=True)
class SpeechJob:
    """One segment to speak. ``label`` names it in errors, e.g.
    ``chapter 3 'Qwen3 tops...', sentence 2: 'The model ...'``."""

    text: str  # the spoken (normalised) text
    voice: Voice
    label: str = ""


@dataclass(frozen=True)
class SynthesisReport:
    """``pcms`` is aligned with the jobs. ``synthesized`` and ``reused`` count distinct
    segments (identical jobs share one), made by an engine or taken from the cache."""

    pcms: tuple[Pcm, ...]
    synthesized: int
    reused: int
    audio_seconds: float
    wall_seconds: float


def job_keys(jobs: Sequence[SpeechJob]) -> list[str]:
    """The cache key of each job. Looks up engine versions (cheap) but loads no model."""
    known: dict[Voice, tuple[str, str]] = {}  # voice -> (version, name in keys)
    keys = []
    for job in jobs:
        if job.voice not in known:
            engine = get_engine(job.voice.engine)
            known[job.voice] = (engine.voice_version(job.voice), engine.voice_identity(job.voice))
        version, name = known[job.voice]
        keys.append(SegmentCache.key(job.voice, version, job.text, name))
    return keys


def missing_jobs(jobs: Sequence[SpeechJob], cache: SegmentCache,
                 keys: Sequence[str] | None = None) -> list[SpeechJob]:
    """The distinct jobs the cache has no entry for (first of each identical group), in order.

    ``keys`` are the jobs' :func:`job_keys` when the caller has them. Checks only that entries
    exist; a damaged one is found and redone by the real run.
    """
    seen: set[str] = set()
    out = []
    for job, key in zip(jobs, job_keys(jobs) if keys is None else keys, strict=True):
        if key not in seen:
            seen.add(key)
            if key not in cache:
                out.append(job)
    return out


def _labelled(exc: BaseException, job: SpeechJob) -> AudioDigestError:
    """The error for a failed job, its message prefixed with the job's label."""
    label = job.label or repr(job.text[:40])
    if isinstance(exc, AudioDigestError):
        if exc.message.startswith(label):
            return exc
        try:
            new = type(exc)(f"{label}: {exc.message}", path=exc.path, line=exc.line)
        except TypeError:  # a subclass with another constructor
            new = EngineError(f"{label}: {exc.message}")
        new.__cause__ = exc
        return new
    msg = f"{job.voice.engine} failed: {type(exc).__name__}: {exc}"
    err = EngineError(f"{label}: {msg}")
    err.__cause__ = exc
    return err


def speak(engine: Engine, job: SpeechJob) -> Pcm:
    """One job spoken by ``engine``, tried up to ATTEMPTS times while its failures are
    retryable; raises the error labelled with the job."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return engine.synthesize(job.text, job.voice)
        except RetryableEngineError as exc:
            if attempt == ATTEMPTS:
                raise _labelled(exc, job) from exc
            log.info("%s: %s; trying again", job.label, exc.message)
        except Exception as exc:
            raise _labelled(exc, job) from exc
    raise AssertionError("unreachable")


# --- the runner ------------------------------------------------------------------------------


class _Run:
    def __init__(self, jobs: Sequence[SpeechJob], cache: SegmentCache, workers: int,
                 progress: Progress | None) -> None:
        self.jobs = jobs
        self.cache = cache
        # 0 = automatic: one synthesis at a time, its ONNX session using every core. Two
        # concurrent runs of a shared session were no faster on 2 cores (an hour of speech in
        # about the same wall time) but held twice the activation memory (1.06 GB against
        # 0.51 GB peak for a 20-minute episode), so parallel runs are opt-in (``jobs`` > 1).
        self.workers = workers if workers > 0 else 1
        self.progress = progress
        self.results: dict[str, Pcm] = {}
        self.seconds: dict[str, float] = {}
        self.keep_audio = True
        self.synthesized = 0

    def done(self, key: str, pcm: Pcm) -> None:
        """Keep a finished segment: in the cache at once, then in the results."""
        self.cache.put(key, pcm)
        self.seconds[key] = pcm.seconds
        if self.keep_audio:
            self.results[key] = pcm
        self.synthesized += 1
        if self.progress is not None:
            self.progress.advance()

    def serial(self, engine: Engine, misses: list[tuple[str, SpeechJob]]) -> None:
        for key, job in misses:
            self.done(key, speak(engine, job))

    def pooled(self, engine: Engine, misses: list[tuple[str, SpeechJob]]) -> None:
        """Misses on ``workers`` threads sharing the engine; each ONNX session gets
        cores/workers threads. (Threads rather than processes: onnxruntime releases the GIL
        while it runs, and on 2 cores they were as fast as worker processes, without their
        start-up, per-process model copy and pickling.)"""
        n = min(self.workers, len(misses))
        # One run alone on every core: letting its idle threads spin between operators is
        # about 10 % faster (6.6-6.9 s against 7.4-7.5 s for the sample show). Runs side by
        # side must not spin: each would burn the cores the other needs.
        engine.set_threads(max(1, (os.cpu_count() or 1) // n), spin=n <= 1)
        if n <= 1:
            self.serial(engine, misses)
            return
        pool = cf.ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"speech-{engine.name}")
        futures: dict[cf.Future[Pcm], tuple[str, SpeechJob, int]] = {}

        def submit(key: str, job: SpeechJob, attempt: int) -> None:
            futures[pool.submit(engine.synthesize, job.text, job.voice)] = (key, job, attempt)

        try:
            for key, job in misses:
                submit(key, job, 1)
            while futures:
                finished, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    key, job, attempt = futures.pop(fut)
                    try:
                        pcm = fut.result()
                    except RetryableEngineError as exc:
                        if attempt >= ATTEMPTS:
                            raise _labelled(exc, job) from exc
                        submit(key, job, attempt + 1)
                        continue
                    except Exception as exc:
                        raise _labelled(exc, job) from exc
                    self.done(key, pcm)
        except BaseException:
            # Keep what the other threads finish: the next run need not make it again.
            for fut in futures:
                fut.cancel()
            self._keep_running(futures)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _keep_running(self, futures: dict[cf.Future[Pcm], tuple[str, SpeechJob, int]]) -> None:
        """After Ctrl-C or a failure: wait for segments already being made and keep them."""
        for fut, (key, _job, _attempt) in futures.items():
            if fut.cancelled():
                continue
            try:
                self.done(key, fut.result(timeout=30))
            except Exception:  # interrupted anyway; a failure here only loses that segment
                continue

    def concurrent(self, engine: Engine, misses: list[tuple[str, SpeechJob]]) -> None:
        asyncio.run(self._async(engine, misses))

    async def _async(self, engine: Engine, misses: list[tuple[str, SpeechJob]]) -> None:
        limit = asyncio.Semaphore(max(1, int(engine.max_concurrency)))
        speak = engine.synthesize_async

        async def one(key: str, job: SpeechJob) -> None:
            async with limit:
                try:
                    pcm = await speak(job.text, job.voice)
                except AudioDigestError as exc:
                    raise _labelled(exc, job) from exc
                except Exception as exc:
                    raise _labelled(exc, job) from exc
            self.done(key, pcm)

        tasks = [asyncio.create_task(one(key, job)) for key, job in misses]
        try:
            for fut in asyncio.as_completed(tasks):
                await fut
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def synthesize_jobs(jobs: Sequence[SpeechJob], cache: SegmentCache, *, workers: int = 0,
                    progress: Progress | None = None, keep_audio: bool = True,
                    keys: Sequence[str] | None = None) -> SynthesisReport:
    """Speak every job, reusing cached segments; identical jobs are synthesised once.

    With ``keep_audio=False`` the report's ``pcms`` is empty (read the segments back from the
    cache): a long episode's speech is then never all in memory at once.
    ``workers`` is the number of parallel piper runs (0: automatic, one run on all cores). ``progress``,
    if given, gets its total set to the number of segments to make and one advance per segment.
    Raises EngineError (or a subclass) naming the failing job's label, or Interrupted on Ctrl-C;
    either way, every segment finished before is already in the cache. ``keys`` are the jobs'
    :func:`job_keys` when the caller has them.
    """
    start = time.monotonic()
    keys = job_keys(jobs) if keys is None else list(keys)
    try:
        return _synthesize(jobs, keys, cache, workers, progress, start, keep_audio)
    except KeyboardInterrupt:
        raise Interrupted("interrupted; finished segments are kept in the cache, "
                          "run again to continue") from None


def _expected_rates(voices: set[Voice]) -> dict[Voice, int]:
    """The sample rate each voice speaks at, where its engine can tell without synthesizing.

    A cached segment at any other rate is damage (it would play at the wrong speed).
    """
    rates: dict[Voice, int] = {}
    for voice in voices:
        try:
            rates[voice] = int(get_engine(voice.engine).sample_rate(voice))
        except AudioDigestError as exc:  # an unloadable voice is reported where it is used
            log.debug("no sample rate for %s: %s", voice, exc)
    return rates


def _synthesize(jobs: Sequence[SpeechJob], keys: Sequence[str], cache: SegmentCache,
                workers: int, progress: Progress | None, start: float,
                keep_audio: bool) -> SynthesisReport:
    first: dict[str, SpeechJob] = {}
    for key, job in zip(keys, jobs, strict=True):
        first.setdefault(key, job)

    run = _Run(jobs, cache, workers, progress)
    run.keep_audio = keep_audio
    reused = 0
    by_engine: dict[str, list[tuple[str, SpeechJob]]] = {}
    rates = _expected_rates({job.voice for job in first.values()})
    for key, job in first.items():
        pcm = cache.get(key, rates.get(job.voice))
        if pcm is not None:
            run.seconds[key] = pcm.seconds
            if keep_audio:
                run.results[key] = pcm
            reused += 1
        else:
            by_engine.setdefault(job.voice.engine, []).append((key, job))

    # Bad voices fail before any work starts, not half-way through.
    for name, misses in by_engine.items():
        engine = get_engine(name)
        for voice in {job.voice for _k, job in misses}:
            engine.check_voice(voice)

    if progress is not None:
        progress.set_total(sum(len(m) for m in by_engine.values()))
    try:
        for name, misses in by_engine.items():
            engine = get_engine(name)
            engine.use_store(cache.voices)  # what it derives from voices lives here
            if engine.concurrency == "threads":
                run.pooled(engine, misses)
            elif engine.concurrency == "async":
                run.concurrent(engine, misses)
            else:
                run.serial(engine, misses)
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; {run.synthesized} new segment(s) kept in the cache, run again to continue"
        ) from None

    pcms = tuple(run.results[key] for key in keys) if keep_audio else ()
    return SynthesisReport(
        pcms=pcms,
        synthesized=run.synthesized,
        reused=reused,
        audio_seconds=sum(run.seconds[key] for key in keys),
        wall_seconds=time.monotonic() - start,
    )
