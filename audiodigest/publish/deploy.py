"""``publish --to``: copy the output folder into a web root without ever exposing a feed that
points at files that are not there yet.

Order: media and other files first, then the HTML pages, then ``feed.xml`` last; each file is
copied to a temporary name beside its target and renamed into place, so a web server only ever
serves whole files. Files whose size and SHA-256 already match are left alone, so a second run
copies nothing. A manifest in the destination (:data:`MANIFEST`) remembers what was published,
so ``prune`` removes only files this tool put there.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audiodigest.errors import OutputError, UserError
from audiodigest.fsutil import atomic_path, atomic_write, sha256_file

log = logging.getLogger(__name__)

MANIFEST = ".audiodigest-published.json"
FEED_FILE = "feed.xml"


@dataclass(frozen=True)
class PublishReport:
    """What :func:`publish_to` did; paths are relative to the destination, in copy order."""

    dest: Path
    copied: tuple[str, ...]
    skipped: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.copied or self.removed)

    def __str__(self) -> str:
        return (f"{len(self.copied)} file(s) copied, {len(self.skipped)} unchanged, "
                f"{len(self.removed)} removed")


def _stage(rel: str) -> int:
    # 0: media, cover, assets, chapter and transcript files; 1: pages; 2: the feed.
    if rel == FEED_FILE:
        return 2
    if rel.endswith((".html", ".htm")):
        return 1
    return 0


def publish_order(files: list[str]) -> list[str]:
    """``files`` in the order they must be published: media, then pages, then the feed."""
    return sorted(files, key=lambda rel: (_stage(rel), rel))


def _site_files(src: Path) -> list[str]:
    """Every regular file under ``src`` as a '/'-separated relative path, hidden ones excluded
    (they include half-written temporary files of a build in progress)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_dir = Path(folder).relative_to(src)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_file():
                found.append((rel_dir / name).as_posix())
    return found


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _manifest_problem(rel: object, entry: object) -> str | None:
    """Why a manifest entry cannot be trusted, or None: the manifest is read from the web root,
    and prune deletes by it."""
    if not isinstance(rel, str) or not rel or "\0" in rel or "\\" in rel:
        return f"{rel!r} is not a file path"
    parts = rel.split("/")
    if rel.startswith("/") or any(part in ("", ".", "..") for part in parts):
        return f"{rel!r} is not a plain path inside the destination"
    if not isinstance(entry, dict):
        return f"the entry for {rel!r} is not an object"
    size, digest = entry.get("size"), entry.get("sha256")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return f"the size of {rel!r} is not a number of bytes"
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        return f"the sha256 of {rel!r} is not a SHA-256 in hex"
    return None


def _load_manifest(path: Path, *, strict: bool) -> dict[str, dict[str, object]]:
    """The files an earlier publish recorded, each checked: a relative path inside the
    destination with its size and SHA-256.

    A bad entry is dropped with a warning (so it is never deleted). A damaged file is a
    one-line UserError naming it when ``strict`` (prune, which deletes by it), else ignored
    with a warning.
    """
    def bad(why: str, exc: BaseException | None = None) -> dict[str, dict[str, object]]:
        if strict:
            raise UserError(f"the publish manifest is damaged ({why}); without it the files "
                            "to remove are unknown: delete it and publish again without "
                            "removing", path=path) from exc
        log.warning("ignoring a damaged publish manifest %s: %s", path, why)
        return {}

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:  # also undecodable, too deep
        return bad(str(exc) or type(exc).__name__, exc)
    if not isinstance(data, dict) or data.get("version") != 1:
        return bad("not a version 1 manifest")
    files = data.get("files")
    if not isinstance(files, dict):
        return bad("'files' is not an object")
    good: dict[str, dict[str, object]] = {}
    for rel, entry in files.items():
        problem = _manifest_problem(rel, entry)
        if problem is None:
            good[rel] = entry
        else:  # never deleted, never carried on into the next manifest
            log.warning("%s: ignoring a bad entry: %s", path, problem)
    return good


