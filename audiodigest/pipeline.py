"""The pipeline in one visible place: ``sources -> script -> speech -> audio -> publish``.

:func:`build` calls the stages in that order. Each stage runs only when its inputs changed:

- the script is re-rendered only while nobody edited it (see :mod:`audiodigest.script.store`);
- speech is cached per sentence, so an edit costs the edited sentences only;
- the audio (master, encode, tags, chapter and transcript files) is keyed by a hash of
  everything that shapes it; the files carry that key in their names, so a rebuild never
  overwrites a file the published feed points at;
- the feed and pages are rewritten when the episode index or the show's metadata changed.

The feed is always written last: a podcast app sees either the old feed or a new one whose
files are all in place. Files only the old feed used are removed after the new feed is in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, overload

from audiodigest import __version__
from audiodigest import config as config_mod
from audiodigest.config import ShowConfig
from audiodigest.errors import AudioDigestError, ConfigError, EngineError
from audiodigest.fsutil import atomic_write, check_regular, remove_inside, sha256_file
from audiodigest.killpoint import kill_point
from audiodigest.lock import ShowLock
from audiodigest.models import (
    EpisodeRecord,
    Loudness,
    Pause,
    Pcm,
    PublishedChapter,
    PublishedFile,
    Script,
    Sentence,
    SpokenChapter,
    Voice,
)

if TYPE_CHECKING:
    from audiodigest.script.store import ScriptOutcome
    from audiodigest.speech.cache import SegmentCache

log = logging.getLogger(__name__)

STATE_DIR = ".audiodigest"
# Bump when the audio files' layout or processing changes, so old audio is re-made.
AUDIO_FORMAT_VERSION = "2"

Notify = Callable[[str], None]


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


@dataclass(frozen=True)
class ShowPaths:
    """Where a show keeps its state and output."""

    config: ShowConfig

    @property
    def state(self) -> Path:
        return self.config.root / STATE_DIR

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    @property
    def output_lock(self) -> Path:
        """Shared by readers of the output, exclusive while its feed and pages change."""
        return self.state / "output.lock"

    @property
    def index(self) -> Path:
        return self.state / "episodes.json"

    @property
    def publish_stamp(self) -> Path:
        return self.state / "published.json"

    def pieces(self, episode_id: str) -> Path:
        """Where the encoded pieces of an episode's audio are kept for the next rebuild."""
        return self.state / "pieces" / episode_id

    @property
    def output(self) -> Path:
        return self.config.path(self.config.output)

    @property
    def cache(self) -> Path:
        return self.config.path(self.config.cache)

    @property
    def scripts(self) -> Path:
        return self.config.path(self.config.scripts)

    @property
    def feed(self) -> Path:
        return self.output / "feed.xml"

    def lexicon_file(self) -> Path | None:
        """The show's lexicon; ``lexicon.yaml`` / ``.yml`` stand in for a missing default TOML."""
        if not self.config.lexicon:
            return None
        path = self.config.path(self.config.lexicon)
        if not path.exists() and self.config.lexicon == Path("lexicon.toml"):
            for other in (path.with_suffix(".yaml"), path.with_suffix(".yml")):
                if other.exists():
                    return other
        return path


# --- small pure helpers ------------------------------------------------------------------------

_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


def episode_id_for(digest: Path) -> str:
    """The episode id is the digest's name without its extensions (``2026-12-01.rss.xml`` is
    ``2026-12-01``), made safe as a folder and file name."""
    from audiodigest.sources import digest_stem

    stem = _SAFE_ID.sub("-", digest_stem(digest)).strip("-._")
    return stem[:80] or "episode"


