"""Reading digests: the first stage of the pipeline (``sources -> script -> ...``).

A digest is one file of article summaries in one of :data:`FORMATS`; reading it gives a tuple
of :class:`~audiodigest.models.Article` in file order. The format comes from the file's
extension, else from its content (see :func:`detect_format`), unless the caller names it.
Every problem with the input is a one-line :class:`~audiodigest.errors.SourceError` naming the
file and, where there is one, the line.

Formats (details in each module's docstring): ``text`` (:mod:`.text`), ``markdown``
(:mod:`.markdown`), ``json`` and ``yaml`` (:mod:`.structured`), ``feed`` for RSS/Atom
(:mod:`.feed`), ``jsonfeed`` for JSON Feed (:mod:`.jsonfeed`), ``html`` for saved pages
(:mod:`.html`), ``email`` for ``.eml`` newsletters (:mod:`.mail`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from audiodigest.errors import SourceError
from audiodigest.fsutil import read_regular
from audiodigest.models import Digest
from audiodigest.sources.common import (
    MAX_DIGEST_BYTES,
    MAX_ENTRIES,
    MAX_SOURCE_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    Draft,
    Reading,
    check_bytes,
    clean_paragraphs,
    clean_text,
    decode,
    finish,
)
from audiodigest.sources.feed import declares_other_encoding, parse_feed
from audiodigest.sources.html import declared_charset, looks_like_html, parse_html
from audiodigest.sources.ids import article_id, normalise_title, normalise_url
from audiodigest.sources.jsonfeed import is_json_feed, parse_jsonfeed
from audiodigest.sources.mail import looks_like_email, parse_email
from audiodigest.sources.markdown import parse_markdown
from audiodigest.sources.structured import parse_json, parse_yaml
from audiodigest.sources.text import parse_text

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("text", "markdown", "json", "yaml", "feed", "jsonfeed", "html",
                            "email")

EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".html": "html",
    ".htm": "html",
    ".eml": "email",
    ".jsonfeed": "jsonfeed",
}

# A reader takes the bytes and the file name and gives its drafts, alone or in a Reading with
# what it learned about the digest as a whole (title, intro, warnings).
_READERS: dict[str, Callable[[bytes, str], list[Draft] | Reading]] = {
    "text": parse_text,
    "markdown": parse_markdown,
    "json": parse_json,
    "yaml": parse_yaml,
    "feed": parse_feed,
    "html": parse_html,
    "email": parse_email,
    "jsonfeed": parse_jsonfeed,
}

_SNIFF_BYTES = 4096
_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_YAML_START = re.compile(r"(?:---|- *title *:|(?:articles|items|entries) *:)")
# Evidence that a ".txt" file is really Markdown or HTML; one "# " line or one "<" is not.
_MD_LINK = re.compile(r"\[[^\]\n]+\]\((?:https?://|/|#)[^)\s]*\)")
_HTML_ROOT = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                        re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(
    r"</?(p|div|a|br|table|tr|td|span|h[1-6]|ul|ol|li|article|section|body|head|img|strong|em)"
    r"(?=[\s>/])[^<>]*>", re.IGNORECASE)
_TEXT_EXTENSIONS = (".txt", ".text")


def _sniff_text(data: bytes) -> str | None:
    """"markdown" or "html" when a text file holds strong evidence of being one, else None.

    >>> _sniff_text(b"# Weekly\\n\\n## One\\nSummary.\\n\\n## Two\\nSummary.")
    'markdown'
    >>> _sniff_text(b"# 42 is the answer\\nA summary with a < sign.") is None
    True
    """
    head = data[: _SNIFF_BYTES * 16].decode("utf-8", "replace")
    if _HTML_ROOT.match(head) or len({m.group(1).lower() for m in _HTML_TAG.finditer(head)}) >= 3:
        return "html"
    headings = len(_HEADING.findall(head))
    if headings >= 2 or (headings == 1 and len(_MD_LINK.findall(head)) >= 2):
        return "markdown"
    return None


def detect_format(data: bytes, name: str) -> str:
    """The format of a digest: from the extension of ``name``, else sniffed from the content.

    Sniffing looks at the start of the file: ``<!doctype html``, ``<html`` or a body of tags is
    HTML; RFC 822 headers (``From:`` with ``Subject:``, ``Date:``, ``MIME-Version:``…) are an
    e-mail; ``<rss``, ``<feed``, ``<rdf:RDF`` or ``<?xml`` is a
    feed; ``[`` or ``{`` is JSON; ``---``, ``- title:`` or an ``articles:``/``items:``/
    ``entries:`` key is YAML; a line starting with ``# `` (a heading) is Markdown; anything else
    is plain text. A JSON object whose ``version`` is a jsonfeed.org version is a JSON Feed,
    whatever its extension (``.json``, ``.feed.json``, ``.jsonfeed``).
    is plain text. A ``.txt`` file is read as Markdown when it has two or more headings (or one
    and two links), as HTML when it is an HTML document or uses three kinds of HTML tags.

    >>> detect_format(b"[]", "2026-11-27")
    'json'
    >>> detect_format(b"Title\\nSummary", "digest.md")
    'markdown'
    """
    suffix = Path(name).suffix.lower()
    if suffix in _TEXT_EXTENSIONS and (sniffed := _sniff_text(data)) and sniffed in _READERS:
        return sniffed  # a page or newsletter saved as ".txt"
    by_extension = EXTENSIONS.get(suffix)
    if by_extension == "json" and is_json_feed(data):
        return "jsonfeed"
    if by_extension:
        return by_extension
    head = data[:_SNIFF_BYTES].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if looks_like_html(head):
        return "html"
    if looks_like_email(head):
        return "email"
    if head.startswith(("<rss", "<feed", "<?xml", "<rdf:RDF")):
        return "feed"
    if head.startswith(("[", "{")):
        return "jsonfeed" if is_json_feed(data) else "json"
    if _YAML_START.match(head):
        return "yaml"
    if _HEADING.search(head):
        return "markdown"
    return "text"


def _decodes_itself(fmt: str, data: bytes) -> bool:
    """True when the format names its own encoding and the reader decodes it (a feed's XML
    declaration, a page's ``<meta charset>``, an e-mail's MIME charsets)."""
    if fmt == "feed":
        return declares_other_encoding(data)
    if fmt == "html":
        return declared_charset(data) not in (None, "utf-8", "utf8")
    return fmt == "email"


def parse(data: bytes, name: str, fmt: str | None = None) -> Digest:
    """Parse a digest held in memory; ``name`` (a file name) is used in errors and to detect
    the format when ``fmt`` (one of :data:`FORMATS`) is None.

    The articles come in file order, duplicates (same id) removed after the first. Raises
    :class:`SourceError` for anything wrong with the input, or an unknown ``fmt``. Touches no
    disk and no network.
    """
    if fmt is not None and fmt not in _READERS:
        raise SourceError(
            f"unknown digest format {fmt!r}; choose one of {', '.join(FORMATS)}", path=name
        )
    check_bytes(data, name)
    fmt = fmt or detect_format(data, name)
    if not _decodes_itself(fmt, data):
        decode(data, name)  # fail early, with a line number, on anything but UTF-8
    reading = _READERS[fmt](data, name)
    if not isinstance(reading, Reading):
        reading = Reading(reading)
    warnings = list(reading.warnings)
    articles = finish(reading.drafts, name, warnings)
    log.debug("%s: %d articles (%s)", name, len(articles), fmt)
    title = clean_text(reading.title) if reading.title else None
    summary = clean_paragraphs(reading.summary) if reading.summary else None
    return Digest(articles, fmt, title or None, summary or None, tuple(warnings))


def read(path: Path, fmt: str | None = None) -> Digest:
    """Read and parse the digest file at ``path`` (see :func:`parse`).

    Files larger than :data:`MAX_DIGEST_BYTES` are refused before they are read.
    """
    path = Path(path)
    data = read_regular(path, MAX_DIGEST_BYTES, "the digest", SourceError,
                        missing="no such digest file")
    return parse(data, str(path), fmt)


# Extensions a digest's name may carry on top of its format's (``2026-12-01.rss.xml``).
_EXTRA_EXTENSIONS = (".rss", ".atom", ".feed", ".json", ".jsonfeed", ".digest")
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[^0-9])")


def digest_stem(path: Path | str) -> str:
    """A digest's name without its extensions: what names its episode.

    >>> digest_stem("digests/2026-12-01.rss.xml")
    '2026-12-01'
    >>> digest_stem("2026-12-01-evening.feed.json")
    '2026-12-01-evening'
    >>> digest_stem("notes.v2.txt")
    'notes.v2'
    """
    name = Path(path).name
    for _ in range(3):
        suffix = Path(name).suffix.lower()
        if not suffix or (suffix not in EXTENSIONS and suffix not in _EXTRA_EXTENSIONS):
            break
        name = name[: -len(suffix)]
    return name


def newest_digest(folder: Path) -> Path:
    """The digest in ``folder`` whose date-led name sorts last (2026-11-27.txt,
    2026-11-27-evening.md).

    Only files with a known extension (:data:`EXTENSIONS`) whose names start with a date
    (YYYY-MM-DD) count, so a README or notes file beside the digests is never taken for one;
    hidden files are ignored. Raises :class:`SourceError` naming the folder when it holds no
    dated digest, or when the newest name exists with two extensions (which one is meant is
    unclear).
    """
    folder = Path(folder)
    try:
        known = [
            entry
            for entry in folder.iterdir()
            if not entry.name.startswith(".")
            and entry.suffix.lower() in EXTENSIONS
            and entry.is_file()
        ]
        candidates = [entry for entry in known if _DATED.match(entry.name)]
    except FileNotFoundError:
        raise SourceError("the digest folder does not exist", path=folder) from None
    except OSError as exc:
        raise SourceError(
            f"cannot list the digest folder: {exc.strerror or exc}", path=folder
        ) from None
    if not candidates:
        if known:
            raise SourceError(
                f"no digest named by date here ({', '.join(sorted(p.name for p in known)[:3])}"
                f"{', …' if len(known) > 3 else ''} do not start with YYYY-MM-DD); name each"
                " digest by its day, e.g. 2026-11-27.txt, or pass --digest FILE",
                path=folder,
            )
        endings = ", ".join(sorted(EXTENSIONS))
        raise SourceError(f"no digest here (looked for files ending {endings})", path=folder)
    newest = max(candidates, key=lambda p: (digest_stem(p), p.name))
    stem = digest_stem(newest)
    twins = sorted(p.name for p in candidates if digest_stem(p) == stem)
    if len(twins) > 1:
        raise SourceError(
            f"more than one digest for {stem}: {', '.join(twins)}; keep one", path=folder
        )
    return newest


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MAX_DIGEST_BYTES",
    "MAX_ENTRIES",
    "MAX_SOURCE_CHARS",
    "MAX_SUMMARY_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_URL_CHARS",
    "article_id",
    "detect_format",
    "digest_stem",
    "newest_digest",
    "normalise_title",
    "normalise_url",
    "parse",
    "read",
]
