"""``publish --to``: copy the output folder into a web root without ever exposing a feed that
points at files that are not there.

What is published is one snapshot of the output (:func:`snapshot`, read under the show's
output lock): the feed is read first and decides the file list, exactly the files it names
plus the pages and the files they link to; that same feed is written last. Order: media and
other files first, then the HTML pages, then ``feed.xml``; each file is copied to a temporary
name beside its target and renamed into place, so a web server only ever serves whole files.
Files whose size and SHA-256 already match are left alone, so a second run copies nothing. A
manifest in the destination (:data:`MANIFEST`) remembers what was published, so ``prune``
removes only files this tool put there. Nothing is written or deleted through a symbolic link
that leads out of the destination.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from audiodigest.errors import OutputError, UserError
from audiodigest.fsutil import atomic_path, atomic_write, sha256_bytes, sha256_file

log = logging.getLogger(__name__)

MANIFEST = ".audiodigest-published.json"
FEED_FILE = "feed.xml"


@dataclass(frozen=True)
class PublishReport:
    """What :func:`publish_to` did; paths are relative to the destination, in copy order."""

    dest: Path | str
    copied: tuple[str, ...]
    skipped: tuple[str, ...]
    removed: tuple[str, ...]
    dry_run: bool = False  # nothing was changed: copied and removed are what a run would do

    @property
    def changed(self) -> bool:
        return bool(self.copied or self.removed)

    def lines(self) -> list[str]:
        """One line per file: ``upload``, ``unchanged`` or ``delete`` and its path."""
        return ([f"upload    {rel}" for rel in self.copied]
                + [f"unchanged {rel}" for rel in self.skipped]
                + [f"delete    {rel}" for rel in self.removed])

    def __str__(self) -> str:
        if self.dry_run:
            return (f"dry run, nothing changed: {len(self.copied)} file(s) to upload, "
                    f"{len(self.skipped)} unchanged, {len(self.removed)} to delete")
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


def _safe_rel(rel: str) -> bool:
    """True if ``rel`` is a plain relative path that cannot climb out of its folder."""
    path = PurePosixPath(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts and "\\" not in rel \
        and "\x00" not in rel


def contained(root: Path, rel: str) -> Path | None:
    """``root / rel`` if it stays inside ``root`` (already resolved) with every symbolic link
    on the way resolved, else None. The last component itself is not followed: replacing or
    unlinking a link never touches what it points at, and callers check what it is."""
    if not _safe_rel(rel):
        return None
    path = root / rel
    try:
        parent = path.parent.resolve()
    except (OSError, RuntimeError):
        return None
    if parent != root and not parent.is_relative_to(root):
        return None
    return path


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the output: the feed's bytes and the files it and the pages
    need (relative paths, in publish order, the feed last)."""

    feed: bytes
    files: tuple[str, ...]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


# Elements naming one of our files, by local name, and the attribute holding its URL.
_FILE_ATTRIBUTES = {"enclosure": "url", "chapters": "url", "transcript": "url", "image": "href"}


def _feed_files(feed: bytes) -> set[str]:
    """The output files ``feed`` names: every URL under the folder of its own (self) URL."""
    try:
        root = ElementTree.fromstring(feed)
    except ElementTree.ParseError as exc:
        raise UserError(f"the feed is not valid XML ({exc}); run a build again",
                        path=FEED_FILE) from exc
    atom = "{http://www.w3.org/2005/Atom}link"
    selves = [e.get("href", "") for e in root.iter(atom) if e.get("rel") == "self"]
    if not selves or not selves[0].endswith("/" + FEED_FILE):
        raise UserError("the feed has no self link ending in /feed.xml, so the files it names "
                        "cannot be told; run a build again", path=FEED_FILE)
    base = selves[0][: -len(FEED_FILE)]
    values: list[str] = []
    for element in root.iter():
        name = str(element.tag).rsplit("}", 1)[-1]
        if name in _FILE_ATTRIBUTES:
            values += [v for k, v in element.attrib.items() if k == _FILE_ATTRIBUTES[name]]
    # The cover's <url> and each episode's page; the channel's own <link> is the show's site,
    # which need not be ours.
    values += [e.text.strip() for e in root.iterfind("./channel/image/url") if e.text]
    values += [e.text.strip() for e in root.iterfind("./channel/item/link") if e.text]
    found = set()
    for value in values:
        if value.startswith(base):
            rel = unquote(urlsplit(value[len(base):]).path)
            if rel and rel != FEED_FILE:
                found.add(rel + "index.html" if rel.endswith("/") else rel)
    return found


