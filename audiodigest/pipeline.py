"""The pipeline in one visible place: ``sources -> script -> speech -> audio -> publish``.

:func:`build` calls the stages in that order, each taking what the one before returned:

- the script stage (:mod:`audiodigest.script.stage`) reads the digest and renders the script,
  only while nobody edited it (see :mod:`audiodigest.script.store`);
- :func:`~audiodigest.plan.plan_episode` derives, once, everything the rest needs: what the
  voice says, the speech jobs and their cache keys, the audio key and the cover;
- the speech stage (:mod:`audiodigest.speech.stage`) is cached per sentence, so an edit costs
  the edited sentences only;
- the audio stage (:mod:`audiodigest.audio.stage`) runs only when the audio key changed; the
  files carry that key in their names, so a rebuild never overwrites a file the published
  feed points at;
- the publish stage (:mod:`audiodigest.publish.stage`) rewrites the feed and pages when the
  episode index or the show's metadata changed.

The feed is always written last: a podcast app sees either the old feed or a new one whose
files are all in place. Files only the old feed used are removed after the new feed is in place.
``status``, ``remove`` and the dry run read the same plan a build would make.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from audiodigest import config as config_mod
from audiodigest.config import ShowConfig
from audiodigest.errors import AudioDigestError
from audiodigest.killpoint import kill_point
from audiodigest.lock import ShowLock
from audiodigest.models import EncodedEpisode, Loudness, SpokenChapter
from audiodigest.paths import STATE_DIR, ShowPaths
from audiodigest.plan import (
    AUDIO_FORMAT_VERSION,
    EpisodePlan,
    plan_episode,
    script_segment_keys,
    summary_for,
)
from audiodigest.schedule import publication_time, released
from audiodigest.script.stage import ScriptStage, episode_date_for, episode_id_for, script_stage

if TYPE_CHECKING:
    from audiodigest.script.store import ScriptOutcome

log = logging.getLogger(__name__)

Notify = Callable[[str], None]

# Re-exported: the command line, the tests and other tools import these from here.
__all__ = [
    "AUDIO_FORMAT_VERSION", "STATE_DIR", "BuildOptions", "BuildResult", "EpisodePlan",
    "EpisodeStatus", "ScriptStage", "ShowPaths", "build", "dumps_result", "episode_date_for",
    "episode_id_for", "plan_episode", "publication_time", "release_due", "released",
    "remove_episode", "render_script", "script_segment_keys", "status", "summary_for",
]


@dataclass(frozen=True)
class BuildOptions:
    digest: Path | None = None  # default: the newest digest in the show's digest folder
    force: bool = False  # re-render the script from the digest (the old one is backed up)
    dry_run: bool = False  # say what would happen, write nothing
    progress: bool = True  # show synthesis progress


@dataclass
class BuildResult:
    episode_id: str
    script_path: Path
    script_state: str
    output_dir: Path
    feed_path: Path
    audio_path: Path | None = None
    page_path: Path | None = None
    segments_total: int = 0
    synthesized: int = 0
    reused: int = 0
    audio_seconds: float = 0.0
    loudness: Loudness | None = None
    stages: list[str] = field(default_factory=list)  # the stages that did work
    plan: list[str] = field(default_factory=list)  # dry run: what would happen
    warnings: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0


# --- the build ---------------------------------------------------------------------------------


def build(show_dir: Path, options: BuildOptions = BuildOptions(), notify: Notify = log.info) -> BuildResult:
    """Build (or refresh) one episode of the show in ``show_dir`` and publish it."""
    started = time.monotonic()
    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    from audiodigest.identity import placeholders, record_guid, with_guid

    for key in placeholders(config):
        notify(f"warning: {config.root / config_mod.SHOW_FILE}: {key} is still the placeholder "
               "that 'new' wrote; replace it before publishing")
    if options.dry_run:
        with ShowLock(paths.output_lock, shared=True, wait=True, on_wait=notify):
            result = _dry_run(config, paths, options)
    else:
        with ShowLock(paths.lock):
            had_guid = config.guid is not None
            config = with_guid(config)
            result = _build_locked(config, paths, options, notify)
            if not had_guid:  # the feed now carries it: keep it for good
                record_guid(config, notify)
    result.wall_seconds = time.monotonic() - started
    return result


def _script(config: ShowConfig, paths: ShowPaths, options: BuildOptions,
            notify: Notify = log.warning) -> ScriptStage:
    return script_stage(config, paths, options.digest, force=options.force,
                        dry_run=options.dry_run, notify=notify)


def _plan(config: ShowConfig, stage: ScriptStage) -> EpisodePlan:
    """The plan of the script stage's script; a script with nothing to say is an error."""
    outcome = stage.outcome
    return plan_episode(config, stage.episode_id, outcome.script, outcome.path,
                        speech_required=True)


