"""What ``audiodigest fetch`` remembers between runs, in ``.audiodigest/fetch/``.

``state.json`` holds, per source URL, the validators of the last answer (for a conditional GET)
and the checksum of its body, kept beside it in ``bodies/`` so a 304 still has something to
read; the ids of the articles each fetched digest used, by date (so an article is never in two
episodes); and the checksum of each digest file it wrote (so it never overwrites one a person
edited). The file is untrusted on reading back: an entry of the wrong shape is ignored (the
source is then fetched in full), a body whose checksum fails is not used, and a file that is
not JSON at all is a warning and a fresh start. Everything is written atomically.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from audiodigest.fetch.http import MAX_BYTES, Validators
from audiodigest.fsutil import atomic_write, sha256_bytes
from audiodigest.sources.ids import ID_HEX_CHARS

log = logging.getLogger(__name__)

VERSION = 1
MAX_STATE_BYTES = 16 * 1024 * 1024
MAX_USED = 50_000  # ids remembered; the oldest days are forgotten first
MAX_HEADER_CHARS = 1024
_SHA = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(rf"[0-9a-f]{{{ID_HEX_CHARS}}}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Held:
    """The copy of a source held from its last answer."""

    validators: Validators
    body: str  # sha256 of the body file
    content_type: str | None = None
    url: str | None = None  # where the body came from, after redirects


@dataclass
class FetchState:
    """The fetcher's memory; see the module docstring. :meth:`load` and :meth:`save`."""

    folder: Path
    sources: dict[str, Held] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)  # article id -> day (YYYY-MM-DD)
    written: dict[str, str] = field(default_factory=dict)  # day -> sha256 of the digest
    warnings: list[str] = field(default_factory=list)

    @property
    def file(self) -> Path:
        return self.folder / "state.json"

    def body_path(self, sha: str) -> Path:
        return self.folder / "bodies" / f"{sha}.body"

    @classmethod
    def load(cls, folder: Path) -> FetchState:
        state = cls(folder)
        try:
            with open(state.file, "rb") as handle:
                data = handle.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return state
        except OSError as exc:
            state.warnings.append(f"{state.file}: unreadable ({exc.strerror}); fetching every "
                                  "source in full")
            return state
        try:
            if len(data) > MAX_STATE_BYTES:
                raise ValueError("too large")
            raw = json.loads(data)
            if not isinstance(raw, dict) or raw.get("version") != VERSION:
                raise ValueError("not a fetch state of this version")
        except ValueError as exc:
            state.warnings.append(f"{state.file}: not a fetch state ({exc}); starting afresh")
            return state
        state.sources = {url: held for url, item in _dict(raw.get("sources")).items()
                         if (held := _held(item)) is not None}
        state.used = {key: day for key, day in _dict(raw.get("used")).items()
                      if _ID.fullmatch(key) and isinstance(day, str) and _DAY.fullmatch(day)}
        state.written = {day: sha for day, sha in _dict(raw.get("written")).items()
                         if _DAY.fullmatch(day) and isinstance(sha, str) and _SHA.fullmatch(sha)}
        return state

    def body(self, url: str) -> tuple[Held, bytes] | None:
        """The held copy of ``url`` and its body, if both are there and the body checks."""
        held = self.sources.get(url)
        if held is None:
            return None
        try:
            with open(self.body_path(held.body), "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError:
            return None
        return (held, data) if sha256_bytes(data) == held.body else None

    def hold(self, url: str, validators: Validators, body: bytes, content_type: str | None,
             final_url: str) -> None:
        """Keep ``body`` as the copy of ``url`` (written at once; the state at :meth:`save`)."""
        sha = sha256_bytes(body)
        path = self.body_path(sha)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, body)
        self.sources[url] = Held(validators, sha, content_type, final_url)

    def earlier_ids(self, day: date) -> set[str]:
        """Ids of the articles digests fetched for days before ``day`` used."""
        stamp = day.isoformat()
        return {key for key, used_on in self.used.items() if used_on < stamp}

    def record(self, day: date, ids: list[str], digest_sha: str) -> None:
        """``day``'s digest used ``ids`` (replacing what an earlier run for that day used)."""
        stamp = day.isoformat()
        self.used = {key: used_on for key, used_on in self.used.items() if used_on != stamp}
        self.used.update(dict.fromkeys(ids, stamp))
        if len(self.used) > MAX_USED:
            keep = sorted(self.used.items(), key=lambda item: item[1])[-MAX_USED:]
            self.used = dict(keep)
        self.written[stamp] = digest_sha

    def save(self) -> None:
        """Write the state, and remove bodies no source holds any more."""
        data = {
            "version": VERSION,
            "sources": {url: {"etag": held.validators.etag,
                              "last_modified": held.validators.last_modified,
                              "body": held.body, "content_type": held.content_type,
                              "url": held.url}
                        for url, held in sorted(self.sources.items())},
            "used": dict(sorted(self.used.items())),
            "written": dict(sorted(self.written.items())),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.file, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        keep = {held.body for held in self.sources.values()}
        bodies = self.folder / "bodies"
        if bodies.is_dir():
            for path in bodies.glob("*.body"):
                if path.stem not in keep and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)


def _dict(value: Any) -> dict[str, Any]:
    return {k: v for k, v in value.items() if isinstance(k, str)} if isinstance(value, dict) \
        else {}


def _header(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_HEADER_CHARS and value.isprintable():
        return value
    return None


def _held(item: Any) -> Held | None:
    if not isinstance(item, dict):
        return None
    body = item.get("body")
    if not isinstance(body, str) or not _SHA.fullmatch(body):
        return None
    url = item.get("url")
    return Held(Validators(_header(item.get("etag")), _header(item.get("last_modified"))), body,
                _header(item.get("content_type")), url if isinstance(url, str) else None)
