"""Markdown digests and newsletters, parsed with markdown-it-py (CommonMark with tables).

Structure, from the strongest delimiter present:

- **Headings.** Each heading at the *article level* starts an article. The article level is
  the level used most often by headings that are not newsletter furniture and have words under
  them (so the section headings of a link roundup do not count); the deeper one on a tie. A
  number before the title (``### 1. Title``), emoji around it and a reading time after it
  (``(5 min read)``) are not part of the title; a link on it gives the article's URL.
- **Bold titles.** Without at least two headings at one level, paragraphs that open with words
  in bold (``**Title**``, alone on the line, or followed by ``—`` / ``:``, or ending with
  ``:``) start the articles, usually between ``---`` rules; a warning says so.
- **Bold list items.** With two or more list items opening in bold (``- **Title:** text``),
  each such item in a section with no words of its own before the list is an article, and the
  section heading only groups them (the Jekyll newsletters' "Action items", "News").
- Deeper headings inside an article are dropped (their paragraphs still count).
- A ``---`` rule ends the article above it: text after the last rule (a footer) and text
  between a rule and the next article are not read (the latter with a warning).
- A heading over only links, tables, code or template tags has nothing to read and is skipped
  with one warning for all such; when every heading is like that, the digest is refused. A
  heading over nothing at all is an error naming its line (``finish``).

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
  ("View in browser", "Unsubscribe", "Curated by ..."), template tags (``{% include x %}``,
  ``{{< shortcode >}}``) and images standing alone are not read. Reference links whose
  definitions are missing (a site's include) are read as their text.
- Each paragraph stays a paragraph of the summary; a list becomes one paragraph with each item
  its own sentence (a full stop added where it has none). Link text is read, the URL is not.
- Tables and code blocks are not read aloud: inside an article they are dropped with a warning
  naming the line; elsewhere (a metrics table) silently. Raw HTML is dropped.

Front matter (``---`` YAML or ``+++`` TOML at the top, or Pelican's ``Title:`` lines; see
:mod:`.frontmatter`): its ``title`` and ``description`` give the issue's title and intro when
the body has none. When it holds a
list of stories, those are the articles and the body is not read (a warning says so when the
body has articles of its own).

Nesting is bounded by markdown-it's ``maxNesting``, so deeply nested input cannot exhaust the
stack.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from audiodigest.errors import SourceError
from audiodigest.sources.boilerplate import is_furniture_heading, is_ornament
from audiodigest.sources.common import (
    Draft,
    Reading,
    Where,
    check_count,
    decode,
    parse_date,
    shorten,
)
from audiodigest.sources.frontmatter import read_front_matter
from audiodigest.sources.markdown_lines import (
    MD,
    Block,
    Line,
    Span,
    blocks_of,
    inline_lines,
    parse_blocks,
    said,
    sentence,
    title_of,
    words_of,
)

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

    def add(self, block: Block, lines: list[Line], name: str) -> None:
        """Add a paragraph's lines: fields go to their fields, words to the summary."""
        words = []
        self.unread = self.unread or bool(lines)
        for index, line in enumerate(lines):
            heard = said(line, first=index == 0)
            self.url = self.url or heard.url
            self.first_link = self.first_link or heard.link
            self.source = self.source or heard.source
            self.tags.extend(heard.tags)
            if heard.published and self.published is None:
                where = Where(name, line.number or None, f"entry {self.index}")
                self.published = parse_date(heard.published, where)
            if heard.text:
                words.append(heard.text)
        text = words_of(words)
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
                self.paragraphs[-1] += " " + sentence(text)
            else:
                self.paragraphs.append(sentence(text))
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