def episode_date_for(digest: Path, today: date | None = None) -> date:
    """A digest named like a date (``2026-11-27.txt``) is that day's episode; else today."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", digest.stem)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return today or datetime.now(UTC).date()


def publication_time(day: date, now: datetime | None = None, *, at: str | None = None,
                     timezone: str = "UTC") -> datetime:
    """When an episode is published, in the show's time zone.

    With ``at`` (``publish_time``, HH:MM) it is that time on its day, even when that is still
    to come: the episode then waits outside the feed. Without, it is 06:00 on its day, or the
    moment of the build when that is earlier; an episode dated after today still waits for
    06:00 on its day (its narration names that day).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    now = (now or datetime.now(UTC)).replace(microsecond=0).astimezone(zone)
    if at is not None:
        hour, minute = (int(part) for part in at.split(":"))
        return datetime.combine(day, dtime(hour, minute), tzinfo=zone)
    planned = datetime.combine(day, dtime(6, 0), tzinfo=zone)
    return planned if day > now.date() else min(planned, now)


def released(records: Sequence[EpisodeRecord], now: datetime | None = None
             ) -> list[EpisodeRecord]:
    """The records whose publication time has come: only these are in the feed and pages."""
    now = now or datetime.now(UTC)
    return [r for r in records if r.pub_date <= now]


def episode_guid(config: ShowConfig, episode_id: str) -> str:
    """A guid derived once, when the episode is first published, then kept in the index: from
    the show's own guid, so no two shows share one."""
    from audiodigest.identity import derived_guid
    from audiodigest.identity import episode_guid as guid_in_show

    return guid_in_show(config.guid or derived_guid(config), episode_id)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _setting_error(config: ShowConfig, key: str, exc: AudioDigestError) -> ConfigError:
    """A problem found with a setting's value, as show.toml's own errors read."""
    return ConfigError(f"bad value for '{key}': {exc.one_line()}",
                       path=config.root / config_mod.SHOW_FILE)


def speaker_voices(config: ShowConfig) -> dict[str, Voice]:
    """The voice of every speaker tag; an engine name no engine answers to names its key."""
    from audiodigest.speech.engines import UnknownEngineError, voice_from_settings

    voices = {}
    for name, settings in config.voices.items():
        try:
            voices[name] = voice_from_settings(settings, root=config.root)
        except UnknownEngineError as exc:
            raise _setting_error(config, f"voices.{name}.engine", exc) from None
    return voices


def check_voices(config: ShowConfig, voices: dict[str, Voice], speakers: set[str]) -> None:
    """The voices of ``speakers`` exist (their files are sound): else an error naming the key.

    Runs before any speech is made, even when every segment is in the cache, since the cache
    keys depend on the voice files too.
    """
    from audiodigest.speech.engines import UnknownVoiceError, get_engine

    for name in sorted(speakers):
        voice = voices[name]
        engine = get_engine(voice.engine)
        try:
            engine.check_voice(voice)
            engine.voice_version(voice)
        except UnknownVoiceError as exc:
            raise _setting_error(config, f"voices.{name}.voice", exc) from None


def sentences(chapters: Sequence[SpokenChapter]) -> list[tuple[int, SpokenChapter, Sentence]]:
    return [
        (index, chapter, item)
        for index, chapter in enumerate(chapters)
        for item in chapter.items
        if isinstance(item, Sentence)
    ]


def speech_jobs(chapters: Sequence[SpokenChapter], config: ShowConfig, script_path: Path) -> list:
    """One synthesis job per sentence, with the voice its speaker tag maps to."""
    from audiodigest.speech.synth import SpeechJob

    voices = speaker_voices(config)
    jobs = []
    counts: dict[int, int] = {}
    for index, chapter, sentence in sentences(chapters):
        voice = voices.get(sentence.speaker)
        if voice is None:
            raise ConfigError(
                f"speaker {sentence.speaker} in chapter '{chapter.title}' has no voice; add "
                f"[voices.{sentence.speaker}] to show.toml (known: {', '.join(sorted(voices))})",
                path=script_path,
            )
        counts[index] = counts.get(index, 0) + 1
        label = f"chapter {index + 1} '{chapter.title}', sentence {counts[index]}: '{sentence.text}'"
        jobs.append(SpeechJob(text=sentence.spoken, voice=voice, label=label))
    check_voices(config, voices, {sentence.speaker for _, _, sentence in sentences(chapters)})
    return jobs


