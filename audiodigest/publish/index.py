"""The show's episode index: every published episode, kept as JSON between builds.

The index is the memory that keeps an episode's guid and number stable across rebuilds (Apple
skips episodes whose guid changes or repeats). It lives in ``SHOW_DIR/.audiodigest/`` and is
rewritten atomically; a damaged file is reported, never silently replaced, because replacing it
would hand out new guids.

The file is untrusted input: the build deletes and the feed links by what it says. So every entry
is checked on load (the id is an episode id, every file it names is a plain file in
``episodes/<id>/``, numbers are finite and in range, strings are strings), and a bad entry is a
one-line error naming the file, never an action.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from audiodigest.errors import UserError
from audiodigest.fsutil import atomic_write
from audiodigest.models import EpisodeRecord, PublishedChapter, PublishedFile
from audiodigest.script.episode_meta import MAX_GUESTS, MAX_NAME, MAX_SEASON
from audiodigest.urls import safe_url

log = logging.getLogger(__name__)

INDEX_VERSION = 1
_EPISODE_TYPES = ("full", "trailer", "bonus")
# What ``script.stage.episode_id_for`` makes: one safe folder name, never '.' or '..'.
EPISODE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_FILE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
MAX_NUMBER = 10**9 - 1  # as the script's 'episode:' allows
MAX_SECONDS = 1e7  # far beyond any episode; a bound so a damaged value is caught, not used
MAX_SIZE = 2**62


def is_episode_id(value: str) -> bool:
    """True if ``value`` is a valid episode id (a safe, single folder name)."""
    return EPISODE_ID_RE.fullmatch(value) is not None


class _Bad(ValueError):
    """A malformed entry; the message says which field."""


def _file_to_json(item: PublishedFile) -> dict[str, str]:
    return {"path": item.path, "mime_type": item.mime_type}


def record_to_dict(record: EpisodeRecord) -> dict[str, Any]:
    """A JSON-ready dict of ``record`` (datetimes as ISO 8601 with their offset)."""
    return {
        "id": record.id,
        "guid": record.guid,
        "number": record.number,
        "title": record.title,
        "pub_date": record.pub_date.isoformat(),
        "summary": record.summary,
        "audio": _file_to_json(record.audio),
        "audio_size": record.audio_size,
        "duration": record.duration,
        "chapters": [
            {"title": c.title, "start": c.start, "end": c.end, "url": c.url, "img": c.img}
            for c in record.chapters
        ],
        "chapters_file": _file_to_json(record.chapters_file),
        "transcripts": [_file_to_json(t) for t in record.transcripts],
        "page": record.page,
        "episode_type": record.episode_type,
        "season": record.season,
        "guests": list(record.guests),
    }


def _get(raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in raw:
        raise _Bad(f"missing '{key}'")
    value = raw[key]
    # bool is an int subclass; a number field holding true/false is still wrong.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _Bad(f"'{key}' has the wrong type")
    if not isinstance(value, kind):
        raise _Bad(f"'{key}' has the wrong type")
    return value


def _seconds(raw: Mapping[str, Any], key: str) -> float:
    value = float(_get(raw, key, (int, float)))
    if not (math.isfinite(value) and 0.0 <= value <= MAX_SECONDS):
        raise _Bad(f"'{key}' must be a number of seconds from 0 to {MAX_SECONDS:.0f}")
    return value


def _in_episode_folder(item: PublishedFile, episode_id: str, key: str) -> None:
    """Refuse a path that is not a plain file name in ``episodes/<id>/``: builds delete by it."""
    folder, _, name = item.path.rpartition("/")
    if folder != f"episodes/{episode_id}" or not _FILE_NAME_RE.fullmatch(name):
        raise _Bad(f"'{key}' path {item.path!r} is not a file in episodes/{episode_id}/")


def _file_from_json(raw: Any, key: str) -> PublishedFile:
    if not isinstance(raw, Mapping):
        raise _Bad(f"'{key}' must be an object")
    return PublishedFile(path=_get(raw, "path", str), mime_type=_get(raw, "mime_type", str))


def _season(raw: Mapping[str, Any]) -> int | None:
    """The record's season; absent (indexes written before seasons) or null is no season."""
    if raw.get("season") is None:
        return None
    season: int = _get(raw, "season", int)
    if not 1 <= season <= MAX_SEASON:
        raise _Bad(f"'season' must be from 1 to {MAX_SEASON} or null")
    return season


