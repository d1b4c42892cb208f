"""What every digest reader shares: limits, text cleaning, line kinds, and turning drafts into
:class:`~audiodigest.models.Article` values.

Each format reader produces :class:`Draft` entries (raw strings plus where they came from);
:func:`finish` cleans them, enforces the limits, gives them ids and drops duplicates, so every
format obeys the same rules and reports problems the same way.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from audiodigest.errors import SourceError
from audiodigest.models import Article
from audiodigest.sources import boilerplate
from audiodigest.sources.ids import article_id

log = logging.getLogger(__name__)

MAX_DIGEST_BYTES = 32 * 1024 * 1024  # a digest file larger than this is refused before reading
MAX_ENTRIES = 10_000
MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 20_000
MAX_SOURCE_CHARS = 300
MAX_URL_CHARS = 2_048

# Control characters (Unicode category Cc) other than the whitespace ones, plus lone
# surrogates, which JSON escapes can produce and which no file can store as UTF-8.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Line breaks and ASCII whitespace collapse to one space. No-break spaces are kept: they are
# deliberate ("120 B"), and str.split() would swallow them.
_SPACES = re.compile("[ \t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")


def clean_text(text: str) -> str:
    """One line of text: control characters dropped, whitespace runs collapsed, ends stripped.

    Right-to-left marks, joiners and emoji are kept (they are format characters, not controls).

    >>> clean_text(" a\\tb\\r\\n c\\x07d ")
    'a b cd'
    """
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\x0b\x0c]*\n\s*")


def clean_paragraphs(text: str) -> str:
    """Each blank-line-separated paragraph cleaned as by :func:`clean_text`, empty ones dropped,
    the rest joined by one blank line.

    >>> clean_paragraphs(" One\\nline.\\n\\n\\n  Two. \\n\\n")
    'One line.\\n\\nTwo.'
    """
    paragraphs = (clean_text(part) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(part for part in paragraphs if part)


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for error messages."""
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Where:
    """Where an entry or value was found, for error messages."""

    name: str  # the digest's file name
    line: int | None = None
    label: str = ""  # e.g. "entry 3"

    def error(self, message: str) -> SourceError:
        prefix = f"{self.label}: " if self.label else ""
        return SourceError(prefix + message, path=self.name, line=self.line)


@dataclass
class Draft:
    """An entry as a reader found it, before cleaning and checks.

    ``summary`` may hold several paragraphs separated by blank lines (``"\\n\\n"``); each is
    cleaned on its own and the breaks are kept. ``origin`` says where the entry was found when a
    line number does not (``"article 3"`` in a page); without it the origin is ``name:line``.
    """

    where: Where
    title: str
    summary: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    tags: list[str] = field(default_factory=list)
    origin: str | None = None


@dataclass
class Reading:
    """What a reader returns: its drafts, and what it learned about the digest as a whole."""

    drafts: list[Draft]
    title: str | None = None  # the issue's own title (an e-mail's Subject, a page's H1)
    summary: str | None = None  # an intro paragraph or quote before the first article
    warnings: list[str] = field(default_factory=list)  # one line each where it had to guess


# --- bytes -> text ---------------------------------------------------------------------------