def require_speech(jobs: Sequence, script_path: Path) -> None:
    """An episode needs at least one sentence: pauses, punctuation and music alone are no
    episode (and a silent episode must never be published)."""
    from audiodigest.errors import ScriptError

    if not jobs:
        raise ScriptError("nothing to say: the script has no sentence to speak (only front "
                          "matter, titles, pauses or punctuation)", path=script_path)


def cover_file(config: ShowConfig) -> tuple[str, bytes]:
    from audiodigest.publish.artwork import cover_file as _cover_file

    return _cover_file(config)


def _music_hash(config: ShowConfig, name: str) -> str | None:
    """The hash of music file ``name`` (intro, outro, bed) if set; a missing or special file
    fails here, before any speech is made."""
    value: Path | None = getattr(config.music, name)
    if value is None:
        return None
    from audiodigest.audio.music import MAX_BYTES

    path = config.path(value)
    check_regular(path, MAX_BYTES, f"setting 'music.{name}'")
    return sha256_file(path)


def audio_key(config: ShowConfig, script: Script, chapters: Sequence[SpokenChapter],
              segment_keys: Sequence[str], cover: str) -> str:
    """A hash of everything that shapes the episode's audio files and their tags."""
    music = config.music
    structure = [
        [chapter.title, chapter.url,
         [[item.seconds] if isinstance(item, Pause) else [item.text, item.speaker, item.paragraph]
          for item in chapter.items]]
        for chapter in chapters
    ]
    return _digest({
        "format": AUDIO_FORMAT_VERSION,
        "segments": list(segment_keys),
        "structure": structure,
        "audio": config.audio.model_dump(mode="json"),
        "music": music.model_dump(mode="json"),
        "music_files": [_music_hash(config, name) for name in ("intro", "outro", "bed")],
        "tags": [script.title, config.title, config.author, str(script.date), script.episode,
                 config.site_link],
        "cover": cover,  # the cover's file name carries a hash of its content
    })


def summary_for(script: Script) -> str:
    """The episode's description: the script's ``summary`` key, else a list of its stories."""
    written = dict(script.meta).get("summary", "").strip()
    if written:
        return written
    titles = [c.title for c in script.chapters if c.article_id or c.url]
    if not titles:
        return script.title
    return "In this episode: " + "; ".join(titles) + "."


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


@dataclass(frozen=True)
class ScriptStage:
    """What the sources and script stages hand on: the episode and its (possibly edited) script."""

    episode_id: str
    records: list[EpisodeRecord]  # the published index as it was
    existing: EpisodeRecord | None  # this episode's published record, if any
    number: int
    outcome: ScriptOutcome


def _script_stage(config: ShowConfig, paths: ShowPaths, options: BuildOptions,
                  notify: Notify = log.warning) -> ScriptStage:
    """sources -> script: read the digest and render, refresh or keep the episode's script.

    With ``options.dry_run`` nothing is written; the outcome says what a build would do.
    """
    from audiodigest.publish.index import load_index, next_number
    from audiodigest.script.store import prepare_script, recorded_number
    from audiodigest.sources import newest_digest, read

    digest = options.digest or newest_digest(config.path(config.digests))
    episode_id = episode_id_for(digest)
    contents = read(digest)
    for warning in contents.warnings:
        notify(f"warning: {warning}")
    records = load_index(paths.index)
    existing = next((r for r in records if r.id == episode_id), None)
    # An episode's number is fixed when it is first built: the published record's, else the
    # one its script already carries (an episode removed and built again), else the next.
    number = (existing.number if existing else None) or recorded_number(config, episode_id) \
        or next_number(records)
    outcome = prepare_script(config, contents.articles, sha256_file(digest), episode_id,
                             episode_date=episode_date_for(digest), number=number,
                             force=options.force, dry_run=options.dry_run,
                             digest_title=contents.title, digest_summary=contents.summary)
    # The script is what the narration says: an editor's `episode:` is the number everywhere.
    number = outcome.script.episode or number
    return ScriptStage(episode_id, records, existing, number, outcome)


