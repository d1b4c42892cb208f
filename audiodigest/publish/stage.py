"""The publish stage of a build: the episode's record (with its transcript and chapter files),
the index, the pages and the feed, in that order; then the files no record points at go.

The feed is always written last: a podcast app sees either the old feed or a new one whose
files are all in place. Only episodes whose publication time has come are in the feed and
pages; one still scheduled joins at the first build, publish or remove after its time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from audiodigest import __version__
from audiodigest.config import ShowConfig
from audiodigest.fsutil import atomic_write, remove_inside, sha256_file
from audiodigest.lock import ShowLock
from audiodigest.models import EncodedEpisode, EpisodeRecord, PublishedChapter, PublishedFile
from audiodigest.paths import ShowPaths
from audiodigest.plan import EpisodePlan
from audiodigest.publish.artwork import Cover
from audiodigest.schedule import pub_date, released

log = logging.getLogger(__name__)

Transcripts = Mapping[str, Sequence[dict[str, Any]]]  # episode id -> JSON transcript segments


def episode_guid(config: ShowConfig, episode_id: str) -> str:
    """A guid derived once, when the episode is first published, then kept in the index: from
    the show's own guid, so no two shows share one."""
    from audiodigest.identity import derived_guid
    from audiodigest.identity import episode_guid as guid_in_show

    return guid_in_show(config.guid or derived_guid(config), episode_id)


# --- the record -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRecord:
    """A record for freshly encoded audio, and the transcript segments its files hold."""

    record: EpisodeRecord
    transcripts: Transcripts


def new_record(config: ShowConfig, paths: ShowPaths, plan: EpisodePlan, encoded: EncodedEpisode,
               existing: EpisodeRecord | None, number: int) -> NewRecord:
    """Write the transcript (VTT, SRT, JSON) and chapter files of ``encoded``; return its
    record. The transcripts' names carry the audio key, like the audio file's."""
    from audiodigest.publish.chapters import published_chapters, with_images
    from audiodigest.publish.transcripts import (
        to_srt,
        to_transcript_json,
        to_vtt,
        transcript_segments,
    )

    script, episode_id = plan.script, plan.episode_id
    chapters = with_images(published_chapters(encoded.chapters, encoded.sample_rate),
                           [c.image for c in script.chapters])
    sr, tag, folder = encoded.sample_rate, plan.audio_key[:10], plan.folder
    segments = transcript_segments(encoded.cues, sr)
    files = {
        f"{folder}/transcript-{tag}.vtt": ("text/vtt", to_vtt(encoded.cues, sr)),
        f"{folder}/transcript-{tag}.srt": ("application/x-subrip", to_srt(encoded.cues, sr)),
        f"{folder}/transcript-{tag}.json": ("application/json",
                                            to_transcript_json(encoded.cues, sr, segments)),
    }
    for rel_path, (_mime, text) in files.items():
        atomic_write(paths.output / rel_path, text)
    record = EpisodeRecord(
        id=episode_id,
        guid=existing.guid if existing else episode_guid(config, episode_id),
        number=number,
        title=script.title,
        pub_date=pub_date(config, existing, script.date),
        summary=plan.summary,
        audio=PublishedFile(plan.audio_path, encoded.mime_type),
        audio_size=encoded.size,
        duration=encoded.duration,
        chapters=chapters,
        chapters_file=_chapters_file(paths, episode_id, chapters),
        transcripts=tuple(PublishedFile(rel, mime) for rel, (mime, _text) in files.items()),
        page=f"{folder}/index.html",
    )
    return NewRecord(record, {episode_id: segments})


def follow_script(config: ShowConfig, paths: ShowPaths, plan: EpisodePlan, record: EpisodeRecord,
                  existing: EpisodeRecord | None, number: int) -> EpisodeRecord:
    """``record`` with what does not shape the audio, from the script as it is now: summary,
    number, and what only the feed and chapter files carry (season, episode type, guests,
    chapter images). A change here rewrites the chapters file and the feed, nothing else.

    The season is fixed at first build like the number: the script's ``season:``, else the
    published record's, else show.toml's ``season``.
    """
    from audiodigest.publish.chapters import with_images
    from audiodigest.script.episode_meta import episode_meta

    script = plan.script
    meta = episode_meta(script.meta)
    season = meta.season
    if season is None:
        season = existing.season if existing is not None else config.season
    chapters = with_images(record.chapters, [c.image for c in script.chapters])
    return replace(record, summary=plan.summary, number=number, season=season,
                   episode_type=meta.episode_type or "full", guests=meta.guests,
                   chapters=chapters, chapters_file=_chapters_file(paths, record.id, chapters))


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


# --- index, pages, feed -----------------------------------------------------------------------


def publish_episode(config: ShowConfig, paths: ShowPaths, records: Sequence[EpisodeRecord],
                    record: EpisodeRecord, cover: Cover, transcripts: Transcripts | None = None,
                    on_wait: Callable[[str], None] | None = None) -> bool:
    """Put ``record`` into the index ``records`` were read from, then write the pages and the
    feed (if they changed) and remove files no record points at. True if pages or feed were
    written. Readers of the output wait for this."""
    from audiodigest.publish.index import save_index, upsert

    new_records = upsert(records, record)
    with ShowLock(paths.output_lock, wait=True, on_wait=on_wait):
        if new_records != records or not paths.index.exists():
            save_index(paths.index, new_records)
        written = publish(config, paths, new_records, cover, transcripts)
        remove_stale_files(paths.output, new_records)
    return written


def publish(config: ShowConfig, paths: ShowPaths, records: Sequence[EpisodeRecord],
            cover: Cover, transcripts: Transcripts | None = None,
            now: datetime | None = None) -> bool:
    """Write the cover, the pages and then the feed, unless none would change. True if
    anything was written. Call with the output lock held.

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
        "artwork": cover.name,
        "templates": _tree_hash(config.path(config.templates)),
        "site": _tree_hash(Path(__file__).parent / "site_templates"),
    })
    try:
        previous = json.loads(paths.publish_stamp.read_text())
    except (OSError, ValueError, RecursionError):  # unreadable: publish again, the safe miss
        previous = {}
    if (isinstance(previous, dict) and previous.get("stamp") == stamp and paths.feed.is_file()
            and (paths.output / cover.name).is_file()):
        return False
    write_outputs(config, records, paths.output, cover, transcripts)
    atomic_write(paths.publish_stamp, json.dumps({"stamp": stamp}))
    return True


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _tree_hash(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def remove_stale_files(output: Path, records: Sequence[EpisodeRecord]) -> None:
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
