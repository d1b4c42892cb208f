"""The batch's only door into the pipeline: plan a show's episode, then build it.

:func:`plan_show` says what the show's next episode will say, writing nothing (its speech jobs
and their segment keys); :func:`finish_show` puts the segments the episode needs into the
show's own cache folder from the shared store and runs the build, whose speech stage then finds
every segment there, so only its audio and publish stages do work.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audiodigest import config as config_mod
from audiodigest import pipeline
from audiodigest.config import ShowConfig
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.synth import SpeechJob, job_keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShowPlan:
    """One show's next episode, as far as speech is concerned."""

    folder: Path
    config: ShowConfig
    episode_id: str
    jobs: tuple[SpeechJob, ...]
    keys: tuple[str, ...]  # the segment key of each job


@dataclass(frozen=True)
class ShowBuilt:
    episode_id: str
    synthesized: int  # segments the build itself still had to make (none, normally)
    seconds: float  # the episode's length


def plan_show(folder: Path, notify: Callable[[str], None] = log.info) -> ShowPlan:
    """The show's episode from its newest digest, planned as a dry run (nothing written)."""
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    config = config_mod.load(folder)
    paths = pipeline.ShowPaths(config)
    stage = pipeline._script_stage(config, paths, pipeline.BuildOptions(dry_run=True), notify)
    chapters = plan_spoken(stage.outcome.script, load_lexicon(paths.lexicon_file()))
    jobs = pipeline.speech_jobs(chapters, config, stage.outcome.path)
    pipeline.require_speech(jobs, stage.outcome.path)
    return ShowPlan(folder, config, stage.episode_id, tuple(jobs), tuple(job_keys(jobs)))


def show_cache(plan: ShowPlan) -> SegmentCache:
    """The show's own segment cache folder (what its build reads)."""
    return SegmentCache(pipeline.ShowPaths(plan.config).cache)


def fill_cache(plan: ShowPlan, store: SegmentCache) -> None:
    """Put every segment the plan needs into the show's cache: a hard link from a store on the
    same filesystem (entries are replaced, never changed in place), else a checked copy. A
    segment the store lacks is left for the build to make."""
    cache = show_cache(plan)
    if cache.root.resolve() == store.root.resolve() and type(store) is SegmentCache:
        return
    for key in dict.fromkeys(plan.keys):
        if cache.get(key) is not None:
            continue
        if type(store) is SegmentCache and store.get(key) is not None:
            target = cache.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                try:
                    os.link(store.path(key), target)
                    continue
                except OSError:  # another filesystem: copy below
                    pass
        pcm = store.get(key)
        if pcm is not None:
            cache.put(key, pcm)


def finish_show(plan: ShowPlan, store: SegmentCache,
                notify: Callable[[str], None] = log.info) -> ShowBuilt:
    """Build the planned show with its segments from ``store``: audio, then publish."""
    from audiodigest.publish.index import load_index

    fill_cache(plan, store)
    result = pipeline.build(plan.folder, pipeline.BuildOptions(progress=False), notify)
    seconds = result.audio_seconds
    if not seconds:  # the audio was up to date: its length is in the index
        paths = pipeline.ShowPaths(plan.config)
        record = next((r for r in load_index(paths.index) if r.id == result.episode_id), None)
        seconds = record.duration if record is not None else 0.0
    return ShowBuilt(result.episode_id, result.synthesized, float(seconds))
