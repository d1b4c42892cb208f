"""Segments as tasks on a Dask distributed cluster (needs ``audiodigest[cluster]``).

Each segment is one task, named by its key: it carries the store's location, the key, the
spoken text and the voice (a few hundred bytes) and returns the segment's length; the audio goes
from the worker straight into the store, never through the scheduler. :class:`VoicePlugin` loads
every voice once per worker process. A task on a worker that dies is run again on another by the
scheduler; a task that finds its segment already in the store (its first run got that far) does
not make it again. Workers need audiodigest with the engines and voices the shows use, and the
store's location must mean the same to them (the same shared folder, or the same bucket).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from distributed import WorkerPlugin, as_completed

from audiodigest.batch.executors import Work
from audiodigest.errors import AudioDigestError
from audiodigest.models import Voice
from audiodigest.progress import Progress
from audiodigest.speech.synth import SpeechJob, speak

log = logging.getLogger(__name__)

#: Tries of a task that raised (a worker that died does not count: the scheduler retries those).
TASK_RETRIES = 2


def _threads_per_session(worker: Any, threads_on_host: dict[str, int]) -> int:
    """ONNX threads for each task thread of ``worker``: the host's cores split between every
    task thread on that host (all its workers'), so sessions side by side do not fight."""
    host = str(getattr(worker, "address", "")).rsplit(":", 1)[0]
    mine = max(1, int(getattr(worker, "nthreads", 1) or 1))
    return max(1, (os.cpu_count() or 1) // max(mine, threads_on_host.get(host, mine)))


def threads_by_host(client: Any) -> dict[str, int]:
    """Task threads per host address (``tcp://10.0.0.5``) among the cluster's workers now."""
    totals: dict[str, int] = {}
    for address, info in client.scheduler_info().get("workers", {}).items():
        host = str(address).rsplit(":", 1)[0]
        totals[host] = totals.get(host, 0) + int(info.get("nthreads", 1) or 1)
    return totals


class VoicePlugin(WorkerPlugin):
    """Loads each voice once per worker process, before its first task (a Dask WorkerPlugin:
    ``setup`` runs on every worker, including one that joins or restarts later)."""

    name = "audiodigest-voices"

    def __init__(self, voices: Sequence[Voice], store_location: str,
                 threads_on_host: dict[str, int] | None = None) -> None:
        self.voices = tuple(voices)
        self.store_location = store_location
        self.threads_on_host = dict(threads_on_host or {})

    def setup(self, worker: Any) -> None:
        from audiodigest.speech.engines import get_engine
        from audiodigest.speech.store import shared_store

        store = shared_store(self.store_location)
        for voice in self.voices:
            engine = get_engine(voice.engine)
            engine.set_threads(_threads_per_session(worker, self.threads_on_host), spin=False)
            engine.use_store(store.voices)
            try:
                engine.load_voice(voice)  # piper: the ONNX session, kept by the engine
            except AudioDigestError as exc:  # reported by the tasks that need the voice
                log.warning("voice %s not loaded on this worker: %s", voice.voice, exc)

    def teardown(self, worker: Any) -> None:
        from audiodigest.speech.engines import release_engines

        release_engines()


def make_segment(store_location: str, key: str, job: SpeechJob) -> float:
    """A cluster task: make the segment ``key`` into the store unless it is there already.

    Returns its length in seconds. Raises the labelled engine error when it cannot be made.
    """
    from audiodigest.speech.engines import get_engine
    from audiodigest.speech.store import shared_store

    store = shared_store(store_location)
    engine = get_engine(job.voice.engine)
    try:
        rate: int | None = int(engine.sample_rate(job.voice))
    except AudioDigestError:
        rate = None
    pcm = store.get(key, rate)
    if pcm is None:  # a retried task whose first run stored it finds it here
        pcm = speak(engine, job)
        store.put(key, pcm)
    return pcm.seconds


def run_cluster(client: Any, work: Work, store_location: str, progress: Progress
                ) -> dict[str, str]:
    """Make ``work`` as tasks on the cluster behind ``client``; returns the failed keys."""
    voices = list(dict.fromkeys(job.voice for _key, job in work))
    plugin = VoicePlugin(voices, store_location, threads_by_host(client))
    client.register_plugin(plugin, name=VoicePlugin.name)
    futures = {
        client.submit(make_segment, store_location, key, job, key=f"segment-{key}",
                      pure=False, retries=TASK_RETRIES): (key, job)
        for key, job in work
    }
    failed: dict[str, str] = {}
    try:
        for future in as_completed(futures, loop=client.loop):
            key, job = futures[future]
            try:
                future.result()
            except AudioDigestError as exc:
                failed[key] = exc.one_line()
            except Exception as exc:  # noqa: BLE001 - the cluster's own failures, per segment
                failed[key] = f"{job.label}: {type(exc).__name__}: {exc}"
            progress.advance()
    finally:
        for future in futures:
            future.release()
    return failed