def line_of(data: bytes | str, offset: int) -> int:
    """The 1-based line holding ``offset``."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def check_bytes(data: bytes, name: str) -> None:
    """Refuse empty, oversized and binary input (a NUL byte, with the line where it shows)."""
    if len(data) > MAX_DIGEST_BYTES:
        raise SourceError(
            f"the digest is {len(data):,} bytes; the limit is {MAX_DIGEST_BYTES:,}", path=name
        )
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise SourceError("the digest is empty", path=name)
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceError(
            "binary data (a NUL byte), not a text digest", path=name, line=line_of(data, nul)
        )


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a leading BOM dropped, line ends made ``\\n``) or a :class:`SourceError`."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the digest as UTF-8",
            path=name,
            line=line_of(data, exc.start),
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- values -----------------------------------------------------------------------------------


def check_url(raw: str, where: Where) -> str:
    """An http(s) URL with a host, stripped; anything else is a :class:`SourceError`.

    Only web links are accepted because they end up as links in the show notes, where a
    ``javascript:`` or ``file:`` URL would be harmful.
    """
    url = raw.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    if len(url) > MAX_URL_CHARS:
        raise where.error(f"URL longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or _CONTROL.match(ch) for ch in url):
        raise where.error(f"URL contains spaces or control characters: {shorten(url)!r}")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise where.error(f"not a valid URL: {shorten(url)!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise where.error(f"URL must start with http:// or https://: {shorten(url)!r}")
    return url


def web_url(raw: str | None) -> str | None:
    """``raw`` if it is an acceptable http(s) URL, else None (for incidental links)."""
    if raw is None:
        return None
    try:
        return check_url(raw, Where(""))
    except SourceError:
        return None


def parse_date(raw: object, where: Where) -> datetime | None:
    """A publication date from ISO 8601 or RFC 2822 text, or a YAML date/datetime.

    Aware when the input names a zone; a bare date becomes midnight. None/blank gives None.
    """
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day)
    if not isinstance(raw, str):
        raise where.error("published must be a date such as 2026-11-27 or 2026-11-27T08:00:00Z")
    text = raw.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    raise where.error(
        f"published {shorten(text)!r} is not a date (use 2026-11-27 or 2026-11-27T08:00:00Z)"
    )


# --- line kinds shared by the text and Markdown readers ---------------------------------------


class Kind(enum.Enum):
    BLANK = "blank"
    READ_MORE = "read more"  # value: the URL on the line, if any
    URL = "url"  # a line that is only a URL
    SOURCE = "source"  # "Source: Name", "— Publication", "via Name"; value: the name
    PUBLISHED = "published"  # "Published: 2026-11-27"
    RULE = "rule"  # a horizontal rule: "---", "***", "* * *", "———"
    SPONSOR = "sponsor"  # "Sponsored by Acme", "SPONSOR", "Together with Acme"
    FURNITURE = "furniture"  # "View in browser", "Unsubscribe", "Try it free →", ...
    # Says nothing to a listener: a card's date, reading time, author or counts ("Nov 27 ·
    # 4 min read", "By Jane Doe"), or a line of emoji and symbols alone ("🚀").
    DECORATION = "decoration"
    NUMBERED = "numbered"  # "1. Title — summary", "2) Title"; value: the text after "1."
    BULLET = "bullet"  # "- Title: summary", "• Title"; value: the text after the bullet
    TEXT = "text"


_ARROW = r"(?:→|->|=>|»|›|>|⟶|➜|➔|➡️?|▶️?)"
_READ_MORE_WORDS = r"""(?:
    read\s+more | continue\s+reading | keep\s+reading | read\s+on
  | read\s+(?:the\s+)?full\s+(?:story|article|post|piece|report|text)
  | read\s+the\s+(?:rest|article|story|post)
  | read\s+(?:article|story|post) | full\s+(?:story|article)
)"""
_READ_MORE = re.compile(
    rf"""(?ix){_ARROW}?\s*{_READ_MORE_WORDS}(?:\s+(?:here|online))?
    \s*(?:…|\.\.\.)?\s*(?:{_ARROW}|:|\.)?\s*
    (?:\(?\s*(?P<url><?https?://\S+?>?)\s*\)?\s*)?"""
)
# "... the sail held for 90 days. Read more →" (a card's button pasted onto its summary).
_TRAILING_READ_MORE = re.compile(
    rf"""(?ix)\s+(?:…|\.\.\.|\[)?\s*{_READ_MORE_WORDS}\s*(?:…|\.\.\.)?\s*(?:{_ARROW}|\])?
    \s*(?:\(?\s*(?P<url><?https?://\S+?>?)\s*\)?)?\s*$"""
)
_BARE_URL = re.compile(r"<?https?://\S+?>?", re.IGNORECASE)
_FIELD = re.compile(r"(?P<key>source|published)\s*:\s*(?P<value>\S.*)", re.IGNORECASE)
_RULE = re.compile(r"([-*_=~—–─━═•·#+])(?:[ \t]*\1){2,}")
_NUMBERED = re.compile(r"(?P<n>\d{1,3})[.)][ \t]+(?P<rest>\S.*)")
_BULLET = re.compile(r"[-*•◦▪▸►‣·][ \t]+(?P<rest>\S.*)")


def classify(line: str) -> tuple[Kind, str | None]:
    """What a stripped digest line is, and its value.

    >>> classify("Read more → https://example.com/a")
    (<Kind.READ_MORE: 'read more'>, 'https://example.com/a')
    >>> classify("Continue reading »")
    (<Kind.READ_MORE: 'read more'>, None)
    >>> classify("Read more than 500 papers")[0]
    <Kind.TEXT: 'text'>
    >>> classify("* * *")[0], classify("— Reuters")
    (<Kind.RULE: 'rule'>, (<Kind.SOURCE: 'source'>, 'Reuters'))
    >>> classify("2) Chips get cheaper")
    (<Kind.NUMBERED: 'numbered'>, 'Chips get cheaper')
    """
    if not line:
        return Kind.BLANK, None
    if match := _READ_MORE.fullmatch(line):
        url = match.group("url")
        return Kind.READ_MORE, url.strip("<>") if url else None
    if line[0] in "hH<" and _BARE_URL.fullmatch(line):
        return Kind.URL, line.strip("<>")
    if _RULE.fullmatch(line):
        return Kind.RULE, None
    if match := _FIELD.fullmatch(line):
        kind = Kind.SOURCE if match.group("key").lower() == "source" else Kind.PUBLISHED
        return kind, match.group("value").strip()
    if boilerplate.is_sponsor(line):
        return Kind.SPONSOR, None
    if boilerplate.is_decoration(line):
        return Kind.DECORATION, None
    if boilerplate.is_boilerplate(line):
        return Kind.FURNITURE, None
    if (name := boilerplate.byline(line)) is not None:
        return Kind.SOURCE, name
    if match := _NUMBERED.fullmatch(line):
        return Kind.NUMBERED, match.group("rest")
    if match := _BULLET.fullmatch(line):
        return Kind.BULLET, match.group("rest")
    return Kind.TEXT, None


def item_number(line: str) -> int | None:
    """The number of a numbered item line ("3. Title" gives 3), else None."""
    match = _NUMBERED.fullmatch(line)
    return int(match.group("n")) if match else None


def split_read_more(line: str) -> tuple[str, str | None] | None:
    """A text line that ends with a Read-more button: the text before it, and its URL.

    >>> split_read_more("The sail held for 90 days. Read more →")
    ('The sail held for 90 days.', None)
    >>> split_read_more("Researchers read more papers than ever") is None
    True
    """
    tail = line[-120:].lower()
    if not any(word in tail for word in ("more", "reading", "story", "article", "read on")):
        return None  # the common case, without the search
    match = _TRAILING_READ_MORE.search(line)
    if not match or match.start() == 0:
        return None
    rest = line[: match.start()].rstrip()
    # "…Read more" only counts after the end of a sentence or an ellipsis: "we read more" is prose.
    if not re.search(r"[.!?…)\]\"'”’]$", rest) and "…" not in match.group() and "..." not in match.group():
        return None
    url = match.group("url")
    return rest, url.strip("<>") if url else None


# --- drafts -> articles -----------------------------------------------------------------------


def check_count(count: int, where: Where) -> None:
    """Stop early once a digest has more entries than :data:`MAX_ENTRIES`."""
    if count > MAX_ENTRIES:
        raise where.error(f"more than {MAX_ENTRIES} entries; split the digest")


def _article(draft: Draft) -> Article:
    where = draft.where
    title = clean_text(draft.title)
    if not title:
        raise where.error("entry has no title")
    if len(title) > MAX_TITLE_CHARS:
        raise where.error(
            f"title is longer than {MAX_TITLE_CHARS} characters ({len(title)}): {shorten(title)!r}"
            " (is a blank line missing after it?)"
        )
    summary = clean_paragraphs(draft.summary)
    if not summary:
        raise where.error(f"title {shorten(title)!r} has no summary")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise where.error(
            f"summary of {shorten(title)!r} is longer than {MAX_SUMMARY_CHARS} characters"
            f" ({len(summary)})"
        )
    source = clean_text(draft.source) if draft.source is not None else ""
    if len(source) > MAX_SOURCE_CHARS:
        raise where.error(f"source is longer than {MAX_SOURCE_CHARS} characters")
    url = check_url(draft.url, where) if draft.url is not None and draft.url.strip() else None
    tags = tuple(dict.fromkeys(tag for tag in map(clean_text, draft.tags) if tag))
    origin = draft.origin or (f"{where.name}:{where.line}" if where.line
                              else f"{where.name}: {where.label}" if where.label else where.name)
    return Article(
        id=article_id(url, title),
        title=title,
        summary=summary,
        url=url,
        source=source or None,
        published=draft.published,
        line=where.line,
        tags=tags,
        origin=origin,
    )


def finish(drafts: Iterable[Draft], name: str,
           warnings: list[str] | None = None) -> tuple[Article, ...]:
    """Clean and check every draft, give each an id, and keep the first of any duplicates.

    A dropped duplicate is reported in ``warnings`` (when given) and in the log. Raises
    :class:`SourceError` for the first bad entry, or when there is no entry at all.
    """
    articles: list[Article] = []
    seen: dict[str, Article] = {}
    for count, draft in enumerate(drafts, 1):
        check_count(count, draft.where)
        article = _article(draft)
        first = seen.get(article.id)
        if first is not None:
            message = (f"{article.origin}: {shorten(article.title)!r} repeats the article at "
                       f"{first.origin} (same {'URL' if article.url else 'title'}); "
                       "keeping the first")
            log.warning("%s", message)
            if warnings is not None:
                warnings.append(message)
            continue
        seen[article.id] = article
        articles.append(article)
    if not articles:
        raise SourceError("no articles found in the digest", path=name)
    return tuple(articles)