def render_script(show_dir: Path, options: BuildOptions = BuildOptions(),
                  notify: Notify = log.info) -> tuple[ScriptOutcome, tuple[SpokenChapter, ...]]:
    """Only the script stage (``audiodigest script``): the script and what the voice will say."""
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    with ShowLock(paths.lock):
        outcome = _script(config, paths, options, notify).outcome
    for warning in outcome.warnings:
        notify(f"warning: {outcome.path}: {warning}")
    # Only what the voice says: no voice, music or cover is needed to show it.
    return outcome, plan_spoken(outcome.script, load_lexicon(paths.lexicon_file()))


def _build_locked(config: ShowConfig, paths: ShowPaths, options: BuildOptions,
                  notify: Notify) -> BuildResult:
    """The stages in order, each taking what the one before returned."""
    from audiodigest.publish.stage import follow_script, new_record, publish_episode

    stage = _script(config, paths, options, notify)  # sources -> script
    outcome = stage.outcome
    for warning in outcome.warnings:
        notify(f"warning: {outcome.path}: {warning}")
    result = BuildResult(episode_id=stage.episode_id, script_path=outcome.path,
                         script_state=outcome.state, output_dir=paths.output,
                         feed_path=paths.feed, warnings=list(outcome.warnings))
    if outcome.state in ("new", "rerendered"):
        result.stages.append("script")
    plan = _plan(config, stage)
    result.segments_total = len(plan.jobs)

    # speech + audio, when anything that shapes the audio changed
    record = plan.published_record(stage.existing, paths.output)
    transcripts = None
    if record is None:
        from audiodigest.speech.stage import speak

        speech = speak(config, paths, plan, show_progress=options.progress,
                       preload=("audiodigest.audio.stage",))
        result.synthesized, result.reused = speech.synthesized, speech.reused
        notify(f"speech: {speech.synthesized} segments synthesized, {speech.reused} reused "
               f"({speech.audio_seconds:.1f} s of speech)")
        from audiodigest.audio.stage import make_audio

        audio = make_audio(config, paths, plan, stage.number, show_progress=options.progress)
        made = new_record(config, paths, plan, audio.encoded, stage.existing, stage.number)
        record, transcripts = made.record, made.transcripts
        result.stages.extend(["speech", "audio"])
        _report_audio(result, audio.encoded, audio.pieces, audio.made, notify)
    else:
        notify("audio: up to date")
    # What does not shape the audio follows the script on every build.
    record = follow_script(config, paths, plan, record, stage.existing, stage.number)
    if record.pub_date > datetime.now(UTC):
        notify(f"episode {stage.episode_id} is scheduled for {record.pub_date.isoformat(' ')}: "
               "it joins the feed at the first build or publish after that")
    result.audio_path = paths.output / record.audio.path
    result.page_path = paths.output / record.page

    # publish: index, then pages, then the feed last; readers of the output wait for it
    if publish_episode(config, paths, stage.records, record, plan.cover, transcripts,
                       on_wait=notify):
        result.stages.append("publish")
    return result


def _report_audio(result: BuildResult, encoded: EncodedEpisode, pieces: int, made: int,
                  notify: Notify) -> None:
    assert encoded.loudness is not None  # encode_episode measures it
    loudness = result.loudness = encoded.loudness
    result.audio_seconds = encoded.duration
    notify(f"audio: {result.audio_seconds:.1f} s in {pieces} pieces ({made} made, "
           f"{pieces - made} reused), {loudness.integrated_lufs:.1f} LUFS, "
           f"true peak {loudness.true_peak_dbtp:.1f} dBTP")


def release_due(show_dir: Path, now: datetime | None = None) -> bool:
    """Rewrite the feed and pages when a scheduled episode's time has come (for ``publish``);
    ``now`` is the clock's time unless given. True if anything was written.
    """
    from audiodigest.publish.artwork import cover_file
    from audiodigest.publish.index import load_index
    from audiodigest.publish.stage import publish

    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    if not paths.index.exists():
        return False
    # The output lock alone: builds change the index, pages and feed under it, so this waits
    # for a build's last step instead of refusing while the build synthesizes.
    with ShowLock(paths.output_lock, wait=True):
        return publish(config, paths, load_index(paths.index), cover_file(config), now=now)


# --- dry run and status ------------------------------------------------------------------------