def render_script(show_dir: Path, options: BuildOptions = BuildOptions(),
                  notify: Notify = log.info) -> tuple[ScriptOutcome, tuple[SpokenChapter, ...]]:
    """Only the script stage (``audiodigest script``): the script and what the voice will say."""
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    with ShowLock(paths.lock):
        outcome = _script_stage(config, paths, options, notify).outcome
    for warning in outcome.warnings:
        notify(f"warning: {outcome.path}: {warning}")
    return outcome, plan_spoken(outcome.script, load_lexicon(paths.lexicon_file()))


def _build_locked(config: ShowConfig, paths: ShowPaths, options: BuildOptions,
                  notify: Notify) -> BuildResult:
    from audiodigest.publish.artwork import prepare_artwork
    from audiodigest.publish.index import save_index, upsert
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    # sources -> script
    stage = _script_stage(config, paths, options, notify)
    episode_id, records, existing, number = (stage.episode_id, stage.records, stage.existing,
                                             stage.number)
    outcome = stage.outcome
    for warning in outcome.warnings:
        notify(f"warning: {outcome.path}: {warning}")
    result = BuildResult(episode_id=episode_id, script_path=outcome.path, script_state=outcome.state,
                         output_dir=paths.output, feed_path=paths.feed,
                         warnings=list(outcome.warnings))
    if outcome.state in ("new", "rerendered"):
        result.stages.append("script")
    script = outcome.script
    chapters = plan_spoken(script, load_lexicon(paths.lexicon_file()))
    jobs = speech_jobs(chapters, config, outcome.path)
    require_speech(jobs, outcome.path)
    result.segments_total = len(jobs)

    # speech + audio, when anything that shapes the audio changed
    artwork = prepare_artwork(config, paths.output)
    cover = paths.output / artwork
    key = audio_key(config, script, chapters, _segment_keys(jobs), artwork)
    record = _current_record(existing, key, paths.output, episode_id, config)
    if record is None:
        record = _make_audio(config, paths, script, chapters, jobs, key, cover, episode_id,
                             existing, number, result, notify, options.progress)
        result.stages.extend(["speech", "audio"])
    else:
        notify("audio: up to date")
    # What does not shape the audio follows the script on every build.
    record = replace(record, summary=summary_for(script), number=number)
    record = _feed_details(config, paths, script, record, existing)
    if record.pub_date > datetime.now(UTC):
        notify(f"episode {episode_id} is scheduled for {record.pub_date.isoformat(' ')}: it joins "
               "the feed at the first build or publish after that")
    result.audio_path = paths.output / record.audio.path
    result.page_path = paths.output / record.page

    # publish: index, then pages, then the feed last; readers of the output wait for it
    new_records = upsert(records, record)
    with ShowLock(paths.output_lock, wait=True, on_wait=notify):
        if new_records != records or not paths.index.exists():
            save_index(paths.index, new_records)
        if _publish(config, paths, new_records, artwork):
            result.stages.append("publish")
        _remove_stale_files(paths.output, new_records)
    return result


def _feed_details(config: ShowConfig, paths: ShowPaths, script: Script, record: EpisodeRecord,
                  existing: EpisodeRecord | None) -> EpisodeRecord:
    """``record`` with what only the feed and chapter files carry, from the script's front
    matter and chapter image lines: season, episode type, guests, chapter images. None of it
    shapes the audio, so a change here rewrites the chapters file and the feed, nothing else.

    The season is fixed at first build like the number: the script's ``season:``, else the
    published record's, else show.toml's ``season``.
    """
    from audiodigest.publish.chapters import with_images
    from audiodigest.script.episode_meta import episode_meta

    meta = episode_meta(script.meta)
    season = meta.season
    if season is None:
        season = existing.season if existing is not None else config.season
    chapters = with_images(record.chapters, [c.image for c in script.chapters])
    return replace(record, season=season, episode_type=meta.episode_type or "full",
                   guests=meta.guests, chapters=chapters,
                   chapters_file=_chapters_file(paths, record.id, chapters))


