"""A preview server for the output folder, behaving like a podcast host should.

aiohttp's ``FileResponse`` does the heavy lifting (byte ranges with 206/416, HEAD, ETag and
Last-Modified with conditional GET). This module adds what a podcast host needs on top:

* the right types for feeds, audio, chapters and transcripts;
* safe path resolution: no ``..``, no dotfiles, no absolute or encoded escapes, no symlinks
  leading out of the folder, no directory listings;
* its own bounded Range parser (:func:`choose_range`), so aiohttp never sees a Range it would
  mishandle: a header that is malformed, too long, uses another unit or asks for several
  ranges is ignored (a clean 200 with the whole file), a range past the end or ``bytes=-0`` is
  unsatisfiable (416 with ``Content-Range: bytes */SIZE``), and an ``If-Range`` that no longer
  names the file gives the whole file; no Range makes a traceback or drops the connection;
* redirects (``/episodes/x`` -> ``/episodes/x/``) only ever to a path on this server.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

from aiohttp import hdrs, web
from aiohttp.abc import AbstractStreamWriter

from audiodigest.errors import UserError

log = logging.getLogger(__name__)

# Chapter files (chapters.json, chapters-<tag>.json) are JSON with their own type; other JSON
# (transcripts) is plain application/json.
_CHAPTERS_FILE = re.compile(r"chapters([-_.][\w.-]*)?\.json", re.IGNORECASE)
_TYPES_BY_SUFFIX = {
    ".xml": "application/rss+xml",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".json": "application/json",
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
}
ROOT = web.AppKey("root", Path)  # the served folder, for code holding the app

_TEXT_TYPES = ("text/", "application/rss+xml", "application/json", "application/x-subrip",
               "image/svg+xml")
_PATH_SAFE = "!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "/?"
_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$", re.ASCII | re.IGNORECASE)


def content_type(path: Path) -> str:
    """The Content-Type the server sends for ``path`` (with charset for text)."""
    if _CHAPTERS_FILE.fullmatch(path.name):
        kind = "application/json+chapters"
    else:
        kind = _TYPES_BY_SUFFIX.get(path.suffix.lower(), "application/octet-stream")
    if kind.startswith(_TEXT_TYPES) or kind == "application/json+chapters":
        kind += "; charset=utf-8"
    return kind


def _parts(url_path: str) -> list[str]:
    return [p for p in url_path.split("/") if p]


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` (already percent-decoded) names, or None.

    Refuses anything that could leave ``root`` or expose hidden files; a folder resolves to
    its ``index.html``.
    """
    if "\x00" in url_path or "\\" in url_path:
        return None
    parts = _parts(url_path)
    if any(p.startswith(".") for p in parts):  # '..', '.', dotfiles and dot-folders
        return None
    candidate = root.joinpath(*parts) if parts else root
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root):
        return None
    if real.is_dir():
        real = real / "index.html"
        if not real.is_file():
            return None
    return real if real.is_file() else None


# A Range header longer than this is not one a podcast app sends: it is ignored, unparsed.
_MAX_RANGE_HEADER = 200
_HUGE = 10**18  # stands for any byte position with more digits than a file can have


def _position(digits: str) -> int:
    """A byte position, without converting thousands of digits (Python refuses > 4300)."""
    digits = digits.lstrip("0") or "0"
    return _HUGE if len(digits) > 18 else int(digits)


@dataclass(frozen=True)
class RangeChoice:
    """What to send for a request's Range: ``whole`` (200), ``part`` (206 of bytes
    ``start..end`` inclusive) or ``unsatisfiable`` (416)."""

    kind: str
    start: int = 0
    end: int = 0


_WHOLE = RangeChoice("whole")


def choose_range(header: str | None, size: int) -> RangeChoice:
    """RFC 9110 section 14: one byte range is served; anything else a server may ignore is
    ignored (other units, several ranges, a last position before the first, junk); a range
    that starts past the end or a zero-length suffix is unsatisfiable.

    >>> choose_range("bytes=0-9", 100), choose_range("bytes=-0", 100).kind
    (RangeChoice(kind='part', start=0, end=9), 'unsatisfiable')
    >>> choose_range("bytes=0-1,2-3", 100).kind, choose_range("bytes=90-" + "9" * 150, 100)
    ('whole', RangeChoice(kind='part', start=90, end=99))
    >>> choose_range("bytes=" + "9" * 150 + "-", 100).kind, choose_range("bytes=0-" + "9" * 4400, 100).kind
    ('unsatisfiable', 'whole')
    """
    if header is None or len(header) > _MAX_RANGE_HEADER:
        return _WHOLE
    match = _SINGLE_RANGE.match(header.strip())
    if not match:
        return _WHOLE
    first, last = match.groups()
    if not first and not last:
        return _WHOLE
    if not first:  # the last N bytes
        length = _position(last)
        if length == 0 or size == 0:
            return RangeChoice("unsatisfiable")
        return RangeChoice("part", max(0, size - length), size - 1)
    start = _position(first)
    end = _position(last) if last else _HUGE
    if end < start:
        return _WHOLE  # syntactically invalid byte-range-spec: must be ignored
    if start >= size:
        return RangeChoice("unsatisfiable")
    return RangeChoice("part", start, min(end, size - 1))