def _dry_run(config: ShowConfig, paths: ShowPaths, options: BuildOptions) -> BuildResult:
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.synth import missing_jobs

    stage = _script(config, paths, options)
    script_path, state = stage.outcome.path, stage.outcome.state
    result = BuildResult(episode_id=stage.episode_id, script_path=script_path,
                         script_state=state, output_dir=paths.output, feed_path=paths.feed)
    result.plan.append({
        "new": f"script: would write a new script {script_path}",
        "unchanged": f"script: {script_path} is up to date",
        "edited": f"script: {script_path} was edited; it would be built as it is",
        "rerendered": f"script: would render {script_path} again from the digest",
    }.get(state, f"script: {state}"))
    plan = _plan(config, stage)
    jobs = plan.jobs
    missing = missing_jobs(jobs, SegmentCache(paths.cache), plan.segment_keys)
    result.segments_total = len(jobs)
    result.plan.append(f"speech: {len(missing)} of {len(jobs)} segments to synthesize, "
                       f"{len(jobs) - len(missing)} in the cache")
    if plan.published_record(stage.existing, paths.output):
        result.plan.append("audio: up to date")
    else:
        result.plan.append(f"audio: would master and encode {plan.audio_path}")
    result.plan.append(f"publish: would update {paths.feed} and the pages if they changed")
    return result


@dataclass(frozen=True)
class EpisodeStatus:
    episode_id: str
    script: str  # missing | generated | edited
    segments: int
    missing_segments: int
    audio: str  # up to date | stale | not built
    published: bool  # in the index and its publication time has come


def status(show_dir: Path) -> list[EpisodeStatus]:
    """Each episode with a script or a published record: what a build would have to do."""
    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    # The index and the output's files, read as one state.
    with ShowLock(paths.output_lock, shared=True, wait=True):
        return _status(config, paths)


def _status(config: ShowConfig, paths: ShowPaths) -> list[EpisodeStatus]:
    from audiodigest.publish.artwork import cover_file
    from audiodigest.publish.index import load_index
    from audiodigest.script.format import parse_script
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.store import read_script_text, script_path, script_state
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.synth import missing_jobs

    index = load_index(paths.index)
    records = {r.id: r for r in index}
    # Published: the index says so and the time has come (what the feed lists).
    published = {r.id for r in released(index)} if paths.feed.is_file() else set()
    ids = sorted({p.stem for p in paths.scripts.glob("*.md")} | set(records), reverse=True)
    lexicon = load_lexicon(paths.lexicon_file())
    cache = SegmentCache(paths.cache)
    cover = cover_file(config)
    rows = []
    for episode_id in ids:
        path = script_path(config, episode_id)
        state: str
        try:
            state = script_state(path)
        except AudioDigestError:
            state = "unreadable"
        segments = missing = 0
        audio = "not built"
        record = records.get(episode_id)
        if state not in ("missing", "unreadable"):
            try:
                script = parse_script(read_script_text(path), path)
                plan = plan_episode(config, episode_id, script, path, lexicon=lexicon,
                                    cover=cover)
            except AudioDigestError as exc:
                log.warning("%s", exc.one_line())
                rows.append(EpisodeStatus(episode_id, "unreadable", 0, 0, "unknown",
                                          episode_id in published))
                continue
            segments = len(plan.jobs)
            missing = len(missing_jobs(plan.jobs, cache, plan.segment_keys))
            if record is not None:
                current = plan.published_record(record, paths.output)
                audio = "up to date" if current else "stale"
        elif record is not None:
            audio = "built" if state == "missing" else "unknown"
        rows.append(EpisodeStatus(episode_id, state, segments, missing, audio,
                                  episode_id in published))
    return rows


def dumps_result(result: BuildResult) -> str:
    """The build result as JSON, for scripts and the benchmark."""
    data = asdict(result)
    return json.dumps(data, default=str, indent=2)


def remove_episode(show_dir: Path, episode_id: str) -> None:
    """Take an episode out of the index, the pages and the feed, then delete its media.

    Safe to run again after it was killed: with the episode already gone from the index but its
    folder (or pieces) still there, it finishes the job (feed and pages, then the files). The
    episode's script is kept: it is the editor's work.
    """
    from audiodigest.errors import UserError
    from audiodigest.fsutil import remove_inside
    from audiodigest.publish.artwork import cover_file
    from audiodigest.publish.index import is_episode_id, load_index, remove, save_index
    from audiodigest.publish.stage import publish

    if not is_episode_id(episode_id):
        raise UserError(f"'{episode_id}' is not an episode id (letters, digits, '.', '_', '-')")
    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    with ShowLock(paths.lock), ShowLock(paths.output_lock, wait=True):
        records = load_index(paths.index)
        episodes = paths.output / "episodes"
        folder = episodes / episode_id
        pieces = paths.pieces(episode_id)
        listed = any(r.id == episode_id for r in records)
        if not listed and not folder.exists() and not pieces.exists():
            known = ", ".join(r.id for r in records) or "none"
            raise UserError(f"no published episode '{episode_id}' (published: {known})",
                            path=paths.index)
        remaining = remove(records, episode_id)
        if listed:
            save_index(paths.index, remaining)
            kill_point("remove:index-saved")
        # Always: a run killed after saving the index left the old feed and pages behind.
        publish(config, paths, remaining, cover_file(config))
        kill_point("remove:published")
        remove_inside(episodes, folder)
        remove_inside(pieces.parent, pieces)