def _page_files(src: Path, page: str) -> set[str]:
    """The output files the page at ``page`` links to by a relative URL."""
    parser = _Links()
    parser.feed((src / page).read_text(encoding="utf-8", errors="replace"))
    found = set()
    for link in parser.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            continue  # elsewhere, or a fragment of this page
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if rel == "." or link.endswith("/"):
            rel = posixpath.join(rel, "index.html") if rel != "." else "index.html"
        if _safe_rel(rel) and rel != FEED_FILE:
            found.add(rel)
    return found


def _pages(src: Path) -> list[str]:
    """Every page (``*.html``) under ``src``, hidden files and folders excluded."""
    found: list[str] = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_dir = Path(folder).relative_to(src)
        found += [(rel_dir / n).as_posix() for n in sorted(files)
                  if not n.startswith(".") and n.endswith((".html", ".htm"))]
    return found


def _source(src: Path, rel: str) -> Path | None:
    """The regular file ``rel`` names inside ``src`` (no link leading out of it), or None."""
    path = contained(src, rel)
    if path is None:
        return None
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(src) and real.is_file() else None


def snapshot(src: Path) -> Snapshot:
    """Read the output in ``src`` as one state: the feed first, then what it names, then the
    pages and what they link to. Hold the show's output lock (shared) around this and the
    copy, so no build changes the output in between.

    A file the feed names that is not in the output is an error: publishing that feed would
    point podcast apps at a missing file. A page's link to a missing file is only logged.
    """
    try:
        feed = (src / FEED_FILE).read_bytes()
    except FileNotFoundError:
        raise UserError("nothing to publish: there is no feed.xml in the output folder; run "
                        "a build first", path=src) from None
    except OSError as exc:
        raise OutputError(f"cannot read: {exc.strerror or exc}", path=src / FEED_FILE) from exc
    named = _feed_files(feed)
    missing = sorted(rel for rel in named if _source(src, rel) is None)
    if missing:
        raise UserError(f"the feed names {missing[0]}, which is not a file in the output folder"
                        f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; "
                        "run a build again", path=src / FEED_FILE)
    files = set(named)
    for page in _pages(src):
        if _source(src, page) is None:
            continue
        files.add(page)
        for rel in _page_files(src, page):
            if _source(src, rel) is None:
                log.warning("%s links to %s, which is not in the output folder", page, rel)
            else:
                files.add(rel)
    return Snapshot(feed=feed, files=tuple(publish_order(sorted(files)) + [FEED_FILE]))


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


def parse_manifest(read: Callable[[], bytes], where: str | Path, *,
                   strict: bool) -> dict[str, dict[str, object]]:
    """The files an earlier publish recorded (``read()`` gives the manifest's bytes, raising
    FileNotFoundError when there is none), each checked: a relative path inside the
    destination with its size and SHA-256.

    A bad entry is dropped with a warning (so it is never deleted). A damaged file is a
    one-line UserError naming it when ``strict`` (prune, which deletes by it), else ignored
    with a warning.
    """
    def bad(why: str, exc: BaseException | None = None) -> dict[str, dict[str, object]]:
        if strict:
            raise UserError(f"the publish manifest is damaged ({why}); without it the files "
                            "to remove are unknown: delete it and publish again without "
                            "removing", path=where) from exc
        log.warning("ignoring a damaged publish manifest %s: %s", where, why)
        return {}

    try:
        data = json.loads(read().decode("utf-8"))
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
            log.warning("%s: ignoring a bad entry: %s", where, problem)
    return good


def manifest_bytes(entries: dict[str, dict[str, object]]) -> bytes:
    """The manifest recording ``entries`` (relative path -> size and sha256)."""
    return (json.dumps({"version": 1, "files": dict(sorted(entries.items()))}, indent=1)
            + "\n").encode("utf-8")


def _load_manifest(path: Path, *, strict: bool) -> dict[str, dict[str, object]]:
    return parse_manifest(path.read_bytes, path, strict=strict)


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


def _same(dest: Path, size: int, digest: str) -> bool:
    try:
        if dest.is_symlink() or not dest.is_file() or dest.stat().st_size != size:
            return False
        return sha256_file(dest) == digest
    except OSError:
        return False