def _chapters_file(paths: ShowPaths, episode_id: str,
                   chapters: Sequence[PublishedChapter]) -> PublishedFile:
    """Write the episode's JSON chapters file, named by a hash of its content (published files
    never change under one name), unless it is already there."""
    from audiodigest.publish.chapters import chapters_json

    data = chapters_json(chapters).encode("utf-8")
    rel = f"episodes/{episode_id}/chapters-{hashlib.sha256(data).hexdigest()[:10]}.json"
    target = paths.output / rel
    try:
        current = target.read_bytes() if target.is_file() else None
    except OSError:
        current = None
    if current != data:
        atomic_write(target, data)
    return PublishedFile(rel, "application/json+chapters")


def _segment_keys(jobs: Sequence) -> list[str]:
    from audiodigest.speech.synth import job_keys

    return job_keys(jobs)


class CachedPcms(Sequence[Pcm]):
    """The speech segments of an episode, read from the cache when asked for."""

    def __init__(self, cache: SegmentCache, keys: Sequence[str]) -> None:
        self._cache = cache
        self._keys = list(keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @overload
    def __getitem__(self, index: int) -> Pcm: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Pcm]: ...

    def __getitem__(self, index: int | slice) -> Pcm | Sequence[Pcm]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        pcm = self._cache.get(self._keys[index])
        if pcm is None:
            raise self._gone(index)
        return pcm

    def shapes(self) -> list[tuple[int, int]]:
        """(frames, sample rate) of every segment, from the cache entries' headers."""
        out = []
        for index, key in enumerate(self._keys):
            shape = self._cache.shape(key)
            if shape is None:
                raise self._gone(index)
            out.append(shape)
        return out

    @staticmethod
    def _gone(index: int) -> EngineError:
        return EngineError(f"speech segment {index + 1} disappeared from the cache while "
                           "the episode was being assembled; build again")


def _audio_rel(episode_id: str, key: str, fmt: str) -> str:
    return f"episodes/{episode_id}/{episode_id}-{key[:10]}.{fmt}"


def _current_record(existing: EpisodeRecord | None, key: str, output: Path, episode_id: str,
                    config: ShowConfig) -> EpisodeRecord | None:
    """The published record, if its audio files are exactly what this build would make."""
    if existing is None:
        return None
    if existing.audio.path != _audio_rel(episode_id, key, config.audio.format):
        return None
    needed = [existing.audio.path, existing.chapters_file.path, *(t.path for t in existing.transcripts)]
    if not all((output / rel).is_file() for rel in needed):
        return None
    if (output / existing.audio.path).stat().st_size != existing.audio_size:
        return None
    return existing


