"""Reading digests: the first stage of the pipeline (``sources -> script -> ...``).

A digest is one file of article summaries in one of :data:`FORMATS`; reading it gives a tuple
of :class:`~audiodigest.models.Article` in file order. The format comes from the file's
extension, else from its content (see :func:`detect_format`), unless the caller names it.
Every problem with the input is a one-line :class:`~audiodigest.errors.SourceError` naming the
file and, where there is one, the line.

Formats (details in each module's docstring): ``text`` (:mod:`.text`), ``markdown``
(:mod:`.markdown`), ``json`` and ``yaml`` (:mod:`.structured`), ``feed`` for RSS/Atom
(:mod:`.feed`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from audiodigest.errors import SourceError
from audiodigest.models import Article, Digest
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
from audiodigest.sources.ids import article_id, normalise_title, normalise_url
from audiodigest.sources.markdown import parse_markdown
from audiodigest.sources.structured import parse_json, parse_yaml
from audiodigest.sources.text import parse_text

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("text", "markdown", "json", "yaml", "feed")

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
}

# A reader takes the bytes and the file name and gives its drafts, alone or in a Reading with
# what it learned about the digest as a whole (title, intro, warnings).
_READERS: dict[str, Callable[[bytes, str], list[Draft] | Reading]] = {
    "text": parse_text,
    "markdown": parse_markdown,
    "json": parse_json,
    "yaml": parse_yaml,
    "feed": parse_feed,
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

    Sniffing looks at the start of the file: ``<rss``, ``<feed``, ``<rdf:RDF`` or ``<?xml`` is a
    feed; ``[`` or ``{`` is JSON; ``---``, ``- title:`` or an ``articles:``/``items:``/
    ``entries:`` key is YAML; a line starting with ``# `` (a heading) is Markdown; anything else
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
    if by_extension:
        return by_extension
    head = data[:_SNIFF_BYTES].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if head.startswith(("<rss", "<feed", "<?xml", "<rdf:RDF")):
        return "feed"
    if head.startswith(("[", "{")):
        return "json"
    if _YAML_START.match(head):
        return "yaml"
    if _HEADING.search(head):
        return "markdown"
    return "text"


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
    if fmt != "feed" or not declares_other_encoding(data):
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


def parse_digest(data: bytes, name: str, fmt: str | None = None) -> tuple[Article, ...]:
    """The articles of a digest held in memory (see :func:`parse`)."""
    return parse(data, name, fmt).articles


def read_digest(path: Path, fmt: str | None = None) -> tuple[Article, ...]:
    """The articles of the digest file at ``path`` (see :func:`read`)."""
    return read(path, fmt).articles


def read(path: Path, fmt: str | None = None) -> Digest:
    """Read and parse the digest file at ``path`` (see :func:`parse`).

    Files larger than :data:`MAX_DIGEST_BYTES` are refused before they are read.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SourceError("not a file", path=path)
        if size > MAX_DIGEST_BYTES:
            raise SourceError(
                f"the digest is {size:,} bytes; the limit is {MAX_DIGEST_BYTES:,}", path=path
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such digest file", path=path) from None
    except OSError as exc:
        raise SourceError(f"cannot read the digest: {exc.strerror or exc}", path=path) from None
    return parse(data, str(path), fmt)


def newest_digest(folder: Path) -> Path:
    """The digest in ``folder`` whose file name sorts last (names are dates: 2026-11-27.txt).

    Only files with a known extension (:data:`EXTENSIONS`) count; hidden files are ignored.
    Raises :class:`SourceError` naming the folder when it holds no digest, or when the newest
    name exists with two extensions (which one is meant is unclear).
    """
    folder = Path(folder)
    try:
        candidates = [
            entry
            for entry in folder.iterdir()
            if not entry.name.startswith(".")
            and entry.suffix.lower() in EXTENSIONS
            and entry.is_file()
        ]
    except FileNotFoundError:
        raise SourceError("the digest folder does not exist", path=folder) from None
    except OSError as exc:
        raise SourceError(
            f"cannot list the digest folder: {exc.strerror or exc}", path=folder
        ) from None
    if not candidates:
        known = ", ".join(sorted(EXTENSIONS))
        raise SourceError(f"no digest here (looked for files ending {known})", path=folder)
    newest = max(candidates, key=lambda p: (p.stem, p.name))
    twins = sorted(p.name for p in candidates if p.stem == newest.stem)
    if len(twins) > 1:
        raise SourceError(
            f"more than one digest for {newest.stem}: {', '.join(twins)}; keep one", path=folder
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
    "newest_digest",
    "normalise_title",
    "normalise_url",
    "parse",
    "parse_digest",
    "read",
    "read_digest",
]