def _bold_title(block: Block, in_list: bool = False) -> tuple[str, Line | None] | None:
    """A paragraph (or, with ``in_list``, a list item's first paragraph) opening with words in
    bold: the title, and what follows it on that line as a line of its own. The bold words end
    the line, or are followed by a dash or colon, or end with a colon (``**Title:** text``)."""
    if block.kind != "para" or block.quote or not block.lines:
        return None
    if (block.list_id is not None) != in_list or (in_list and not block.item_start):
        return None
    first = block.lines[0]
    spans = list(first.spans)
    while spans and not spans[0].strong and is_ornament(spans[0].text):
        spans.pop(0)  # "🔥 **Title**"
    if not spans or not spans[0].strong:
        return None
    count = next((i for i, p in enumerate(spans) if not p.strong), len(spans))
    title = "".join(p.text for p in spans[:count]).strip()
    rest = [p for p in spans[count:]]
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
        lead = Span(head, rest[0].kind, rest[0].strong, rest[0].em, rest[0].link)
        rest_line = Line(first.number, [lead, *rest[1:]], first.links)
    elif in_list and len(block.lines) == 1:
        return None  # an item that is only a bold name ("- **Speed**"), not an article
    return title, rest_line


@dataclass
class _Layout:
    mode: str  # "headings" or "bold"
    level: int  # the article level of headings (0: none)
    title: Block | None  # the heading that titles the issue
    items: bool = False  # list items opening in bold are articles of their own


def _with_prose(blocks: list[Block]) -> set[int]:
    """The indexes of the headings directly followed by words to read (not only links)."""
    found: set[int] = set()
    heading = -1
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            heading = index
        elif (
            block.kind == "para"
            and heading >= 0
            and heading not in found
            and any(said(line).text for line in block.lines)
        ):
            found.add(heading)
    return found


def _layout(blocks: list[Block], name: str) -> _Layout:
    headings = [b for b in blocks if b.kind == "heading"]
    articles = [b for b in headings if not is_furniture_heading(title_of(b.lines)[0])]
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


def _read_body(blocks: list[Block], name: str) -> Reading:
    layout = _layout(blocks, name)
    reading = Reading([])
    entries: list[_Entry] = []
    intro: list[str] = []
    current: _Entry | None = None
    skip: int | None = None  # level of the furniture section being skipped
    orphan: Block | None = None  # text after a rule or section heading, outside any article

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
                reading.title = title_of(block.lines)[0]
                continue
            if skip is not None and block.level <= skip:
                skip = None
            if skip is not None:
                continue
            title, url = title_of(block.lines)
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
                current = start(
                    title_of([Line(block.line, [Span(title, "text")])])[0], block.line, url
                )
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
                    title_of([Line(block.line, [Span(title, "text")])])[0], block.line, url
                )
                current.add(block, ([rest] if rest else []) + block.lines[1:], name)
            elif current is not None:
                current.add(block, block.lines, name)
            elif not entries:
                words = words_of([said(line).text for line in block.lines])
                if words:
                    intro.append(words)
            elif orphan is None and any(said(line).text for line in block.lines):
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
    if bare and len(bare) == len(entries):
        raise SourceError(
            "no article has words to read: every heading holds only links, tables, code or"
            " template tags (a link list is not a digest)",
            path=name,
            line=bare[0].line,
        )
    if bare:
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
    tokens = MD.parseInline(text)
    return " ".join(line.text() for tok in tokens for line in inline_lines(tok)).strip()


def speakable(text: str) -> tuple[str, str | None]:
    """Markdown text (a front-matter summary) as the paragraphs a summary would read, and the
    article link it holds (a link line, else its first link)."""
    entry = _Entry("", 0, 0)
    for block in blocks_of(MD.parse(text)):
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
    blocks = parse_blocks(text)
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
        if front.other_lists:
            held += f" (its {', '.join(map(repr, front.other_lists))} list is not read as stories)"
        raise SourceError(
            f"no articles: the front matter has {held} and the page body no headings", path=name
        ) from None
    if front is not None:
        reading.title = reading.title or front.title
        reading.summary = reading.summary or front.summary
    return reading