def _preload(module: str) -> None:
    """Import ``module`` ahead of use; a failure shows up (properly) where it is used."""
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def _make_audio(config: ShowConfig, paths: ShowPaths, script: Script,
                chapters: Sequence[SpokenChapter], jobs: Sequence, key: str, cover: Path,
                episode_id: str, existing: EpisodeRecord | None, number: int,
                result: BuildResult, notify: Notify, show_progress: bool) -> EpisodeRecord:
    from audiodigest.progress import Progress
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.engines import release_engines
    from audiodigest.speech.synth import synthesize_jobs

    # The audio modules pull in scipy.signal, whose import alone takes about half a second:
    # let it happen while the voice loads and speaks (the import lock makes the imports
    # below wait for it if it is not done yet).
    threading.Thread(target=_preload, args=("audiodigest.audio.pieces",), name="import-audio",
                     daemon=True).start()
    cache = SegmentCache(paths.cache)
    with Progress(len(jobs), "synthesis", enabled=show_progress) as progress:
        report = synthesize_jobs(jobs, cache, workers=config.jobs, progress=progress,
                                 keep_audio=False)
    release_engines()

    from audiodigest.audio import EpisodeTags
    from audiodigest.audio.assemble import lay_out
    from audiodigest.audio.pieces import AudioReport, PieceStore, encode_episode, plan_pieces
    from audiodigest.publish.chapters import published_chapters, with_images
    from audiodigest.publish.transcripts import to_srt, to_transcript_json, to_vtt

    result.synthesized, result.reused = report.synthesized, report.reused
    notify(f"speech: {report.synthesized} segments synthesized, {report.reused} reused "
           f"({report.audio_seconds:.1f} s of speech)")
    # Every segment is in the cache now: pieces read the ones they need when they are made, so
    # an hour-long episode never holds its speech twice (and the voices' memory is released).
    pcms = CachedPcms(cache, _segment_keys(jobs))
    shapes = pcms.shapes()
    from audiodigest.audio.gate import check_episode, check_speech

    check_speech([job.label for job in jobs], [job.text for job in jobs],
                 [frames / rate for frames, rate in shapes], iter(pcms))
    layout, tracks = lay_out(chapters, shapes, config.audio, config.music, config.root)
    pieces = plan_pieces(layout, pcms.keys, config.audio, tracks)
    fmt = config.audio.format
    rel = _audio_rel(episode_id, key, fmt)
    folder = f"episodes/{episode_id}"
    tags = EpisodeTags(
        title=script.title, artist=config.author, album=config.title,
        date=script.date.isoformat(), comment=summary_for(script),
        cover=cover.read_bytes() if cover.is_file() else None,
        cover_mime="image/png" if cover.suffix == ".png" else "image/jpeg",
        track=number, url=config.site_link,
    )
    store = PieceStore(paths.pieces(episode_id))
    audio_report = AudioReport()
    with Progress(len(pieces), "audio", enabled=show_progress, unit="pieces") as progress:
        encoded = encode_episode(layout, pieces, pcms, tracks, config.audio, paths.output / rel,
                                 tags, store, advance=progress.advance, report=audio_report)
    store.keep_only({p.key for p in pieces})
    check_episode(encoded, layout.total / layout.rate, config.audio)
    assert encoded.loudness is not None
    loudness = result.loudness = encoded.loudness
    result.audio_seconds = encoded.duration
    published = with_images(published_chapters(encoded.chapters, encoded.sample_rate),
                            [c.image for c in script.chapters])
    sr = encoded.sample_rate
    tag = key[:10]
    files = {
        f"{folder}/transcript-{tag}.vtt": ("text/vtt", to_vtt(encoded.cues, sr)),
        f"{folder}/transcript-{tag}.srt": ("application/x-subrip", to_srt(encoded.cues, sr)),
        f"{folder}/transcript-{tag}.json": ("application/json", to_transcript_json(encoded.cues, sr)),
    }
    for rel_path, (_mime, text) in files.items():
        atomic_write(paths.output / rel_path, text)
    made = [PublishedFile(rel_path, mime) for rel_path, (mime, _text) in files.items()]
    notify(f"audio: {result.audio_seconds:.1f} s in {audio_report.pieces} pieces ({audio_report.made} made, "
           f"{audio_report.pieces - audio_report.made} reused), {loudness.integrated_lufs:.1f} LUFS, "
           f"true peak {loudness.true_peak_dbtp:.1f} dBTP")
    return EpisodeRecord(
        id=episode_id,
        guid=existing.guid if existing else episode_guid(config, episode_id),
        number=number,
        title=script.title,
        pub_date=_pub_date(config, existing, script.date),
        summary=summary_for(script),
        audio=PublishedFile(rel, encoded.mime_type),
        audio_size=encoded.size,
        duration=encoded.duration,
        chapters=published,
        chapters_file=_chapters_file(paths, episode_id, published),
        transcripts=tuple(made),
        page=f"{folder}/index.html",
    )


