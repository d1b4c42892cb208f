"""Plain-text digests.

The format, as read here (UTF-8; a BOM, CRLF line ends and surrounding whitespace are fine)::

    Title of the first article
    A summary paragraph, on one line or wrapped
    over several lines (they are joined with single spaces).
    Source: Example Weekly            <- optional
    Published: 2026-11-27             <- optional, ISO 8601 or RFC 2822
    Read more → https://example.com/first

    Title of the second article
    ...

Rules:

- An entry is a title line followed by its summary lines.
- An entry ends at a blank line or at its ``Read more`` line, whichever comes first. The
  ``Read more`` line is optional; its arrow may be ``→``, ``->``, ``=>``, ``»`` or ``:`` or be
  missing, and it may carry the article's URL (``Read more → https://...``). Without a URL on
  it, a line holding only a URL may follow it (even after a blank line). A ``Read more`` line
  after a blank line belongs to the entry above if that entry had none.
- A line holding only an ``http(s)://`` URL inside an entry is its URL (the first such
  URL wins), never summary text.
- ``Source: Name`` and ``Published: date`` lines inside an entry set those fields.
- A summary is one paragraph: a blank line between a title and its summary, or inside a
  summary, makes a title without a summary, which is an error naming its line.
- Control characters are removed; right-to-left text and emoji are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audiodigest.sources.common import (
    Draft,
    Kind,
    Where,
    check_count,
    classify,
    decode,
    parse_date,
    shorten,
)


@dataclass
class _Entry:
    title: str
    line: int
    index: int
    summary: list[str] = field(default_factory=list)
    url: str | None = None
    source: str | None = None
    published: str | None = None
    published_line: int = 0
    read_more: bool = False

    def where(self, name: str, line: int | None = None) -> Where:
        return Where(name, line or self.line, f"entry {self.index}")


def _draft(entry: _Entry, name: str) -> Draft:
    published = None
    if entry.published is not None:
        published = parse_date(entry.published, entry.where(name, entry.published_line))
    return Draft(
        where=entry.where(name),
        title=entry.title,
        summary=" ".join(entry.summary),
        url=entry.url,
        source=entry.source,
        published=published,
    )


def parse_text(data: bytes, name: str) -> list[Draft]:
    """Read a plain-text digest (format in the module docstring) into drafts, in file order."""
    drafts: list[Draft] = []
    current: _Entry | None = None
    # The entry that just ended, while a "Read more" or URL line may still belong to it.
    last: _Entry | None = None

    def close(entry: _Entry) -> None:
        if not entry.summary:
            raise entry.where(name).error(
                f"title {shorten(entry.title)!r} has no summary (the summary must follow its"
                " title with no blank line between, and be one paragraph)"
            )
        drafts.append(_draft(entry, name))

    for number, raw in enumerate(decode(data, name).split("\n"), 1):
        line = raw.strip()
        kind, value = classify(line)
        if kind is Kind.BLANK:
            if current is not None:
                close(current)
                last, current = current, None
            continue
        if current is None:
            if last is not None and kind is Kind.READ_MORE and not last.read_more:
                last.read_more = True
                if value and last.url is None:
                    drafts[-1].url = last.url = value
                continue
            if last is not None and kind is Kind.URL and last.url is None:
                drafts[-1].url = last.url = value
                continue
            if kind in (Kind.READ_MORE, Kind.URL):
                raise Where(name, number).error(
                    f"{'a Read more' if kind is Kind.READ_MORE else 'a URL'} line with no article"
                    " above it (an article starts with its title)"
                )
            check_count(len(drafts) + 1, Where(name, number))
            current = _Entry(title=line, line=number, index=len(drafts) + 1)
            last = None
            continue
        if kind is Kind.READ_MORE:
            current.read_more = True
            if value and current.url is None:
                current.url = value
            close(current)
            last, current = current, None
        elif kind is Kind.URL:  # a bare URL is a link, never words to read out
            current.url = current.url or value
        elif kind is Kind.SOURCE and current.source is None:
            current.source = value
        elif kind is Kind.PUBLISHED and current.published is None:
            current.published = value
            current.published_line = number
        else:
            current.summary.append(line)
    if current is not None:
        close(current)
    return drafts
