"""A content-addressed cache of synthesised segments (a segment: one sentence's speech, as
the engine returned it; see :mod:`audiodigest.audio` for pieces and chunks).

The key is a SHA-256 over everything that changes a segment's audio (engine, engine version,
voice, settings, spoken text, cache format). Entries live at ``root/ab/abcdef....pcm``, each a
52-byte header (magic, sample rate, frame count, SHA-256 of magic, rate, frame count and samples)
followed by the mono int16 samples. An entry is untrusted input: a truncated or damaged one, a
header that disagrees with its samples, a sample rate outside 8-192 kHz or other than the one
the engine speaks at is a miss (removed, and synthesized again), never audio at the wrong speed
or a giant allocation. Entries are written atomically; readers touch them so pruning by age
keeps what builds use.
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

from audiodigest.errors import EngineError
from audiodigest.fsutil import atomic_write, remove_inside
from audiodigest.models import Pcm, Voice

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
# 02: the checksum covers the header too (01 left the sample rate outside it); 01 entries are
# misses, so they are made again once.
MAGIC = b"ADSEG02\n"
_HEADER = struct.Struct("<8sIQ32s")  # magic, sample rate, frames, sha256(fields + samples)
_FIELDS = struct.Struct("<8sIQ")
MIN_RATE, MAX_RATE = 8000, 192000
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


def _checksum(rate: int, frames: int, samples: bytes) -> bytes:
    digest = hashlib.sha256(_FIELDS.pack(MAGIC, rate, frames))
    digest.update(samples)
    return digest.digest()


def encode_entry(pcm: Pcm) -> bytes:
    """The on-disk form of a segment: header + samples."""
    if not MIN_RATE <= pcm.sample_rate <= MAX_RATE:
        raise ValueError(f"a segment at {pcm.sample_rate} Hz cannot be cached")
    samples = pcm.data[: pcm.frames * 2]  # a stray odd byte is not a sample
    digest = _checksum(pcm.sample_rate, pcm.frames, samples)
    return _HEADER.pack(MAGIC, pcm.sample_rate, pcm.frames, digest) + samples


def _check_header(head: bytes, size: int, rate_wanted: int | None) -> tuple[int, int, bytes]:
    """(rate, frames, checksum) of a header that fits an entry of ``size`` bytes; else ValueError."""
    if len(head) < _HEADER.size:
        raise ValueError(f"shorter than its header ({len(head)} bytes)")
    magic, rate, frames, digest = _HEADER.unpack_from(head)
    if magic != MAGIC:
        raise ValueError("not a segment file of this version (bad magic)")
    if size - _HEADER.size != frames * 2:
        raise ValueError(f"{size - _HEADER.size} sample bytes where the header says {frames * 2}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"sample rate {rate} Hz is out of range")
    if rate_wanted is not None and rate != rate_wanted:
        raise ValueError(f"sample rate {rate} Hz, but the voice speaks at {rate_wanted} Hz")
    return rate, frames, digest


def decode_entry(blob: bytes, rate: int | None = None) -> Pcm:
    """Parse an entry; raises ValueError saying what is wrong if it is not intact.

    ``rate``, when known, is the sample rate the entry must have (the engine's for the voice).
    """
    found, frames, digest = _check_header(blob[: _HEADER.size], len(blob), rate)
    data = blob[_HEADER.size:]
    if _checksum(found, frames, data) != digest:
        raise ValueError("checksum mismatch")
    return Pcm(data, found)


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

    @property
    def voices(self) -> Path:
        """A local folder for what engines derive from their voices (split Piper models)."""
        return self.root / "voices"

    def describe(self) -> str:
        """Where the segments live, for messages."""
        return str(self.root)

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str, rate: int | None = None) -> Pcm | None:
        """The segment for ``key``, or None on a miss (a damaged entry is deleted and missed).

        ``rate``, when given, is the sample rate the segment must have; any other is damage.
        """
        blob = self._read(key)
        if blob is None:
            return None
        try:
            pcm = decode_entry(blob, rate)
        except ValueError as exc:
            log.warning("cache entry %s is damaged (%s); removing it", self._where(key), exc)
            self._discard(key)
            return None
        self._touch(key)
        return pcm

    # --- the storage under the entries (other stores override these four) -------------------

    def _where(self, key: str) -> str:
        return str(self.path(key))

    def _read(self, key: str) -> bytes | None:
        """The entry's bytes; None when there is none or it cannot be read."""
        path = self.path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache entry %s unreadable (%s); synthesising again", path, exc)
            return None

    def _write(self, key: str, entry: bytes) -> None:
        atomic_write(self.path(key), entry)

    def _discard(self, key: str) -> None:
        remove_inside(self.root, self.path(key))

    def _touch(self, key: str) -> None:
        # Mark the last use, for prune(older_than_days=...); a read-only cache still serves hits.
        with contextlib.suppress(OSError):
            os.utime(self.path(key))

    def shape(self, key: str, rate: int | None = None) -> tuple[int, int] | None:
        """(frames, sample rate) of a stored segment, or None on a miss (as :meth:`get`).

        The whole entry is checked, not only its header: the layout is sized by this answer.
        """
        pcm = self.get(key, rate)
        return None if pcm is None else (pcm.frames, pcm.sample_rate)

    def put(self, key: str, pcm: Pcm) -> None:
        """Store ``pcm`` atomically; concurrent writers of one key both succeed (last wins,
        and both wrote the same bytes for the same key)."""
        try:
            entry = encode_entry(pcm)
        except ValueError as exc:
            raise EngineError(f"the speech engine made audio the cache cannot keep: {exc}") from exc
        self._write(key, entry)

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

    def _remove(self, path: Path) -> int:
        remove_inside(self.root, path)
        return 1

    def _remove_stale_temps(self, now: float) -> None:
        if not self.root.is_dir():
            return
        for temp in self.root.glob("??/.*.tmp*"):
            try:
                if now - temp.stat().st_mtime > _STALE_TEMP_SECONDS:
                    remove_inside(self.root, temp)
            except FileNotFoundError:
                continue