def release_due(show_dir: Path, now: datetime | None = None) -> bool:
    """Rewrite the feed and pages when a scheduled episode's time has come (for ``publish``);
    ``now`` is the clock's time unless given. True if anything was written.
    """
    from audiodigest.publish.index import load_index

    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    if not paths.index.exists():
        return False
    # The output lock alone: builds change the index, pages and feed under it, so this waits
    # for a build's last step instead of refusing while the build synthesizes.
    with ShowLock(paths.output_lock, wait=True):
        return _publish(config, paths, load_index(paths.index), cover_file(config)[0], now)


def _pub_date(config: ShowConfig, existing: EpisodeRecord | None, day: date) -> datetime:
    """A published episode keeps its date; one still waiting follows the schedule as it is now."""
    now = datetime.now(UTC)
    if existing is not None and existing.pub_date <= now:
        return existing.pub_date
    return publication_time(day, now, at=config.publish_time, timezone=config.timezone)


def _publish(config: ShowConfig, paths: ShowPaths, records: Sequence[EpisodeRecord],
             artwork: str, now: datetime | None = None) -> bool:
    """Write pages and then the feed, unless neither would change. True if anything was written.

    Only episodes whose publication time has come are written; one still scheduled joins at
    the first build, publish or remove after its time.
    """
    from audiodigest.publish import write_outputs
    from audiodigest.publish.index import record_to_dict

    records = released(records, now)

    stamp = _digest({
        "version": __version__,
        "config": config.model_dump(mode="json", exclude={"cache", "jobs", "root"}),
        "records": [record_to_dict(r) for r in records],
        "artwork": artwork,
        "templates": _tree_hash(config.path(config.templates)),
        "site": _tree_hash(Path(__file__).parent / "publish" / "site_templates"),
    })
    try:
        previous = json.loads(paths.publish_stamp.read_text())
    except (OSError, ValueError, RecursionError):  # unreadable: publish again, the safe miss
        previous = {}
    if isinstance(previous, dict) and previous.get("stamp") == stamp and paths.feed.is_file():
        return False
    write_outputs(config, records, paths.output)
    atomic_write(paths.publish_stamp, json.dumps({"stamp": stamp}))
    return True


