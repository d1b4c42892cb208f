"""The batch's only door into the pipeline: plan a show's episode, then build it.

:func:`plan_show` runs the script stage as a dry run and :func:`~audiodigest.plan.plan_episode`
on its script, writing nothing (the same plan the build makes: speech jobs and segment keys);
:func:`finish_show` puts the segments the episode needs into the
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
from audiodigest.paths import ShowPaths
from audiodigest.plan import EpisodePlan, plan_episode
from audiodigest.script.stage import script_stage
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.synth import SpeechJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShowPlan:
    """One show's next episode: its folder, settings and :class:`EpisodePlan`."""

    folder: Path
    config: ShowConfig
    episode: EpisodePlan

    @property
    def episode_id(self) -> str:
        return self.episode.episode_id

    @property
    def jobs(self) -> tuple[SpeechJob, ...]:
        return self.episode.jobs

    @property
    def keys(self) -> tuple[str, ...]:
        """The segment key of each job."""
        return self.episode.segment_keys


@dataclass(frozen=True)
class ShowBuilt:
    episode_id: str
    synthesized: int  # segments the build itself still had to make (none, normally)
    seconds: float  # the episode's length


def plan_show(folder: Path, notify: Callable[[str], None] = log.info) -> ShowPlan:
    """The plan of the show's episode from its newest digest, as a dry run (nothing written)."""
    config = config_mod.load(folder)
    stage = script_stage(config, ShowPaths(config), dry_run=True, notify=notify)
    outcome = stage.outcome
    plan = plan_episode(config, stage.episode_id, outcome.script, outcome.path,
                        speech_required=True)
    return ShowPlan(folder, config, plan)


def show_cache(plan: ShowPlan) -> SegmentCache:
    """The show's own segment cache folder (what its build reads)."""
    return SegmentCache(ShowPaths(plan.config).cache)


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
        paths = ShowPaths(plan.config)
        record = next((r for r in load_index(paths.index) if r.id == result.episode_id), None)
        seconds = record.duration if record is not None else 0.0
    return ShowBuilt(result.episode_id, result.synthesized, float(seconds))