def _check_paths(src: Path, dest: Path) -> tuple[Path, Path]:
    if not src.is_dir():
        raise UserError("nothing to publish: the output folder does not exist; run a build "
                        "first", path=src)
    real_src = src.resolve()
    real_dest = dest.resolve()
    if real_dest == real_src or real_dest.is_relative_to(real_src):
        raise UserError("the destination is inside the output folder; choose a folder "
                        "outside it", path=dest)
    if real_src.is_relative_to(real_dest):
        raise UserError("the output folder is inside the destination; choose another "
                        "destination", path=dest)
    if real_dest.exists() and not real_dest.is_dir():
        raise UserError("the destination exists and is not a folder", path=dest)
    return real_src, real_dest


def _same(src: Path, dest: Path, src_size: int, src_hash: str) -> bool:
    try:
        if not dest.is_file() or dest.stat().st_size != src_size:
            return False
        return sha256_file(dest) == src_hash
    except OSError:
        return False


def _copy(src: Path, dest: Path) -> None:
    try:
        with atomic_path(dest) as tmp:
            shutil.copyfile(src, tmp)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot copy {src}: {exc.strerror or exc}", path=dest) from exc


def _remove_empty_parents(path: Path, stop: Path) -> None:
    folder = path.parent
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or not ours to remove)
        folder = folder.parent


def publish_to(output_dir: Path, dest: Path, *, prune: bool = False,
               on_copy: Callable[[str], None] | None = None) -> PublishReport:
    """Copy the site in ``output_dir`` to the web root ``dest``; ``feed.xml`` goes last.

    Identical files (same size and SHA-256) are skipped. With ``prune``, files an earlier
    publish put in ``dest`` that are no longer in the output are removed (after the new feed
    is in place, so the feed never points at a removed file). ``on_copy`` is called with each
    relative path right after it has been put in place. Refuses a ``dest`` inside
    ``output_dir`` or the other way round.
    """
    src, target = _check_paths(Path(output_dir), Path(dest))
    manifest_path = target / MANIFEST
    previous = _load_manifest(manifest_path, strict=prune)
    files = publish_order(_site_files(src))

    copied: list[str] = []
    skipped: list[str] = []
    entries: dict[str, dict[str, object]] = {}
    for rel in files:
        source = src / rel
        try:
            size = source.stat().st_size
            digest = sha256_file(source)
        except OSError as exc:
            raise OutputError(f"cannot read: {exc.strerror or exc}", path=source) from exc
        entries[rel] = {"size": size, "sha256": digest}
        destination = target / rel
        if _same(source, destination, size, digest):
            skipped.append(rel)
            continue
        _copy(source, destination)
        copied.append(rel)
        log.debug("published %s", rel)
        if on_copy is not None:
            on_copy(rel)

    removed: list[str] = []
    for rel in sorted(previous):
        if rel in entries:
            continue
        old = target / rel
        # A manifest entry must stay inside the destination, whatever the file says.
        if not prune or ".." in Path(rel).parts or Path(rel).is_absolute():
            if old.is_file():
                entries[rel] = previous[rel]
            continue
        if old.is_file():
            try:
                old.unlink()
            except OSError as exc:
                raise OutputError(f"cannot remove an old file: {exc.strerror or exc}",
                                  path=old) from exc
            _remove_empty_parents(old, target)
            removed.append(rel)

    manifest = {"version": 1, "files": dict(sorted(entries.items()))}
    atomic_write(manifest_path, json.dumps(manifest, indent=1) + "\n")
    log.info("published to %s: %d copied, %d unchanged, %d removed", target, len(copied),
             len(skipped), len(removed))
    return PublishReport(dest=target, copied=tuple(copied), skipped=tuple(skipped),
                         removed=tuple(removed))
