"""Markdown digests and newsletters, parsed with markdown-it-py (CommonMark with tables).

Structure, from the strongest delimiter present:

- **Headings.** Each heading at the *article level* starts an article. The article level is
  the level used most often by headings that are not newsletter furniture (the deeper one on a
  tie). A number before the title (``### 1. Title``), emoji around it and a reading time after
  it (``(5 min read)``) are not part of the title; a link on it gives the article's URL.
- **Bold titles.** Without at least two headings at one level, paragraphs that open with a line
  in bold (``**Title**``, alone or followed by ``—`` and the summary) start the articles,
  usually between ``---`` rules; a warning says so.
- Deeper headings inside an article are dropped (their paragraphs still count).
- A ``---`` rule ends the article above it: text after the last rule (a footer) and text
  between a rule and the next article are not read (the latter with a warning).

Outside the articles:

- The first heading, when it is an H1 above the article level (or any heading above the first
  bold title), titles the whole issue (``Reading.title``). Paragraphs, lists and block quotes
  before the first article are its intro (``Reading.summary``).
- Sections whose heading is furniture (Archive, Sponsors, Subscribe, Share, metrics, contents,
  about; see :func:`~audiodigest.sources.boilerplate.is_furniture_heading`) are skipped with
  everything under them.

Inside an article (each line of a paragraph is judged on its own):

- A row of code spans, optionally followed by a byline (`` `Funding` `Deals` — *Reuters* ``),
  gives the tags and the source. A byline alone (``— *Reuters*``, ``*via The Verge*``,
  ``Source: Example Weekly``) gives the source; ``Published: date`` the date.
- A line of links only (``🔗 [Read full article](url)``, ``[Read more →](url)``,
  ``[link](url)``), a ``Read more`` line and a bare URL give the URL and are not read. A
  ``[Read more](url)`` link at the end of a sentence is taken out of it the same way. The URL
  is that of the first such line, else the heading's link, else the first link in the text.
- Emoji and arrows opening a line, lines of decoration only, lines of e-mail furniture
  ("View in browser", "Unsubscribe") and images standing alone are not read.
- Each paragraph stays a paragraph of the summary; a list becomes one paragraph with each item
  its own sentence (a full stop added where it has none). Link text is read, the URL is not.
- Tables and code blocks are not read aloud: inside an article they are dropped with a warning
  naming the line; elsewhere (a metrics table) silently. Raw HTML is dropped.

Front matter (``---`` YAML or ``+++`` TOML at the top; see :mod:`.frontmatter`): its ``title``
and ``description`` give the issue's title and intro when the body has none. When it holds a
list of stories, those are the articles and the body is not read (a warning says so when the
body has articles of its own).

Nesting is bounded by markdown-it's ``maxNesting``, so deeply nested input cannot exhaust the
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
from audiodigest.sources.boilerplate import (
    byline,
    is_boilerplate,
    is_furniture_heading,
    is_link_label,
    is_ornament,
    split_reading_time,
    strip_decoration,
)
from audiodigest.sources.common import (
    Draft,
    Kind,
    Reading,
    Where,
    check_count,
    classify,
    decode,
    parse_date,
    shorten,
    web_url,
)
from audiodigest.sources.frontmatter import read_front_matter

# One parser for the process: building one is far slower than parsing a digest.
_MD = MarkdownIt("commonmark").enable("table")

_NUMBER = re.compile(r"^(?:(?:no\.?|#)\s*)?\d{1,3}(?:[.):]|\s+[—–-])\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s·•|,/;]*")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")
_MAX_LINK_WORDS = 8
# A short label before a row of links: "Other formats:", "See also:".
_UNRESOLVED = re.compile(r"\[\[([^\[\]]+)\]\]|\[([^\[\]]+)\]\[[^\[\]]*\]")
_TEMPLATE_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?:\{\{.*?\}\}|\{%.*?%\}|<!--.*?-->)[ \t]*)*"
    r"(?:\{\{.*?\}\}|\{%.*?%\})[ \t]*$",
    re.MULTILINE,
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TAGS = re.compile(r"\[[^\]]{1,20}\]")
_LABEL = re.compile(r"\s*\w[\w ]{0,30}:\s")


@dataclass
class _Piece:
    text: str
    kind: str  # "text", "code" or "image"
    strong: bool = False
    em: bool = False
    link: int = -1  # index into _Line.links; -1 outside links


@dataclass
class _Line:
    number: int
    pieces: list[_Piece] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # the web URL of each link, if any

    def text(self, skip_links: frozenset[int] = frozenset()) -> str:
        """What the line says, without the links in ``skip_links``; an image's alt text only
        when the line has words of its own."""
        words = any(p.kind != "image" and not is_ornament(p.text) for p in self.pieces)
        return "".join(
            p.text for p in self.pieces if p.link not in skip_links and (p.kind != "image" or words)
        )


@dataclass
class _Block:
    kind: str  # "heading", "para", "rule", "table", "code", "html"
    line: int
    level: int = 0  # heading level
    lines: list[_Line] = field(default_factory=list)
    list_id: int | None = None  # the outermost list holding the paragraph
    quote: bool = False
    item: int | None = None  # the item of the outermost list holding the paragraph
    item_start: bool = False  # the first paragraph of that item
    nested: bool = False  # inside a list within that item


def _lines(inline: Token) -> list[_Line]:
    """The inline token split at its line breaks, each line in pieces with their marks."""
    start = inline.map[0] + 1 if inline.map else 0
    lines = [_Line(start)]
    strong = em = 0
    link = -1
    for child in inline.children or ():
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            lines.append(_Line(lines[-1].number + 1 if start else 0))
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
            piece_kind = {"text": "text", "code_inline": "code", "image": "image"}[kind]
            # An image's content is its alt text.
            lines[-1].pieces.append(_Piece(child.content, piece_kind, strong > 0, em > 0, link))
    return lines


def _blocks(tokens: list[Token]) -> list[_Block]:
    """The blocks of the document in order, with their line numbers."""
    blocks: list[_Block] = []
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
            blocks.append(_Block("table", line))
        elif kind == "table_close":
            table -= 1
        elif kind in ("fence", "code_block"):
            blocks.append(_Block("code", line))
        elif kind == "html_block":
            blocks.append(_Block("html", line))
        elif kind == "hr":
            blocks.append(_Block("rule", line))
        elif kind == "inline" and not table and opener in ("heading_open", "paragraph_open"):
            if opener == "heading_open":
                blocks.append(_Block("heading", line, level, _lines(tok)))
            else:
                blocks.append(
                    _Block("para", line, 0, _lines(tok), lists[0] if lists else None, quotes > 0,
                           items if depth else None, fresh and depth > 0, depth > 1)
                )
                fresh = False
        if kind == "heading_open":
            level = int(tok.tag[1])
        opener = kind
    return blocks


# --- what one line is ---------------------------------------------------------------------------


@dataclass
class _Said:
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


def _tag_row(line: _Line) -> _Said | None:
    """`` `A` `B` — *Source* ``: the code spans as tags and the byline after them."""
    codes = [i for i, p in enumerate(line.pieces) if p.kind == "code"]
    if not codes:
        return None
    if not all(_is_separator(p.text) for p in line.pieces[: codes[-1]] if p.kind != "code"):
        return None
    after = line.pieces[codes[-1] + 1 :]
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
    return _Said(tags=[line.pieces[i].text.strip() for i in codes], source=source)


def _link_line(line: _Line) -> _Said | None:
    """A line of nothing but links (and decoration): the first web link is the URL."""
    if not line.links:
        return None
    outside = "".join(p.text for p in line.pieces if p.link < 0)
    labelled = _LABEL.match(outside)
    if labelled and _is_separator(outside[labelled.end() :]):
        return _Said()  # "Other formats: [PDF] / [HTML]": navigation, not the article's link
    if not _is_separator(outside) and not is_link_label(line.text()):
        return None  # words of its own, unless they only say "read it on [Example](url)"
    inside = " ".join(p.text for p in line.pieces if p.link >= 0)
    if len(inside.split()) > _MAX_LINK_WORDS and not is_link_label(inside):
        return None
    return _Said(url=next((url for url in line.links if url), None))


def _byline(line: _Line, text: str) -> str | None:
    """The source a byline line names; only when it is marked as one (a dash, "Source:", or
    the name in italics, bold or a link), so "Via satellite, the probe..." stays a sentence."""
    name = byline(text)
    if name is None:
        return None
    named = [p for p in line.pieces if p.text.strip()]
    marked = text[0] in "—–" or text.lower().startswith(("source", "from", "publication"))
    if marked or (named and (named[-1].em or named[-1].strong or named[-1].link >= 0)):
        return split_reading_time(name)[0]
    return None


def _said(line: _Line, first: bool = False) -> _Said:
    """What one line of an article gives (rules in the module docstring); a row of tags only
    on the ``first`` line of a paragraph."""
    plain = line.text()
    if _TEMPLATE.search(plain):  # Liquid / Hugo shortcodes: a site generator fills them in
        plain = _TEMPLATE.sub("", plain)
        line = _Line(line.number, [_Piece(plain, "text")], [])
    stripped = strip_decoration(plain)
    if not stripped or is_ornament(plain):
        return _Said()
    said = (_tag_row(line) if first else None) or _link_line(line)
    if said is not None:
        return said
    kind, value = classify(stripped)
    if kind is Kind.READ_MORE:
        return _Said(url=value or next((url for url in line.links if url), None))
    if kind is Kind.URL:
        return _Said(url=value)
    if kind is Kind.SOURCE:
        return _Said(source=value)
    if kind is Kind.PUBLISHED:
        return _Said(published=value)
    source = _byline(line, stripped)
    if source is not None:
        return _Said(source=source)
    if is_boilerplate(stripped):
        return _Said()
    # "... the release. [Read more →](url)": the link words go, the link stays.
    labels = frozenset(
        index
        for index in range(len(line.links))
        if is_link_label("".join(p.text for p in line.pieces if p.link == index))
    )
    url = next((line.links[i] for i in sorted(labels) if line.links[i]), None)
    text = _EMPTY_BRACKETS.sub("", line.text(labels)) if labels else plain
    if labels and is_link_label(text):  # "Full report [here](url)"
        return _Said(url=url)
    text = strip_decoration(_SPACE_BEFORE_STOP.sub(r"\1", text) if labels else text, end=True)
    first = next((u for i, u in enumerate(line.links) if u and i not in labels), None)
    return _Said(text=text, url=url, link=first)


def _words(texts: list[str]) -> str:
    """A paragraph's lines of words joined. Reference links whose definitions live elsewhere
    (a site's include) stay "[text][ref]" after parsing; they are read as their text."""
    return _UNRESOLVED.sub(lambda m: m.group(1) or m.group(2), " ".join(t for t in texts if t))


def _sentence(text: str) -> str:
    """A list item as a sentence: a full stop added when it ends without one.

    >>> _sentence("Faster builds"), _sentence("Is it safe?"), _sentence("Ships in May (beta)")
    ('Faster builds.', 'Is it safe?', 'Ships in May (beta).')
    >>> _sentence("(It was.)")
    '(It was.)'
    """
    text = text.rstrip().rstrip(",;")
    if not text:
        return text
    last = text.rstrip("\"'”’»)]")[-1:] or text[-1]
    return text if last in ".!?…:" else text + "."


def _title(lines: list[_Line]) -> tuple[str, str | None]:
    """A heading's title (number, emoji and reading time taken off) and its link."""
    text = strip_decoration(" ".join(line.text() for line in lines), end=True)
    for _ in range(2):  # "🚀 1. Title" and "1. 🚀 Title"
        text = strip_decoration(_NUMBER.sub("", text, count=1), end=True)
    text = split_reading_time(text)[0]
    link = next((url for line in lines for url in line.links if url), None)
    return text, link


# --- articles -----------------------------------------------------------------------------------


@dataclass
class _Entry:
    title: str
    line: int
    index: int
    title_url: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    list_id: int | None = None  # the list whose items the last paragraph is gathering
    url: str | None = None
    first_link: str | None = None
    source: str | None = None
    tags: list[str] = field(default_factory=list)
    published: datetime | None = None
    unread: bool = False  # something under the title was left out (links, a table, code)
    item: int | None = None  # the list item this article is (see _Layout.items)
    parent: _Entry | None = None  # the section an item article sits in
    split: bool = False  # a section whose list items became articles

    def add(self, block: _Block, lines: list[_Line], name: str) -> None:
        """Add a paragraph's lines: fields go to their fields, words to the summary."""
        words = []
        self.unread = self.unread or bool(lines)
        for index, line in enumerate(lines):
            said = _said(line, first=index == 0)
            self.url = self.url or said.url
            self.first_link = self.first_link or said.link
            self.source = self.source or said.source
            self.tags.extend(said.tags)
            if said.published and self.published is None:
                where = Where(name, line.number or None, f"entry {self.index}")
                self.published = parse_date(said.published, where)
            if said.text:
                words.append(said.text)
        text = _words(words)
        if not text:
            return
        # An article that is a list item reads its own paragraphs as paragraphs.
        own = self.item is not None and block.item == self.item and not block.nested
        if block.list_id is not None and not own:
            # Items join the list's paragraph, or the paragraph that introduces them with ":".
            joins = self.list_id == block.list_id or (
                self.list_id is None and self.paragraphs[-1:] and self.paragraphs[-1][-1] == ":"
            )
            if joins and self.paragraphs:
                self.paragraphs[-1] += " " + _sentence(text)
            else:
                self.paragraphs.append(_sentence(text))
            self.list_id = block.list_id
        else:
            self.paragraphs.append(text)
            self.list_id = None

    def draft(self, name: str) -> Draft:
        return Draft(
            where=Where(name, self.line or None, f"entry {self.index}"),
            title=self.title,
            summary="\n\n".join(self.paragraphs),
            url=self.url or self.title_url or self.first_link,
            source=self.source,
            published=self.published,
            tags=self.tags,
        )


def _bold_title(block: _Block, in_list: bool = False) -> tuple[str, _Line | None] | None:
    """A paragraph (or, with ``in_list``, a list item's first paragraph) opening with words in
    bold: the title, and what follows it on that line as a line of its own. The bold words end
    the line, or are followed by a dash or colon, or end with a colon (``**Title:** text``)."""
    if block.kind != "para" or block.quote or not block.lines:
        return None
    if (block.list_id is not None) != in_list or (in_list and not block.item_start):
        return None
    first = block.lines[0]
    pieces = list(first.pieces)
    while pieces and not pieces[0].strong and is_ornament(pieces[0].text):
        pieces.pop(0)  # "🔥 **Title**"
    if not pieces or not pieces[0].strong:
        return None
    count = next((i for i, p in enumerate(pieces) if not p.strong), len(pieces))
    title = "".join(p.text for p in pieces[:count]).strip()
    rest = [p for p in pieces[count:]]
    while rest and not rest[0].text.strip():
        rest.pop(0)
    colon = title.endswith(":")
    title = title.rstrip(":").strip()
    if not title or (title.endswith((".", "!", "?")) and rest):
        return None  # a bold sentence leading a paragraph, not a title
    rest_line = None
    if rest:
        head = rest[0].text.lstrip()
        if not colon:
            if head[0] not in "—–-:|":
                return None
            head = head.lstrip("—–-:| ")
        lead = _Piece(head, rest[0].kind, rest[0].strong, rest[0].em, rest[0].link)
        rest_line = _Line(first.number, [lead, *rest[1:]], first.links)
    elif in_list and len(block.lines) == 1:
        return None  # an item that is only a bold name ("- **Speed**"), not an article
    return title, rest_line


@dataclass
class _Layout:
    mode: str  # "headings" or "bold"
    level: int  # the article level of headings (0: none)
    title: _Block | None  # the heading that titles the issue
    items: bool = False  # list items opening in bold are articles of their own


def _with_prose(blocks: list[_Block]) -> set[int]:
    """The indexes of the headings directly followed by words to read (not only links)."""
    found: set[int] = set()
    heading = -1
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            heading = index
        elif block.kind == "para" and heading >= 0 and heading not in found:
            if any(_said(line).text for line in block.lines):
                found.add(heading)
    return found


def _layout(blocks: list[_Block], name: str) -> _Layout:
    headings = [b for b in blocks if b.kind == "heading"]
    articles = [b for b in headings if not is_furniture_heading(_title(b.lines)[0])]
    levels = Counter(b.level for b in articles)
    # The article level is that of the headings that own words, so the section headings of a
    # link roundup (each over a list of bare links) do not count.
    prose = _with_prose(blocks)
    chosen = Counter(b.level for i, b in enumerate(blocks) if i in prose and b in articles)
    chosen = chosen or levels
    level = 0
    if chosen:
        most = max(chosen.values())
        level = max(lvl for lvl, count in chosen.items() if count == most)
    bold = [i for i, b in enumerate(blocks) if _bold_title(b)]
    items = sum(1 for b in blocks if _bold_title(b, in_list=True)) >= 2
    if levels.get(level, 0) <= 1 and len(bold) >= 2:
        first_bold = bold[0]
        title = next((b for b in blocks[:first_bold] if b.kind == "heading"), None)
        return _Layout("bold", 0, title if title in articles else None, items)
    if items and levels.get(level, 0) <= 1:
        first = headings[0] if headings else None
        return _Layout("headings", 0, first if first in articles else None, items)
    if not level:
        raise SourceError(
            "no headings found: a Markdown digest needs a heading per article"
            " (or a **bold title** opening each article's paragraph)",
            path=name,
        )
    first = headings[0]
    title = first if first.level == 1 < level and first in articles else None
    return _Layout("headings", level, title, items)


def _read_body(blocks: list[_Block], name: str) -> Reading:
    layout = _layout(blocks, name)
    reading = Reading([])
    entries: list[_Entry] = []
    intro: list[str] = []
    current: _Entry | None = None
    skip: int | None = None  # level of the furniture section being skipped
    orphan: _Block | None = None  # text after a rule or section heading, outside any article

    def start(title: str, line: int, url: str | None) -> _Entry:
        nonlocal orphan
        check_count(len(entries) + 1, Where(name, line))
        if orphan is not None:
            words = shorten(" ".join(ln.text() for ln in orphan.lines), 40)
            reading.warnings.append(
                f"{name}:{orphan.line}: {words!r} is outside any article"
                " (after a rule or a section heading); not read"
            )
            orphan = None
        entry = _Entry(title, line, len(entries) + 1, title_url=url)
        entries.append(entry)
        return entry

    for block in blocks:
        if block.kind == "heading":
            if block is layout.title:
                reading.title = _title(block.lines)[0]
                continue
            if skip is not None and block.level <= skip:
                skip = None
            if skip is not None:
                continue
            title, url = _title(block.lines)
            furniture = is_furniture_heading(title)
            if layout.mode == "bold" or block.level <= layout.level or not layout.level:
                current = None
            if furniture:
                skip = block.level
                orphan = None
            elif layout.mode == "headings" and block.level == layout.level:
                current = start(title, block.line, url)
            continue
        if skip is not None:
            continue
        if block.kind == "rule":
            current = None
        elif block.kind == "para":
            if current is not None and current.item is not None and block.item != current.item:
                current = current.parent  # the item is over; back to its section
            item = _bold_title(block, in_list=True) if layout.items else None
            if item is not None and (current is None or not current.paragraphs):
                # "- **Title:** summary" in a section with no words of its own: the item is
                # an article, the section heading above it only groups it.
                title, rest = item
                parent = current
                if parent is not None:
                    parent.split = True
                url = None if rest else next((u for u in block.lines[0].links if u), None)
                current = start(_title([_Line(block.line, [_Piece(title, "text")])])[0],
                                block.line, url)
                current.parent, current.item = parent, block.item
                current.add(block, ([rest] if rest else []) + block.lines[1:], name)
                continue
            bold = _bold_title(block) if layout.mode == "bold" else None
            if bold is not None:
                title, rest = bold
                # A link on the bold title alone is the article's; one in the text after
                # it is only a link in the words.
                url = None if rest else next((u for u in block.lines[0].links if u), None)
                current = start(
                    _title([_Line(block.line, [_Piece(title, "text")])])[0], block.line, url
                )
                current.add(block, ([rest] if rest else []) + block.lines[1:], name)
            elif current is not None:
                current.add(block, block.lines, name)
            elif not entries:
                words = _words([_said(line).text for line in block.lines])
                if words:
                    intro.append(words)
            elif orphan is None and any(_said(line).text for line in block.lines):
                orphan = block
        elif block.kind in ("table", "code", "html") and current is not None:
            current.unread = True
            if block.kind == "html":
                continue
            what = "a table" if block.kind == "table" else "a code block"
            reading.warnings.append(
                f"{name}:{block.line}: {what} in {shorten(current.title, 40)!r}"
                " is not read aloud; dropped"
            )
    # A heading over nothing but links, tables, code or template tags (a link roundup's item, a
    # section a site generator fills in) has nothing to read out; one over nothing at all is
    # more likely a mistake, and finish() reports it.
    entries = [e for e in entries if e.paragraphs or not e.split]  # sections of items
    bare = [e for e in entries if not e.paragraphs and e.unread]
    if bare and len(bare) < len(entries):
        lines = ", ".join(str(e.line) for e in bare[:5]) + (", …" if len(bare) > 5 else "")
        reading.warnings.append(
            f"{name}: skipped {_count(len(bare), 'entry', 'entries')} with nothing to read"
            f" (only links, tables, code or template tags; line {lines})"
        )
        entries = [e for e in entries if e not in bare]
    reading.drafts = [entry.draft(name) for entry in entries]
    reading.summary = "\n\n".join(intro) or None
    if layout.mode == "bold":
        reading.warnings.insert(
            0,
            f"{name}: no headings for the articles: took each paragraph"
            " opening with a bold line as an article",
        )
    return reading


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def plain_inline(text: str) -> str:
    """One line of Markdown (a front-matter title) as plain words: ``A **bold** claim`` gives
    ``A bold claim``."""
    tokens = _MD.parseInline(text)
    return " ".join(line.text() for tok in tokens for line in _lines(tok)).strip()


def speakable(text: str) -> tuple[str, str | None]:
    """Markdown text (a front-matter summary) as the paragraphs a summary would read, and the
    article link it holds (a link line, else its first link)."""
    entry = _Entry("", 0, 0)
    for block in _blocks(_MD.parse(text)):
        if block.kind == "para":
            entry.add(block, block.lines, "")
    return "\n\n".join(entry.paragraphs), entry.url or entry.first_link


def parse_markdown(data: bytes, name: str) -> Reading:
    """Read a Markdown digest or newsletter (rules in the module docstring)."""
    text = decode(data, name)
    front = read_front_matter(text, name)
    if front is not None:
        # Blank the block out rather than cut it, so line numbers stay true.
        text = "\n" * front.lines + text[front.end :]
    # Lines of template tags only ({% include x %}, {{< shortcode >}}) become HTML comments
    # before parsing: they end a paragraph, so the reference definitions below them are read
    # as definitions, and a section holding only them is known to hold something unread.
    blocks = _blocks(_MD.parse(_TEMPLATE_LINE.sub(r"\g<indent><!-- -->", text)))
    if front is not None and front.drafts:
        reading = Reading(front.drafts, front.title, front.summary)
        for draft in reading.drafts:
            draft.title = plain_inline(draft.title) or draft.title
            summary, link = speakable(draft.summary)
            draft.summary = summary or draft.summary
            draft.url = draft.url or link
        try:
            body = len(_read_body(blocks, name).drafts)
        except SourceError:
            body = 0
        if body:
            listed = f"{front.key!r} list" if front.key else "list"
            reading.warnings.append(
                f"{name}: read the {_count(len(front.drafts), 'entry', 'entries')} of the front"
                f" matter's {listed}; the {_count(body, 'article')} in the page body"
                f" {'was' if body == 1 else 'were'} not read"
            )
        return reading
    try:
        reading = _read_body(blocks, name)
    except SourceError:
        if front is None:
            raise
        held = (
            f"an empty {front.key!r} list"
            if front.key
            else "no 'stories', 'items', 'articles', 'posts' or 'entries' list"
        )
        raise SourceError(
            f"no articles: the front matter has {held} and the page body no headings", path=name
        ) from None
    if front is not None:
        reading.title = reading.title or front.title
        reading.summary = reading.summary or front.summary
    return reading