def _copy(write: Callable[[Path], None], dest: Path) -> None:
    try:
        with atomic_path(dest) as tmp:
            write(tmp)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot copy: {exc.strerror or exc}", path=dest) from exc


def _remove_empty_parents(path: Path, stop: Path) -> None:
    folder = path.parent
    while folder != stop and folder.is_relative_to(stop):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or not ours to remove)
        folder = folder.parent


def _in_target(target: Path, rel: str) -> Path:
    path = contained(target, rel)
    if path is None:
        raise OutputError(f"{rel} would be written through a symbolic link leading out of the "
                          "destination; remove the link or publish elsewhere", path=target)
    return path


def publish_to(output_dir: Path, dest: Path, *, prune: bool = False, dry_run: bool = False,
               on_copy: Callable[[str], None] | None = None) -> PublishReport:
    """Copy the site in ``output_dir`` to the web root ``dest``; ``feed.xml`` goes last.

    What is published is one :func:`snapshot`: the feed read first, exactly the files it
    names, the pages and what they link to, and then that same feed. The caller holds the
    show's output lock (shared) so no build changes the output meanwhile.

    Identical files (same size and SHA-256) are skipped. With ``prune``, files an earlier
    publish put in ``dest`` that are no longer published are removed (after the new feed is
    in place, so the feed never points at a removed file). Nothing is written or removed
    through a symbolic link leading out of ``dest``. With ``dry_run`` nothing is written or
    removed; the report says what would be. ``on_copy`` is called with each relative
    path right after it has been put in place. Refuses a ``dest`` inside ``output_dir`` or the
    other way round.
    """
    src, target = _check_paths(Path(output_dir), Path(dest))
    manifest_path = target / MANIFEST
    previous = _load_manifest(manifest_path, strict=prune)
    shot = snapshot(src)
    # Every destination is checked before anything is copied.
    destinations = {rel: _in_target(target, rel) for rel in shot.files}

    copied: list[str] = []
    skipped: list[str] = []
    entries: dict[str, dict[str, object]] = {}
    for rel in shot.files:
        write: Callable[[Path], None]
        if rel == FEED_FILE:
            size, digest = len(shot.feed), sha256_bytes(shot.feed)

            def write(tmp: Path) -> None:
                tmp.write_bytes(shot.feed)
        else:
            source = _source(src, rel)
            try:
                if source is None:
                    raise FileNotFoundError(f"{rel} is gone from the output folder")
                size = source.stat().st_size
                digest = sha256_file(source)
            except OSError as exc:
                raise OutputError(f"cannot read: {exc.strerror or exc}",
                                  path=src / rel) from exc

            def write(tmp: Path, source: Path = source) -> None:
                shutil.copyfile(source, tmp)
        entries[rel] = {"size": size, "sha256": digest}
        destination = destinations[rel]
        if _same(destination, size, digest):
            skipped.append(rel)
            continue
        if dry_run:
            copied.append(rel)
            continue
        _copy(write, destination)
        copied.append(rel)
        log.debug("published %s", rel)
        if on_copy is not None:
            on_copy(rel)

    removed: list[str] = []
    for rel in sorted(previous):
        if rel in entries:
            continue
        # A manifest entry is untrusted: it must name a file inside the destination, reached
        # without following a link out of it, and the file itself must not be a link.
        old = contained(target, rel)
        if old is None or old.is_symlink() or not old.is_file():
            if old is not None and old.is_symlink():
                log.warning("not removing %s: it is a symbolic link now", old)
            continue
        if not prune:
            entries[rel] = previous[rel]
            continue
        if dry_run:
            removed.append(rel)
            continue
        try:
            old.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove an old file: {exc.strerror or exc}",
                              path=old) from exc
        _remove_empty_parents(old, target)
        removed.append(rel)

    if dry_run:
        return PublishReport(dest=target, copied=tuple(copied), skipped=tuple(skipped),
                             removed=tuple(removed), dry_run=True)
    atomic_write(manifest_path, manifest_bytes(entries))
    log.info("published to %s: %d copied, %d unchanged, %d removed", target, len(copied),
             len(skipped), len(removed))
    return PublishReport(dest=target, copied=tuple(copied), skipped=tuple(skipped),
                         removed=tuple(removed))
