"""Markdown digests, parsed with markdown-it-py (CommonMark).

- Each heading at the *article level* starts an article; its text is the title. The article
  level is the heading level used most often (the deeper one on a tie), so a ``# Digest``
  heading above ``## Article`` headings is a section title, not an article.
- Paragraphs, list items and block quotes up to the next heading at the article level (or
  shallower) form the summary, joined into one paragraph. Deeper headings are dropped (their
  paragraphs still count); code blocks and raw HTML are dropped; text before the first article
  heading is ignored.
- Link text stays in the summary; the URL does not. The article's URL is the one on a
  ``Read more`` line (``[Read more →](https://...)`` or ``Read more → https://...``), else the
  heading's link, else the first http(s) link in its paragraphs.
- Within a paragraph, ``Source: Name`` and ``Published: date`` lines and lines holding only a
  URL work as in the plain-text format.
- A YAML front-matter block (``---`` ... ``---`` at the very top) is skipped.
- Nesting is bounded by markdown-it's ``maxNesting``, so deeply nested input cannot exhaust the
  stack.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from markdown_it import MarkdownIt
from markdown_it.token import Token

from audiodigest.errors import SourceError
from audiodigest.sources.common import (
    Draft,
    Kind,
    Where,
    check_count,
    classify,
    decode,
    parse_date,
    web_url,
)

_FRONT_MATTER = re.compile(r"---[ \t]*\n(?:.*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|$)")

# One parser for the process: building one is far slower than parsing a digest.
_MD = MarkdownIt("commonmark")


@dataclass
class _Line:
    text: str
    links: list[str]
    number: int


@dataclass
class _Entry:
    title: str
    line: int
    index: int
    title_url: str | None = None
    summary: list[str] = field(default_factory=list)
    read_more_url: str | None = None
    first_link: str | None = None
    source: str | None = None
    published: datetime | None = None


def _lines(inline: Token) -> list[_Line]:
    """The inline token's text split at its line breaks, each line with its web links."""
    start = inline.map[0] + 1 if inline.map else 0
    lines = [_Line("", [], start)]
    for child in inline.children or ():
        if child.type in ("softbreak", "hardbreak"):
            lines.append(_Line("", [], lines[-1].number + 1 if start else 0))
        elif child.type == "link_open":
            url = web_url(str(child.attrs.get("href", "")))
            if url:
                lines[-1].links.append(url)
        elif child.type in ("text", "code_inline", "image"):
            # An image's content is its alt text.
            lines[-1].text += child.content
    return lines


def _article_level(tokens: list[Token]) -> int:
    levels = Counter(int(tok.tag[1]) for tok in tokens if tok.type == "heading_open")
    if not levels:
        return 0
    most = max(levels.values())
    return max(level for level, count in levels.items() if count == most)


def parse_markdown(data: bytes, name: str) -> list[Draft]:
    """Read a Markdown digest (rules in the module docstring) into drafts, in file order."""
    text = decode(data, name)
    front = _FRONT_MATTER.match(text)
    if front:
        # Blank the block out rather than cut it, so line numbers stay true.
        text = "\n" * front.group().count("\n") + text[front.end() :]
    tokens = _MD.parse(text)
    level = _article_level(tokens)
    if not level:
        raise SourceError(
            "no headings found: a Markdown digest needs a heading per article", path=name
        )
    entries: list[_Entry] = []
    current: _Entry | None = None
    heading = 0  # level of the heading being read; 0 outside headings
    previous = ""
    for tok in tokens:
        if tok.type == "heading_open":
            heading = int(tok.tag[1])
            if heading <= level:
                current = None  # a new article, or a section title above the articles
        elif tok.type == "heading_close":
            heading = 0
        elif tok.type == "inline" and heading and heading == level:
            lines = _lines(tok)
            line = tok.map[0] + 1 if tok.map else None
            check_count(len(entries) + 1, Where(name, line))
            current = _Entry(
                title=" ".join(part.text for part in lines),
                line=line or 0,
                index=len(entries) + 1,
                title_url=next((url for part in lines for url in part.links), None),
            )
            entries.append(current)
        elif tok.type == "inline" and previous == "paragraph_open" and current is not None:
            _add_paragraph(current, _lines(tok), name)
        previous = tok.type
    return [_draft(entry, name) for entry in entries]


def _add_paragraph(entry: _Entry, lines: list[_Line], name: str) -> None:
    for part in lines:
        kind, value = classify(part.text.strip())
        link = part.links[0] if part.links else None
        if kind is Kind.READ_MORE:
            entry.read_more_url = entry.read_more_url or value or link
        elif kind is Kind.URL:  # a bare URL is a link, never words to read out
            entry.first_link = entry.first_link or value
        elif kind is Kind.SOURCE and entry.source is None:
            entry.source = value
        elif kind is Kind.PUBLISHED and entry.published is None:
            where = Where(name, part.number or None, f"entry {entry.index}")
            entry.published = parse_date(value, where)
        else:
            entry.summary.append(part.text)
            if entry.first_link is None and link:
                entry.first_link = link


def _draft(entry: _Entry, name: str) -> Draft:
    return Draft(
        where=Where(name, entry.line or None, f"entry {entry.index}"),
        title=entry.title,
        summary=" ".join(entry.summary),
        url=entry.read_more_url or entry.title_url or entry.first_link,
        source=entry.source,
        published=entry.published,
    )