def _guests(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The record's guests; absent (indexes written before guests) is none."""
    if "guests" not in raw:
        return ()
    guests = _get(raw, "guests", list)
    if len(guests) > MAX_GUESTS or not all(
            isinstance(g, str) and g.strip() and len(g) <= MAX_NAME for g in guests):
        raise _Bad(f"'guests' must be at most {MAX_GUESTS} names of 1 to {MAX_NAME} characters")
    return tuple(guests)


def record_from_dict(raw: Any) -> EpisodeRecord:
    """Rebuild a record from :func:`record_to_dict` output; raises ValueError naming the field."""
    if not isinstance(raw, Mapping):
        raise _Bad("an episode must be an object")
    try:
        pub_date = datetime.fromisoformat(_get(raw, "pub_date", str))
    except ValueError as exc:
        raise _Bad(f"'pub_date' is not an ISO 8601 date: {exc}") from exc
    if pub_date.tzinfo is None:
        raise _Bad("'pub_date' has no time zone")
    chapters_raw = _get(raw, "chapters", list)
    chapters = []
    for ch in chapters_raw:
        if not isinstance(ch, Mapping):
            raise _Bad("a chapter must be an object")
        url = ch.get("url")
        if url is not None and not isinstance(url, str):
            raise _Bad("a chapter 'url' must be a string or null")
        img = ch.get("img")  # absent in indexes written before chapter images
        if img is not None and (not isinstance(img, str) or safe_url(img) != img):
            raise _Bad("a chapter 'img' must be an http(s) URL or null")
        start, end = _seconds(ch, "start"), _seconds(ch, "end")
        if end < start:
            raise _Bad("a chapter ends before it starts")
        chapters.append(PublishedChapter(title=_get(ch, "title", str), start=start, end=end,
                                         url=url, img=img))
    number = _get(raw, "number", int)
    if not 1 <= number <= MAX_NUMBER:
        raise _Bad(f"'number' must be from 1 to {MAX_NUMBER}")
    episode_type = _get(raw, "episode_type", str)
    if episode_type not in _EPISODE_TYPES:
        raise _Bad(f"'episode_type' must be one of {', '.join(_EPISODE_TYPES)}")
    size = _get(raw, "audio_size", int)
    if not 0 <= size <= MAX_SIZE:
        raise _Bad("'audio_size' must be a size in bytes")
    episode_id = _get(raw, "id", str)
    if not is_episode_id(episode_id):
        raise _Bad(f"'id' {episode_id!r} is not an episode id (letters, digits, '.', '_', '-')")
    guid = _get(raw, "guid", str)
    if not guid.strip():
        raise _Bad("'guid' is empty")
    season, guests = _season(raw), _guests(raw)
    record = EpisodeRecord(
        id=episode_id,
        guid=guid,
        number=number,
        title=_get(raw, "title", str),
        pub_date=pub_date,
        summary=_get(raw, "summary", str),
        audio=_file_from_json(_get(raw, "audio", dict), "audio"),
        audio_size=size,
        duration=_seconds(raw, "duration"),
        chapters=tuple(chapters),
        chapters_file=_file_from_json(_get(raw, "chapters_file", dict), "chapters_file"),
        transcripts=tuple(
            _file_from_json(t, "transcripts") for t in _get(raw, "transcripts", list)
        ),
        page=_get(raw, "page", str),
        episode_type=episode_type,
        season=season,
        guests=guests,
    )
    files = [("audio", record.audio), ("chapters_file", record.chapters_file),
             *(("transcripts", t) for t in record.transcripts),
             ("page", PublishedFile(record.page, "text/html"))]
    for key, item in files:
        _in_episode_folder(item, episode_id, key)
    return record


def _sorted(records: Iterable[EpisodeRecord]) -> list[EpisodeRecord]:
    # Newest first; the episode number breaks ties so the order never depends on input order.
    return sorted(records, key=lambda r: (r.pub_date, r.number, r.id), reverse=True)


def load_index(path: Path) -> list[EpisodeRecord]:
    """Read the index at ``path``, newest first; a missing file is an empty index.

    A damaged file raises :class:`UserError` naming the file and the problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the episode index: {exc}", path=path) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"the episode index is not valid JSON ({exc.msg}); restore it from a backup or fix it",
            path=path, line=exc.lineno, column=exc.colno,
        ) from exc
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, nesting 10**5 deep
        raise UserError(f"the episode index cannot be read as JSON: {exc}", path=path) from exc
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), list):
        raise UserError("the episode index has no 'episodes' list", path=path)
    if data.get("version") != INDEX_VERSION:
        raise UserError(
            f"the episode index has version {data.get('version')!r}; this audiodigest reads "
            f"version {INDEX_VERSION}", path=path)
    records: list[EpisodeRecord] = []
    for pos, raw in enumerate(data["episodes"], start=1):
        try:
            records.append(record_from_dict(raw))
        except (ValueError, TypeError) as exc:
            raise UserError(f"episode #{pos} in the episode index is damaged: {exc}",
                            path=path) from exc
    for attr in ("id", "guid"):
        seen: set[str] = set()
        for record in records:
            value = getattr(record, attr)
            if value in seen:
                raise UserError(f"the episode index lists {attr} {value!r} twice", path=path)
            seen.add(value)
    return _sorted(records)


def save_index(path: Path, records: Iterable[EpisodeRecord]) -> Path:
    """Write ``records`` (sorted newest first) to ``path`` atomically."""
    episodes = [record_to_dict(r) for r in _sorted(records)]
    payload = {"version": INDEX_VERSION, "episodes": episodes}
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    log.debug("writing episode index %s (%d episodes)", path, len(episodes))
    return atomic_write(path, text)


def upsert(records: Iterable[EpisodeRecord], record: EpisodeRecord) -> list[EpisodeRecord]:
    """Add ``record``, or replace the one with its id keeping that one's guid and number.

    Returns a new list, newest first; ``records`` is not changed.
    """
    kept: list[EpisodeRecord] = []
    new = record
    for old in records:
        if old.id == record.id:
            new = replace(record, guid=old.guid, number=old.number)
        else:
            kept.append(old)
    return _sorted([*kept, new])


def remove(records: Iterable[EpisodeRecord], episode_id: str) -> list[EpisodeRecord]:
    """The records without the one whose id is ``episode_id`` (newest first)."""
    return _sorted(r for r in records if r.id != episode_id)


def next_number(records: Iterable[EpisodeRecord]) -> int:
    """The episode number a new episode gets: one more than the highest so far."""
    return max((r.number for r in records), default=0) + 1
