"""``publish --to URL``: publish one snapshot of the output to any fsspec target (``s3://``
for every S3-compatible store through s3fs, ``sftp://`` through paramiko, ...).

The same promises as the folder target (:mod:`audiodigest.publish.deploy`): one
:func:`~audiodigest.publish.deploy.snapshot` decides the files; media and other files go up
first, then the pages, then ``feed.xml``, so the feed never names an object that is not there
(each object store PUT is all-or-nothing). A manifest in the target remembers the size and
SHA-256 of what was published: an object whose manifest entry matches the local file and that
is still there with that size is not uploaded again, and ``prune`` deletes only objects an
earlier publish recorded, after the new feed is up. Objects get a ``Content-Type`` and a
``Cache-Control`` where the store keeps them (S3). Credentials and the endpoint come from the
store's own configuration (for S3: the AWS environment and config files, ``AWS_ENDPOINT_URL``
for other stores), never from show.toml.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from audiodigest.errors import OutputError, UserError
from audiodigest.fsutil import sha256_bytes, sha256_file
from audiodigest.killpoint import kill_point
from audiodigest.publish.deploy import (
    FEED_FILE,
    MANIFEST,
    PublishReport,
    _source,
    manifest_bytes,
    parse_manifest,
    snapshot,
)
from audiodigest.publish.server import content_type

log = logging.getLogger(__name__)

# A target starting like "s3:" or "sftp://" names a scheme, never a local folder (a
# one-letter prefix would be a Windows drive).
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
# Media, chapter, transcript and cover files carry a hash of their content in their name
# (episode-<10 hex>.mp3, chapters-<10 hex>.json, cover-<8 hex>.png): they never change.
_HASH_NAMED = re.compile(r".+-[0-9a-f]{8,}\.[A-Za-z0-9]+")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
_INSTALL_HINT = {"s3": "s3fs (pip install 'audiodigest[s3]')",
                 "sftp": "paramiko (pip install 'audiodigest[sftp]')"}


def target_scheme(to: str) -> str | None:
    """The scheme of a ``--to`` target (lower case), or None for a local folder path.

    >>> target_scheme("s3://bucket/show"), target_scheme("./www"), target_scheme("s3:x")
    ('s3', None, 's3')
    """
    match = _SCHEME.match(to)
    return match.group(1).lower() if match else None


def local_path(to: str) -> Path | None:
    """The folder a ``--to`` target names (a plain path or ``file://``), else None."""
    scheme = target_scheme(to)
    if scheme is None:
        return Path(to)
    if scheme in ("file", "local") and to.split(":", 1)[1].startswith("//"):
        return Path(to.split(":", 1)[1][2:] or "/")
    return None


def open_target(to: str) -> tuple[Any, str]:
    """The fsspec filesystem and the root path inside it for the URL ``to``; a UserError
    naming --to when the scheme is unknown or its package is not installed."""
    import fsspec

    scheme = target_scheme(to) or ""
    if not to[len(scheme) + 1:].startswith("//"):
        raise UserError(f"--to {to!r}: not a URL (SCHEME://...); for a local folder named "
                        f"like this, write ./{to}")
    try:
        fsspec.get_filesystem_class(scheme)
    except ValueError:
        raise UserError(f"--to {to!r}: unknown scheme {scheme}:// (use a folder, s3:// or "
                        "sftp://)") from None
    except ImportError:
        need = _INSTALL_HINT.get(scheme, "the package fsspec names for it")
        raise UserError(f"--to {to!r}: {scheme}:// needs {need}, which is not installed") \
            from None
    options = {"host_key_policy": _known_hosts_policy()} if scheme in ("sftp", "ssh") else {}
    try:
        fs, root = fsspec.core.url_to_fs(to, **options)
    except Exception as exc:  # any library's own error for a bad URL or connection
        raise UserError(f"--to {to!r}: cannot open the target: {_why(exc)}") from exc
    return fs, root.rstrip("/")


def _known_hosts_policy() -> Any:
    """A paramiko host key policy accepting only a server whose key ``~/.ssh/known_hosts``
    lists (fsspec's default would trust any key on first sight): connect once with ``ssh``
    to record it."""
    import paramiko

    class KnownHosts(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            known = paramiko.HostKeys()
            with contextlib.suppress(OSError, paramiko.SSHException):  # none known yet
                known.load(str(Path("~/.ssh/known_hosts").expanduser()))
            if not known.check(hostname, key):
                raise paramiko.SSHException(
                    f"the host key of {hostname} is not in ~/.ssh/known_hosts; connect once "
                    "with ssh to check and record it")

    return KnownHosts()


def cache_control(rel: str) -> str:
    """Hash-named files are immutable; the feed, pages and the rest may change."""
    name = PurePosixPath(rel).name
    return IMMUTABLE if rel != FEED_FILE and _HASH_NAMED.fullmatch(name) else SHORT


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _headers(fs: Any, rel: str) -> dict[str, str]:
    if not _is_s3(fs):
        return {}  # other stores keep no per-object headers
    return {"ContentType": content_type(Path(rel)), "CacheControl": cache_control(rel)}


def publish_remote(output_dir: Path, to: str, *, prune: bool = False, dry_run: bool = False,
                   on_upload: Callable[[str], None] | None = None) -> PublishReport:
    """Publish the site in ``output_dir`` to the fsspec URL ``to``; ``feed.xml`` goes last.

    The caller holds the show's output lock (shared). ``on_upload`` is called with each
    relative path once its object is in place. With ``dry_run`` nothing is changed; the report
    says what would be uploaded, left alone and (with ``prune``) deleted.
    """
    src = Path(output_dir)
    if not src.is_dir():
        raise UserError("nothing to publish: the output folder does not exist; run a build "
                        "first", path=src)
    src = src.resolve()
    fs, root = open_target(to)

    def key(rel: str) -> str:
        return f"{root}/{rel}" if root else rel

    def call(what: str, rel: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except FileNotFoundError as exc:
            if what in ("read", "list"):  # no manifest or nothing there yet
                raise
            raise OutputError(f"cannot {what} {to.rstrip('/')}/{rel}: {_why(exc)}") from exc
        except Exception as exc:  # the store's own errors: one line naming the object
            raise OutputError(f"cannot {what} {to.rstrip('/')}/{rel}: {_why(exc)}") from exc

    def read_manifest() -> bytes:
        return bytes(call("read", MANIFEST, lambda: fs.cat_file(key(MANIFEST))))

    previous = parse_manifest(read_manifest, f"{to.rstrip('/')}/{MANIFEST}", strict=prune)
    shot = snapshot(src)
    fs.invalidate_cache()  # the store may have changed since this process last looked
    try:
        listing = call("list", "", lambda: fs.find(root, detail=True))
    except FileNotFoundError:
        listing = {}
    present = {str(path)[len(root) + 1:] if root else str(path): info.get("size")
               for path, info in listing.items()}

    entries: dict[str, dict[str, object]] = {}
    uploads: list[tuple[str, Callable[[], None]]] = []
    skipped: list[str] = []
    for rel in shot.files:
        if rel == FEED_FILE:
            size, digest = len(shot.feed), sha256_bytes(shot.feed)
        else:
            path = src / rel
            try:
                if _source(src, rel) is None:
                    raise FileNotFoundError(f"{rel} is gone from the output folder")
                size, digest = path.stat().st_size, sha256_file(path)
            except OSError as exc:
                raise OutputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
        entries[rel] = {"size": size, "sha256": digest}
        old = previous.get(rel)
        if old is not None and old == entries[rel] and present.get(rel) == size:
            skipped.append(rel)
            continue
        uploads.append((rel, _uploader(fs, key(rel), rel, src, shot.feed)))

    doomed = [rel for rel in sorted(previous) if rel not in entries and rel in present]
    if not prune:  # still there and still ours: remembered for a later prune
        entries.update({rel: previous[rel] for rel in doomed})
        doomed = []
    if dry_run:
        return PublishReport(dest=to, copied=tuple(rel for rel, _ in uploads),
                             skipped=tuple(skipped), removed=tuple(doomed), dry_run=True)

    # Everything that may be in the target from now on is recorded before the feed goes up,
    # so an interrupted run leaves nothing a later prune cannot find; the feed keeps its old
    # entry until it is up (else a rerun could take the old feed for the new one).
    staged = {**previous, **{rel: e for rel, e in entries.items() if rel != FEED_FILE}}
    for rel, upload in uploads:
        if rel == FEED_FILE:
            call("write", MANIFEST, lambda: fs.pipe_file(key(MANIFEST), manifest_bytes(staged),
                                                         **_headers(fs, MANIFEST)))
            kill_point("publish-before-feed")
        call("upload", rel, upload)
        log.debug("published %s", rel)
        if on_upload is not None:
            on_upload(rel)
        kill_point("publish-upload")

    removed: list[str] = []
    for rel in doomed:  # the new feed is up: nothing it names is removed
        call("delete", rel, functools.partial(fs.rm_file, key(rel)))
        removed.append(rel)
    call("write", MANIFEST, lambda: fs.pipe_file(key(MANIFEST), manifest_bytes(entries),
                                                 **_headers(fs, MANIFEST)))
    copied = tuple(rel for rel, _ in uploads)
    log.info("published to %s: %d uploaded, %d unchanged, %d removed", to, len(copied),
             len(skipped), len(removed))
    return PublishReport(dest=to, copied=copied, skipped=tuple(skipped),
                         removed=tuple(removed))


def _is_s3(fs: Any) -> bool:
    return "s3" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def _uploader(fs: Any, key: str, rel: str, src: Path, feed: bytes) -> Callable[[], None]:
    headers = _headers(fs, rel)

    # An object store's PUT is all-or-nothing; on a file server (sftp) the file is written
    # under a temporary name and renamed into place, so a web server never serves half of it.
    renamed = not _is_s3(fs)

    def upload() -> None:
        # Folders matter only to stores that have them; on S3 makedirs could even create a
        # missing bucket, which must stay an error.
        if renamed and "/" in key:
            fs.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
        dest = f"{key.rsplit('/', 1)[0]}/.{key.rsplit('/', 1)[-1]}.{uuid.uuid4().hex[:8]}.part" \
            if renamed else key
        if rel == FEED_FILE:
            fs.pipe_file(dest, feed, **headers)
        else:
            source = _source(src, rel)
            if source is None:
                raise FileNotFoundError(f"{rel} is gone from the output folder")
            fs.put_file(str(source), dest, **headers)
        if renamed:
            fs.mv(dest, key)

    return upload
