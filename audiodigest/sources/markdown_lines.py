"""Markdown as the digest reader sees it: blocks (headings, paragraphs, rules, tables, code) with
their lines, each line in spans that keep their marks (bold, italic, code, link), and what one
line of an article says: words to read, or a field (tags, source, date, URL) that is not read.

The rules are listed in :mod:`audiodigest.sources.markdown`; this module only judges blocks and
lines, one at a time, and knows nothing of articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from audiodigest.sources.boilerplate import (
    byline,
    is_boilerplate,
    is_link_label,
    is_ornament,
    split_reading_time,
    strip_decoration,
)
from audiodigest.sources.common import Kind, classify, web_url

# One parser for the process: building one is far slower than parsing a digest.
MD = MarkdownIt("commonmark").enable("table")

_NUMBER = re.compile(r"^(?:(?:no\.?|#)\s*)?\d{1,3}(?:[.):]|\s+[—–-])\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s·•|,/;]*")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")
_MAX_LINK_WORDS = 8
_RESIDUE = re.compile(r"`{2,}|\*{2,}")
_UNRESOLVED = re.compile(r"\[\[([^\[\]]+)\]\]|\[([^\[\]]+)\]\[[^\[\]]*\]")
TEMPLATE_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?:\{\{.*?\}\}|\{%.*?%\}|<!--.*?-->)[ \t]*)*"
    r"(?:\{\{.*?\}\}|\{%.*?%\})[ \t]*$",
    re.MULTILINE,
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TAGS = re.compile(r"\[[^\]]{1,20}\]")
# A short label before a row of links: "Other formats:", "See also:".
_LABEL = re.compile(r"\s*\w[\w ]{0,30}:\s")


@dataclass
class Span:
    text: str
    kind: str  # "text", "code" or "image"
    strong: bool = False
    em: bool = False
    link: int = -1  # index into Line.links; -1 outside links


@dataclass
class Line:
    number: int
    spans: list[Span] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # the web URL of each link, if any

    def text(self, skip_links: frozenset[int] = frozenset()) -> str:
        """What the line says, without the links in ``skip_links``; an image's alt text only
        when the line has words of its own."""
        words = any(p.kind != "image" and not is_ornament(p.text) for p in self.spans)
        return "".join(
            p.text for p in self.spans if p.link not in skip_links and (p.kind != "image" or words)
        )


@dataclass
class Block:
    kind: str  # "heading", "para", "rule", "table", "code", "html"
    line: int
    level: int = 0  # heading level
    lines: list[Line] = field(default_factory=list)
    list_id: int | None = None  # the outermost list holding the paragraph
    quote: bool = False
    item: int | None = None  # the item of the outermost list holding the paragraph
    item_start: bool = False  # the first paragraph of that item
    nested: bool = False  # inside a list within that item


def inline_lines(inline: Token) -> list[Line]:
    """The inline token split at its line breaks, each line in spans with their marks."""
    start = inline.map[0] + 1 if inline.map else 0
    lines = [Line(start)]
    strong = em = 0
    link = -1
    for child in inline.children or ():
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            lines.append(Line(lines[-1].number + 1 if start else 0))
            if link >= 0:  # a link across a line break continues on the new line
                lines[-1].links.append(lines[-2].links[link])
                link = len(lines[-1].links) - 1
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "em_open":
            em += 1
        elif kind == "em_close":
            em -= 1
        elif kind == "link_open":
            lines[-1].links.append(web_url(str(child.attrs.get("href", ""))))
            link = len(lines[-1].links) - 1
        elif kind == "link_close":
            link = -1
        elif kind in ("text", "code_inline", "image"):
            span_kind = {"text": "text", "code_inline": "code", "image": "image"}[kind]
            # An image's content is its alt text. Runs of ``` or ** that opened nothing are
            # markup left over, not words.
            content = _RESIDUE.sub("", child.content) if kind == "text" else child.content
            lines[-1].spans.append(Span(content, span_kind, strong > 0, em > 0, link))
    return lines


def blocks_of(tokens: list[Token]) -> list[Block]:
    """The blocks of the document in order, with their line numbers."""
    blocks: list[Block] = []
    lists: list[int] = []
    list_count = 0
    quotes = 0
    table = 0
    level = 0
    opener = ""
    items = 0  # outermost list items seen
    depth = 0  # list item nesting
    fresh = False  # no paragraph yet in the current outermost item
    for tok in tokens:
        line = tok.map[0] + 1 if tok.map else 0
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_count += 1
            lists.append(list_count)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            depth += 1
            if depth == 1:
                items += 1
                fresh = True
        elif kind == "list_item_close":
            depth -= 1
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "table_open":
            table += 1
            blocks.append(Block("table", line))
        elif kind == "table_close":
            table -= 1
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", line))
        elif kind == "html_block":
            blocks.append(Block("html", line))
        elif kind == "hr":
            blocks.append(Block("rule", line))
        elif kind == "inline" and not table and opener in ("heading_open", "paragraph_open"):
            if opener == "heading_open":
                blocks.append(Block("heading", line, level, inline_lines(tok)))
            else:
                blocks.append(
                    Block(
                        "para",
                        line,
                        0,
                        inline_lines(tok),
                        lists[0] if lists else None,
                        quotes > 0,
                        items if depth else None,
                        fresh and depth > 0,
                        depth > 1,
                    )
                )
                fresh = False
        if kind == "heading_open":
            level = int(tok.tag[1])
        opener = kind
    return blocks


# --- what one line is ---------------------------------------------------------------------------


@dataclass
class Said:
    """What a line of an article gives: words to read, or fields."""

    text: str = ""
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    published: str | None = None
    url: str | None = None  # the article's link (a link line, Read more, a bare URL)
    link: str | None = None  # the first link in the words


def _is_separator(text: str) -> bool:
    """Only punctuation, decoration or bracketed labels ("[audio]") between links."""
    return _SEPARATORS.fullmatch(text) is not None or is_ornament(_TAGS.sub("", text))


def _tag_row(line: Line) -> Said | None:
    """`` `A` `B` — *Source* ``: the code spans as tags and the byline after them."""
    codes = [i for i, p in enumerate(line.spans) if p.kind == "code"]
    if not codes:
        return None
    if not all(_is_separator(p.text) for p in line.spans[: codes[-1]] if p.kind != "code"):
        return None
    after = line.spans[codes[-1] + 1 :]
    rest = "".join(p.text for p in after).strip()
    source = None
    if rest and not _is_separator(rest):
        # Only a marked byline: "— Reuters", "· *Reuters*"; "`x` parameters to" is prose.
        marked = rest[0] in "—–-·|•" or any(p.em or p.strong or p.link >= 0 for p in after)
        source = byline(rest) or byline("— " + rest.lstrip("·|•,-–— ")) if marked else None
        if source is None:
            return None
        source = split_reading_time(source)[0]
    elif len(codes) < 2:
        return None  # one code span alone is more likely a command than a tag
    return Said(tags=[line.spans[i].text.strip() for i in codes], source=source)


def _link_line(line: Line) -> Said | None:
    """A line of nothing but links (and decoration): the first web link is the URL."""
    if not line.links:
        return None
    outside = "".join(p.text for p in line.spans if p.link < 0)
    labelled = _LABEL.match(outside)
    if labelled and _is_separator(outside[labelled.end() :]):
        return Said()  # "Other formats: [PDF] / [HTML]": navigation, not the article's link
    if not _is_separator(outside) and not is_link_label(line.text()):
        return None  # words of its own, unless they only say "read it on [Example](url)"
    inside = " ".join(p.text for p in line.spans if p.link >= 0)
    if len(inside.split()) > _MAX_LINK_WORDS and not is_link_label(inside):
        return None
    return Said(url=next((url for url in line.links if url), None))


def _byline(line: Line, text: str) -> str | None:
    """The source a byline line names; only when it is marked as one (a dash, "Source:", or
    the name in italics, bold or a link), so "Via satellite, the probe..." stays a sentence."""
    name = byline(text)
    if name is None:
        return None
    named = [p for p in line.spans if p.text.strip()]
    marked = text[0] in "—–" or text.lower().startswith(("source", "from", "publication"))
    if marked or (named and (named[-1].em or named[-1].strong or named[-1].link >= 0)):
        return split_reading_time(name)[0]
    return None


def said(line: Line, first: bool = False) -> Said:
    """What one line of an article gives (rules in the module docstring); a row of tags only
    on the ``first`` line of a paragraph."""
    plain = line.text()
    if _TEMPLATE.search(plain):  # Liquid / Hugo shortcodes: a site generator fills them in
        plain = _TEMPLATE.sub("", plain)
        line = Line(line.number, [Span(plain, "text")], [])
    stripped = strip_decoration(plain)
    if not stripped or is_ornament(plain):
        return Said()
    found = (_tag_row(line) if first else None) or _link_line(line)
    if found is not None:
        return found
    kind, value = classify(stripped)
    if kind is Kind.READ_MORE:
        return Said(url=value or next((url for url in line.links if url), None))
    if kind is Kind.URL:
        return Said(url=value)
    if kind is Kind.SOURCE:
        return Said(source=value)
    if kind is Kind.PUBLISHED:
        return Said(published=value)
    source = _byline(line, stripped)
    if source is not None:
        return Said(source=source)
    if is_boilerplate(stripped):
        return Said()
    # "... the release. [Read more →](url)": the link words go, the link stays.
    labels = frozenset(
        index
        for index in range(len(line.links))
        if is_link_label("".join(p.text for p in line.spans if p.link == index))
    )
    url = next((line.links[i] for i in sorted(labels) if line.links[i]), None)
    text = _EMPTY_BRACKETS.sub("", line.text(labels)) if labels else plain
    if labels and is_link_label(text):  # "Full report [here](url)"
        return Said(url=url)
    text = strip_decoration(_SPACE_BEFORE_STOP.sub(r"\1", text) if labels else text, end=True)
    link = next((u for i, u in enumerate(line.links) if u and i not in labels), None)
    return Said(text=text, url=url, link=link)


def words_of(texts: list[str]) -> str:
    """A paragraph's lines of words joined. Reference links whose definitions live elsewhere
    (a site's include) stay "[text][ref]" after parsing; they are read as their text."""
    return _UNRESOLVED.sub(lambda m: m.group(1) or m.group(2), " ".join(t for t in texts if t))


def sentence(text: str) -> str:
    """A list item as a sentence: a full stop added when it ends without one.

    >>> sentence("Faster builds"), sentence("Is it safe?"), sentence("Ships in May (beta)")
    ('Faster builds.', 'Is it safe?', 'Ships in May (beta).')
    >>> sentence("(It was.)")
    '(It was.)'
    """
    text = text.rstrip().rstrip(",;")
    if not text:
        return text
    last = text.rstrip("\"'”’»)]")[-1:] or text[-1]
    return text if last in ".!?…:" else text + "."


def title_of(lines: list[Line]) -> tuple[str, str | None]:
    """A heading's title (number, emoji and reading time taken off) and its link."""
    text = strip_decoration(" ".join(line.text() for line in lines), end=True)
    for _ in range(2):  # "🚀 1. Title" and "1. 🚀 Title"
        text = strip_decoration(_NUMBER.sub("", text, count=1), end=True)
    text = split_reading_time(text)[0]
    link = next((url for line in lines for url in line.links if url), None)
    return text, link


def parse_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown document. Lines of template tags only (``{% include x %}``,
    ``{{< shortcode >}}``) become HTML comments first: they end a paragraph, so the reference
    definitions below them are read as definitions, and a section holding only them is known
    to hold something unread."""
    return blocks_of(MD.parse(TEMPLATE_LINE.sub(r"\g<indent><!-- -->", text)))
