"""Segment stores: the segment cache on a local folder or behind any fsspec URL.

:func:`open_store` turns a location into a :class:`~audiodigest.speech.cache.SegmentCache`:
a folder (or ``file://``) is the cache as it always was; any other URL (``s3://bucket/prefix``
on every S3-compatible store, ``gs://``, ``sftp://``, ...) is a :class:`RemoteSegmentStore`
with the same keys, the same layout (``ab/abcdef....pcm``) and the same self-checking entries.
Many shows, machines and cluster workers can share one store: a sentence said by the same voice
is then made once for all of them.

Every write is atomic on every backend: on object stores an entry is one PUT (all or nothing);
on other fsspec filesystems it is written under a temporary name in the same folder and then
renamed. A damaged, truncated or oversized entry is a miss (removed, and made again).
Credentials and endpoints come from the backend's own configuration (for S3 the AWS
environment and files, ``AWS_ENDPOINT_URL`` for other stores), never from show.toml.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiodigest.errors import ConfigError, UserError
from audiodigest.speech.cache import _KEY_RE, CacheStats, PruneResult, SegmentCache

if TYPE_CHECKING:
    from audiodigest.config import ShowConfig

log = logging.getLogger(__name__)

# Protocols whose writes are single all-or-nothing PUTs (no rename is needed, or possible).
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss",
                           "memory"})
# A sentence is seconds of audio: 64 MiB is over 20 minutes at 24 kHz. Anything larger is
# damage, and is never read whole.
MAX_ENTRY_BYTES = 64 << 20
_INSTALL_HINT = {"s3": "s3fs (pip install 'audiodigest[s3]')",
                 "sftp": "paramiko (pip install 'audiodigest[sftp]')"}


class StoreError(UserError):
    """A segment store that cannot be opened (bad URL, unknown scheme, missing package)."""


def is_url(location: str) -> bool:
    """True when ``location`` names a scheme (``s3://...``) rather than a local folder."""
    from audiodigest.publish.remote import target_scheme

    return target_scheme(location) is not None


def open_store(location: str | Path, voices: Path | None = None) -> SegmentCache:
    """The segment store at ``location``: a folder path, ``file://`` or any fsspec URL.

    ``voices`` is the local folder where engines keep what they derive from voices when the
    store is remote (default: ``~/.cache/audiodigest/voices``). Raises StoreError naming the
    location when it cannot be used.
    """
    from audiodigest.publish.remote import local_path, target_scheme

    text = str(location)
    folder = local_path(text) if isinstance(location, str) else Path(location)
    if folder is not None:
        return SegmentCache(folder)
    scheme = target_scheme(text) or ""
    if not text[len(scheme) + 1:].startswith("//"):
        raise StoreError(f"segment store {text!r}: not a URL (SCHEME://...); for a local "
                         f"folder named like this, write ./{text}")
    import fsspec

    try:
        fsspec.get_filesystem_class(scheme)
    except ValueError:
        raise StoreError(f"segment store {text!r}: unknown scheme {scheme}://") from None
    except ImportError:
        need = _INSTALL_HINT.get(scheme, "the package fsspec names for it")
        raise StoreError(f"segment store {text!r}: {scheme}:// needs {need}, which is not "
                         "installed") from None
    try:
        # A fresh instance: fsspec's cached one may still point at an endpoint (AWS_ENDPOINT_URL)
        # or credentials from before; each process opens a store once (see shared_store).
        fs, root = fsspec.core.url_to_fs(text, skip_instance_cache=True)
    except Exception as exc:  # any backend's own error for a bad URL
        raise StoreError(f"segment store {text!r}: cannot open it: {exc}") from exc
    local = voices or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) \
        / "audiodigest" / "voices"
    return RemoteSegmentStore(fs, root.rstrip("/"), text, local,
                              atomic_put=scheme.lower() in OBJECT_STORES)


def store_location(config: ShowConfig) -> str | None:
    """The show's ``[cache] store`` as a location (a relative folder resolved against the show
    folder), or None when the show keeps its own cache only."""
    value = config.cache_store
    if value is None:
        return None
    if is_url(value):
        return value
    return str(config.path(Path(value)))


class RemoteSegmentStore(SegmentCache):
    """Segments in an fsspec filesystem under ``root``; safe for many writers at once (two
    writers of one key write the same bytes; the last complete write wins)."""

    def __init__(self, fs: Any, root: str, url: str, voices: Path, *, atomic_put: bool) -> None:
        super().__init__(voices.parent)
        self.fs = fs
        self.remote_root = root
        self.url = url
        self.atomic_put = atomic_put
        self._voices = voices

    @property
    def voices(self) -> Path:
        return self._voices

    def describe(self) -> str:
        return self.url

    def remote_path(self, key: str) -> str:
        if not _KEY_RE.match(key):
            raise ValueError(f"not a cache key: {key!r}")
        return f"{self.remote_root}/{key[:2]}/{key}.pcm"

    def path(self, key: str) -> Path:
        raise TypeError(f"{self.url} is not a local folder; use get and put")

    def _where(self, key: str) -> str:
        return self.remote_path(key)

    def __contains__(self, key: str) -> bool:
        try:
            return bool(self.fs.isfile(self.remote_path(key)))
        except OSError as exc:
            log.warning("segment store %s: %s", self.url, exc)
            return False

    def _read(self, key: str) -> bytes | None:
        path = self.remote_path(key)
        try:
            blob: bytes = self.fs.cat_file(path, start=0, end=MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("segment store entry %s unreadable (%s); synthesising again", path, exc)
            return None
        if len(blob) > MAX_ENTRY_BYTES:
            log.warning("segment store entry %s is over %d bytes; removing it", path,
                        MAX_ENTRY_BYTES)
            self._discard(key)
            return None
        return blob

    def _write(self, key: str, entry: bytes) -> None:
        path = self.remote_path(key)
        if self.atomic_put:
            self.fs.pipe_file(path, entry)  # one PUT: readers see all of it or none
            return
        folder = path.rsplit("/", 1)[0]
        temp = f"{folder}/.{key}.tmp{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(OSError):
            self.fs.makedirs(folder, exist_ok=True)
        try:
            self.fs.pipe_file(temp, entry)
            self.fs.mv(temp, path)
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm_file(temp)
            raise

    def _discard(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self.fs.rm_file(self.remote_path(key))

    def _touch(self, key: str) -> None:
        """Nothing: object stores keep no access time (expire entries with the store's own
        lifecycle rules)."""

    def stats(self) -> CacheStats:
        raise StoreError(f"{self.url}: statistics cover local cache folders only")

    def prune(self, keep: set[str] | None = None, older_than_days: float | None = None,
              max_bytes: int | None = None) -> PruneResult:
        raise StoreError(f"{self.url}: prune a remote store with its own lifecycle rules")


_opened: dict[str, SegmentCache] = {}
_opened_lock = threading.Lock()


def shared_store(location: str) -> SegmentCache:
    """One store object per location and process (cluster workers reuse their connection)."""
    with _opened_lock:
        store = _opened.get(location)
        if store is None:
            store = _opened[location] = open_store(location)
        return store


def config_error(path: Path, exc: StoreError) -> ConfigError:
    """A store problem found in show.toml, naming the setting."""
    return ConfigError(f"bad value for 'cache.store': {exc.message}", path=path)
