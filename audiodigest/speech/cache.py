"""A content-addressed cache of synthesised segments.

The key is a SHA-256 over everything that changes a segment's audio (engine, engine version,
voice, settings, spoken text, cache format). Entries live at ``root/ab/abcdef....pcm``, each a
52-byte header (magic, sample rate, frame count, SHA-256 of the samples) followed by the mono
int16 samples, so a truncated or damaged entry is detected on read, removed and treated as a
miss. Entries are written atomically; readers touch them so pruning by age keeps what builds use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from audiodigest.fsutil import atomic_write
from audiodigest.models import Pcm, Voice

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
MAGIC = b"ADSEG01\n"
_HEADER = struct.Struct("<8sIQ32s")  # magic, sample rate, frames, sha256(samples)
_KEY_RE = re.compile(r"^[0-9a-f]{64}$")
_STALE_TEMP_SECONDS = 3600.0


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    oldest: datetime | None  # last use (mtime) of the least recently used entry
    newest: datetime | None


@dataclass(frozen=True)
class PruneResult:
    removed: int
    freed_bytes: int
    kept: int
    kept_bytes: int


def encode_entry(pcm: Pcm) -> bytes:
    """The on-disk form of a segment: header + samples."""
    samples = pcm.data[: pcm.frames * 2]  # a stray odd byte is not a sample
    digest = hashlib.sha256(samples).digest()
    return _HEADER.pack(MAGIC, pcm.sample_rate, pcm.frames, digest) + samples


def decode_entry(blob: bytes) -> Pcm:
    """Parse an entry; raises ValueError saying what is wrong if it is not intact."""
    if len(blob) < _HEADER.size:
        raise ValueError(f"shorter than its header ({len(blob)} bytes)")
    magic, rate, frames, digest = _HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise ValueError("not a segment file (bad magic)")
    data = blob[_HEADER.size:]
    if len(data) != frames * 2:
        raise ValueError(f"truncated: {len(data)} of {frames * 2} sample bytes")
    if rate <= 0:
        raise ValueError("bad sample rate")
    if hashlib.sha256(data).digest() != digest:
        raise ValueError("checksum mismatch")
    return Pcm(data, rate)


class SegmentCache:
    """Segments by key under ``root``; safe for several processes at once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key(voice: Voice, engine_version: str, spoken: str, voice_name: str | None = None) -> str:
        """SHA-256 (hex) of a canonical JSON of everything that changes the audio.

        ``voice_name`` stands for ``voice.voice`` when the engine names its voices otherwise
        (see :func:`audiodigest.speech.engines.voice_identity`).
        """
        doc = {
            "format": CACHE_FORMAT,
            "engine": voice.engine,
            "engine_version": engine_version,
            "voice": voice.voice if voice_name is None else voice_name,
            "settings": sorted([k, v] for k, v in voice.settings),
            "text": spoken,
        }
        canon = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / key[:2] / f"{key}.pcm"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> Pcm | None:
        """The segment for ``key``, or None on a miss (a damaged entry is deleted and missed)."""
        path = self.path(key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); synthesising again", path, exc)
            return None
        try:
            pcm = decode_entry(blob)
        except ValueError as exc:
            log.warning("cache entry %s is damaged (%s); removing it", path, exc)
            path.unlink(missing_ok=True)
            return None
        # Mark the last use, for prune(older_than_days=...); a read-only cache still serves hits.
        with contextlib.suppress(OSError):
            os.utime(path)
        return pcm

    def shape(self, key: str) -> tuple[int, int] | None:
        """(frames, sample rate) of a stored segment from its header alone, or None.

        The samples are checked when the segment itself is read (:meth:`get`).
        """
        try:
            with open(self.path(key), "rb") as fh:
                head = fh.read(_HEADER.size)
        except OSError:
            return None
        if len(head) < _HEADER.size:
            return None
        magic, rate, frames, _digest = _HEADER.unpack(head)
        return (frames, rate) if magic == MAGIC else None

    def put(self, key: str, pcm: Pcm) -> None:
        """Store ``pcm`` atomically; concurrent writers of one key both succeed (last wins,
        and both wrote the same bytes for the same key)."""
        atomic_write(self.path(key), encode_entry(pcm))

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if not (sub.is_dir() and len(sub.name) == 2):
                continue
            for entry in sub.iterdir():
                if entry.suffix == ".pcm" and _KEY_RE.match(entry.stem):
                    try:
                        yield entry, entry.stat()
                    except FileNotFoundError:
                        continue  # removed by another process meanwhile

    def stats(self) -> CacheStats:
        count = size = 0
        oldest = newest = None
        for _path, st in self._entries():
            count += 1
            size += st.st_size
            oldest = st.st_mtime if oldest is None else min(oldest, st.st_mtime)
            newest = st.st_mtime if newest is None else max(newest, st.st_mtime)

        def when(ts: float | None) -> datetime | None:
            return datetime.fromtimestamp(ts, UTC) if ts is not None else None

        return CacheStats(count, size, when(oldest), when(newest))

    def prune(self, keep: set[str] | None = None, older_than_days: float | None = None,
              max_bytes: int | None = None) -> PruneResult:
        """Remove entries, never those in ``keep``: first those unused for more than
        ``older_than_days``, then the least recently used until the rest fit ``max_bytes``.
        Leftover temporary files older than an hour (from killed writers) are removed too.
        With no criteria, nothing but such leftovers is removed."""
        keep = keep or set()
        now = time.time()
        entries = sorted(self._entries(), key=lambda e: e[1].st_mtime)
        removed = freed = 0
        survivors: list[tuple[Path, os.stat_result]] = []
        for path, st in entries:
            too_old = (older_than_days is not None
                       and now - st.st_mtime > older_than_days * 86400.0)
            if too_old and path.stem not in keep:
                removed, freed = removed + self._remove(path), freed + st.st_size
            else:
                survivors.append((path, st))
        if max_bytes is not None:
            total = sum(st.st_size for _p, st in survivors)
            rest: list[tuple[Path, os.stat_result]] = []
            for path, st in survivors:  # oldest first
                if total > max_bytes and path.stem not in keep:
                    removed, freed = removed + self._remove(path), freed + st.st_size
                    total -= st.st_size
                else:
                    rest.append((path, st))
            survivors = rest
        self._remove_stale_temps(now)
        return PruneResult(removed, freed, len(survivors), sum(st.st_size for _p, st in survivors))

    @staticmethod
    def _remove(path: Path) -> int:
        path.unlink(missing_ok=True)
        return 1

    def _remove_stale_temps(self, now: float) -> None:
        if not self.root.is_dir():
            return
        for temp in self.root.glob("??/.*.tmp*"):
            try:
                if now - temp.stat().st_mtime > _STALE_TEMP_SECONDS:
                    temp.unlink(missing_ok=True)
            except FileNotFoundError:
                continue