def _tree_hash(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def _remove_stale_files(output: Path, records: Sequence[EpisodeRecord]) -> None:
    """Delete media an earlier build made that no published record points at any more."""
    for record in records:
        folder = output / "episodes" / record.id
        if not folder.is_dir():
            continue
        keep = {record.audio.path, record.chapters_file.path, record.page,
                *(t.path for t in record.transcripts)}
        for path in folder.iterdir():
            rel = path.relative_to(output).as_posix()
            if not path.is_file() or rel in keep:
                continue
            # A dot file is a temporary file of a write in progress, or one a killed build
            # left behind; only the lock holder writes here, so any of them is stale now.
            if not path.name.startswith(".") or ".tmp" in path.name:
                log.debug("removing stale %s", rel)
                remove_inside(output, path)


# --- dry run and status ------------------------------------------------------------------------


def _dry_run(config: ShowConfig, paths: ShowPaths, options: BuildOptions) -> BuildResult:
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.synth import missing_jobs

    stage = _script_stage(config, paths, options)
    episode_id, existing = stage.episode_id, stage.existing
    script, state, script_path = stage.outcome.script, stage.outcome.state, stage.outcome.path
    result = BuildResult(episode_id=episode_id, script_path=script_path, script_state=state,
                         output_dir=paths.output, feed_path=paths.feed)
    result.plan.append({
        "new": f"script: would write a new script {script_path}",
        "unchanged": f"script: {script_path} is up to date",
        "edited": f"script: {script_path} was edited; it would be built as it is",
        "rerendered": f"script: would render {script_path} again from the digest",
    }.get(state, f"script: {state}"))
    chapters = plan_spoken(script, load_lexicon(paths.lexicon_file()))
    jobs = speech_jobs(chapters, config, script_path)
    require_speech(jobs, script_path)
    missing = missing_jobs(jobs, SegmentCache(paths.cache))
    result.segments_total = len(jobs)
    result.plan.append(f"speech: {len(missing)} of {len(jobs)} segments to synthesize, "
                       f"{len(jobs) - len(missing)} in the cache")
    key = audio_key(config, script, chapters, _segment_keys(jobs), cover_file(config)[0])
    if _current_record(existing, key, paths.output, episode_id, config):
        result.plan.append("audio: up to date")
    else:
        result.plan.append(f"audio: would master and encode {_audio_rel(episode_id, key, config.audio.format)}")
    result.plan.append(f"publish: would update {paths.feed} and the pages if they changed")
    return result


@dataclass(frozen=True)
class EpisodeStatus:
    episode_id: str
    script: str  # missing | generated | edited
    segments: int
    missing_segments: int
    audio: str  # up to date | stale | not built
    published: bool


def status(show_dir: Path) -> list[EpisodeStatus]:
    """Each episode with a script or a published record: what a build would have to do."""
    config = config_mod.load(show_dir)
    paths = ShowPaths(config)
    # The index, the feed and the output's files, read as one state.
    with ShowLock(paths.output_lock, shared=True, wait=True):
        return _status(config, paths)


def _status(config: ShowConfig, paths: ShowPaths) -> list[EpisodeStatus]:
    from audiodigest.publish.index import load_index
    from audiodigest.script.format import parse_script
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken
    from audiodigest.script.store import script_path, script_state
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.synth import missing_jobs

    records = {r.id: r for r in load_index(paths.index)}
    feed = paths.feed.read_text(encoding="utf-8") if paths.feed.is_file() else ""
    ids = sorted({p.stem for p in paths.scripts.glob("*.md")} | set(records), reverse=True)
    lexicon = load_lexicon(paths.lexicon_file())
    cache = SegmentCache(paths.cache)
    cover = cover_file(config)[0]
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
                chapters = plan_spoken(script, lexicon)
                jobs = speech_jobs(chapters, config, path)
            except AudioDigestError as exc:
                log.warning("%s", exc.one_line())
                rows.append(EpisodeStatus(episode_id, "unreadable", 0, 0, "unknown",
                                          record is not None and record.guid in feed))
                continue
            segments, missing = len(jobs), len(missing_jobs(jobs, cache))
            if record is not None:
                key = audio_key(config, script, chapters, _segment_keys(jobs), cover)
                current = _current_record(record, key, paths.output, episode_id, config)
                audio = "up to date" if current else "stale"
        elif record is not None:
            audio = "built" if state == "missing" else "unknown"
        published = record is not None and record.guid in feed
        rows.append(EpisodeStatus(episode_id, state, segments, missing, audio, published))
    return rows


def script_segment_keys(config: ShowConfig) -> set[str]:
    """The cache keys every script in the show needs (scripts that do not parse are skipped)."""
    from audiodigest.script.format import parse_script
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    paths = ShowPaths(config)
    lexicon = load_lexicon(paths.lexicon_file())
    keys: set[str] = set()
    for path in sorted(paths.scripts.glob("*.md")):
        try:
            chapters = plan_spoken(parse_script(read_script_text(path), path), lexicon)
            keys.update(_segment_keys(speech_jobs(chapters, config, path)))
        except AudioDigestError as exc:
            log.warning("%s", exc.one_line())
    return keys


def read_script_text(path: Path) -> str:
    """A script's text; one-line errors for unreadable or non-UTF-8 files."""
    from audiodigest.script.store import read_script_text as read

    return read(path)


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
    from audiodigest.publish.index import is_episode_id, load_index, remove, save_index

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
        _publish(config, paths, remaining, cover_file(config)[0])
        kill_point("remove:published")
        remove_inside(episodes, folder)
        remove_inside(pieces.parent, pieces)