def _if_range_holds(value: str, path: Path) -> bool:
    """Whether an If-Range validator still names the current file (RFC 9110 13.1.5): a strong
    ETag equal to ours, or exactly our Last-Modified date; a weak ETag never holds."""
    value = value.strip()
    st = path.stat()
    if value.startswith('"'):
        return value == f'"{st.st_mtime_ns:x}-{st.st_size:x}"'  # the ETag FileResponse sends
    if value.startswith("W/"):
        return False
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    # aiohttp sends the modification time rounded up to the second; accept either rounding.
    return when.tzinfo is not None and \
        math.floor(st.st_mtime) <= when.timestamp() <= math.ceil(st.st_mtime)


class _FileResponse(web.FileResponse):
    """FileResponse serving the byte range this module chose (or the whole file): the
    request's own Range and If-Range never reach aiohttp's parser."""

    def __init__(self, path: Path, headers: dict[str, str], choice: RangeChoice) -> None:
        super().__init__(path, headers=headers)
        self._choice = choice

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        headers = request.headers.copy()
        headers.popall(hdrs.RANGE, None)
        headers.popall(hdrs.IF_RANGE, None)
        if self._choice.kind == "part":
            headers[hdrs.RANGE] = f"bytes={self._choice.start}-{self._choice.end}"
        return await super().prepare(request.clone(headers=headers))


def make_app(root: Path, feed_moved_to: str | None = None) -> web.Application:
    """An aiohttp application serving the files under ``root`` (read-only: GET and HEAD).
    With ``feed_moved_to`` (show.toml's setting), the feed answers 301 to that URL so podcast
    apps follow the show to its new home."""
    base = Path(root).resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = request.match_info.get("path", "")
        if feed_moved_to and _parts(raw) == ["feed.xml"]:
            raise web.HTTPMovedPermanently(feed_moved_to)
        # An encoded slash or backslash would be decoded into a separator by some servers;
        # no file of ours has one in its name, so refuse it outright.
        if re.search(r"%(2f|5c|00)", request.raw_path.split("?", 1)[0], re.IGNORECASE):
            raise web.HTTPNotFound()
        path = resolve(base, raw)
        if path is None:
            raise web.HTTPNotFound()
        if path.name == "index.html" and not raw.endswith("index.html") and raw and \
                not request.path.endswith("/"):
            # /episodes/x -> /episodes/x/ so the page's relative links resolve. The location is
            # rebuilt from the path's parts: always one leading slash, so it stays on this
            # server ('//host/x' would send the client to another one).
            location = "/" + "".join(quote(p, safe=_PATH_SAFE) + "/" for p in _parts(raw))
            if request.query_string:
                location += "?" + quote(request.query_string, safe=_QUERY_SAFE)
            raise web.HTTPMovedPermanently(location)

        headers = {hdrs.CONTENT_TYPE: content_type(path),
                   hdrs.CACHE_CONTROL: _cache_control(path),
                   "X-Content-Type-Options": "nosniff"}
        choice = choose_range(request.headers.get(hdrs.RANGE), path.stat().st_size)
        if_range = request.headers.get(hdrs.IF_RANGE)
        if choice.kind != "whole" and if_range is not None and not _if_range_holds(if_range,
                                                                                   path):
            choice = _WHOLE  # the client's copy is outdated: send the whole current file
        if choice.kind == "unsatisfiable":
            return web.Response(status=416, headers={
                hdrs.CONTENT_RANGE: f"bytes */{path.stat().st_size}",
                hdrs.ACCEPT_RANGES: "bytes"})
        return _FileResponse(path, headers, choice)

    app = web.Application()
    app.router.add_get("/{path:.*}", handle, allow_head=True)
    app[ROOT] = base
    return app


def _cache_control(path: Path) -> str:
    # Feeds and pages change with every episode; media files never change under their name
    # within an hour, but a rebuild may replace them, so keep their lifetime short too.
    if path.suffix.lower() in (".xml", ".html"):
        return "no-cache"
    return "public, max-age=300"


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000,
          feed_moved_to: str | None = None) -> None:
    """Serve ``root`` on ``host:port`` until interrupted (Ctrl-C)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError("nothing to serve: the output folder does not exist; run a build "
                        "first", path=root)
    log.info("serving %s at http://%s:%d/", root, host, port)
    try:
        web.run_app(make_app(root, feed_moved_to), host=host, port=port, print=None,
                    access_log=logging.getLogger("audiodigest.publish.server.access"))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


__all__ = ["make_app", "serve", "content_type", "resolve"]
