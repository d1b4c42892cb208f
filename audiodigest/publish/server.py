"""A preview server for the output folder, behaving like a podcast host should.

aiohttp's ``FileResponse`` does the heavy lifting (byte ranges with 206/416, HEAD, ETag and
Last-Modified with conditional GET). This module adds what a podcast host needs on top:

* the right types for feeds, audio, chapters and transcripts;
* safe path resolution: no ``..``, no dotfiles, no absolute or encoded escapes, no symlinks
  leading out of the folder, no directory listings;
* RFC 9110 range details FileResponse lacks: a Range header that is malformed, uses another
  unit or asks for several ranges is ignored (200 with the whole file), ``bytes=-0`` is
  unsatisfiable (416), and an ``If-Range`` ETag that no longer matches gives the whole file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from aiohttp import hdrs, web

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


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` (already percent-decoded) names, or None.

    Refuses anything that could leave ``root`` or expose hidden files; a folder resolves to
    its ``index.html``.
    """
    if "\x00" in url_path or "\\" in url_path:
        return None
    parts = [p for p in url_path.split("/") if p]
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


def _range_action(header: str | None, size: int) -> str:
    """How to treat a Range header: 'none' (ignore it), 'pass' (let FileResponse serve it)
    or 'unsatisfiable'."""
    if header is None:
        return "none"
    match = _SINGLE_RANGE.match(header.strip())
    if not match:
        return "none"  # other units, several ranges, or malformed: RFC 9110 allows ignoring
    first, last = match.groups()
    if not first and not last:
        return "none"
    if first and last and int(last) < int(first):
        return "none"  # syntactically invalid byte-range-spec: must be ignored
    if not first and int(last) == 0:
        return "unsatisfiable"  # a zero-length suffix selects nothing
    if first and int(first) >= size:
        return "unsatisfiable"
    return "pass"


def _etag(path: Path) -> str:
    st = path.stat()
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'  # the same value FileResponse sends


def make_app(root: Path) -> web.Application:
    """An aiohttp application serving the files under ``root`` (read-only: GET and HEAD)."""
    base = Path(root).resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = request.match_info.get("path", "")
        # An encoded slash or backslash would be decoded into a separator by some servers;
        # no file of ours has one in its name, so refuse it outright.
        if re.search(r"%(2f|5c|00)", request.raw_path.split("?", 1)[0], re.IGNORECASE):
            raise web.HTTPNotFound()
        path = resolve(base, raw)
        if path is None:
            raise web.HTTPNotFound()
        if path.name == "index.html" and not raw.endswith("index.html") and raw and \
                not request.path.endswith("/"):
            # /episodes/x -> /episodes/x/ so the page's relative links resolve.
            location = request.path + "/"
            if request.query_string:
                location += "?" + request.query_string
            raise web.HTTPMovedPermanently(location)

        size = path.stat().st_size
        headers = {hdrs.CONTENT_TYPE: content_type(path),
                   hdrs.CACHE_CONTROL: _cache_control(path),
                   "X-Content-Type-Options": "nosniff"}
        action = _range_action(request.headers.get(hdrs.RANGE), size)
        if_range = request.headers.get(hdrs.IF_RANGE, "").strip()
        if action == "pass" and if_range[:1] in ('"', "W") and if_range != _etag(path):
            action = "none"  # the client's copy is outdated: send the whole current file
        if action == "unsatisfiable":
            return web.Response(status=416, headers={
                hdrs.CONTENT_RANGE: f"bytes */{size}", hdrs.ACCEPT_RANGES: "bytes"})
        response = web.FileResponse(path, headers=headers)
        if action == "none" and hdrs.RANGE in request.headers:
            # Serve the whole file as if no Range had been sent.
            stripped = request.headers.copy()
            del stripped[hdrs.RANGE]
            stripped.pop(hdrs.IF_RANGE, None)
            await response.prepare(request.clone(headers=stripped))
            return response
        return response

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


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``root`` on ``host:port`` until interrupted (Ctrl-C)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError("nothing to serve: the output folder does not exist; run a build "
                        "first", path=root)
    log.info("serving %s at http://%s:%d/", root, host, port)
    try:
        web.run_app(make_app(root), host=host, port=port, print=None,
                    access_log=logging.getLogger("audiodigest.publish.server.access"))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


__all__ = ["make_app", "serve", "content_type", "resolve"]
