"""HTML made speakable: the paragraphs a listener should hear, and nothing else.

:func:`speakable_paragraphs` turns an HTML fragment (a feed summary, a card of a saved page, a
newsletter cell) into paragraphs of plain text:

- block elements (``p``, ``div``, headings, ``blockquote``, table cells in a layout table, …)
  become paragraphs; ``<br><br>`` breaks a paragraph, one ``<br>`` is a space;
- a list becomes one paragraph whose items are sentences (a full stop added when missing);
- code blocks (``pre``, a ``code`` element holding a line break or standing alone in its
  block), tables, figures, images, media, scripts, styles, iframes, forms, navigation, hidden
  elements (``hidden``, ``aria-hidden``, ``display:none``: an e-mail's preheader) and
  "share" / comment-count furniture are dropped; inline code stays as text;
- "Read more" links and lines that only decorate a page (:mod:`.boilerplate`) are dropped;
- entities are decoded and whitespace collapsed.

The same walk (:func:`blocks`) gives the HTML reader its blocks with what it needs to find
articles: heading levels, bold or linked lines, links and read-more targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from audiodigest.sources.boilerplate import is_boilerplate, is_read_more
from audiodigest.sources.common import clean_text

# Elements whose content is never narration.
DROPPED = frozenset(
    {
        "script", "style", "template", "noscript", "head", "title", "meta", "link",
        "pre", "table", "figure", "img", "picture", "svg", "math", "video", "audio", "source",
        "track", "iframe", "object", "embed", "canvas", "map", "form", "button", "input",
        "select", "textarea", "label", "nav", "dialog",
    }
)  # fmt: skip
# Elements that start and end a paragraph.
BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
        "address", "center", "details", "summary", "dl", "dt", "dd", "figcaption", "hgroup",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body", "html", "ul", "ol", "li", "menu",
        "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "fieldset", "legend",
    }
)  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LINE_HEADING = 7  # a line that is all bold, or all one link: a newsletter's title
_BOLD = frozenset({"b", "strong"})
_LINE_HEADING_WORDS = 20

# Class or id words of page furniture: share buttons, comment counts, menus, sidebars.
_FURNITURE = re.compile(
    r"(?i)^(?:[a-z0-9]+[-_])*(?:share|sharing|sharedaddy|social|comments?|comment-?count"
    r"|sidebar|navbar|navigation|menu|breadcrumbs?|related(?:-posts)?|cookie|skip-link"
    r"|screen-reader-text|sr-only|visually-hidden|preheader)(?:[-_][a-z0-9]+)*$"
)
# Containers that hold the content itself, never taken for furniture whatever their class.
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article"})
MAX_NESTING = 256
# Past this depth the walk reads an element's text without its structure (recursion bound).
_MAX_WALK_DEPTH = 200
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:\s[^>]*?)?(/?)>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr", "keygen", "frame", "basefont", "bgsound", "image"}
)  # fmt: skip
_AUTO_CLOSING = frozenset(
    {"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
     "rb", "rt", "rp", "rtc", "colgroup", "caption", "html", "head", "body"}
)  # fmt: skip
_HOLDS_CONTENT = "main, article, .h-entry, .hentry, [role=main]"
_HIDDEN_STYLE = re.compile(r"(?i)(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)")
_BARE_URL = re.compile(r"(?i)(?:https?://|www\.)\S+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_ELLIPSIS_MARK = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\))\s*$")


@dataclass
class Block:
    """A paragraph of a page as the walk found it.

    ``heading`` is 1–6 for ``h1``–``h6``, :data:`LINE_HEADING` for a short line that is all
    bold or all one link, 0 for prose; ``href`` is the link the whole block is (a heading's
    link); ``more`` the target of a read-more link in or after it; ``rule`` marks an ``<hr>``.
    """

    text: str
    heading: int = 0
    href: str | None = None
    more: str | None = None
    links: list[str] = field(default_factory=list)
    rule: bool = False
    node: LexborNode | None = None
    boilerplate: bool = False  # "Unsubscribe", "View in browser": never read, ends an article
    linked: bool = False  # all its text is link text (a menu, a list of links)


def sentence(text: str) -> str:
    """``text`` ending as a sentence does (a full stop added when it has no end mark).

    >>> sentence("Three new models"), sentence("Is it fast?"), sentence("")
    ('Three new models.', 'Is it fast?', '')
    """
    text = text.strip()
    if not text or _SENTENCE_END.search(text):
        return text
    return text + "."


def is_furniture(node: LexborNode) -> bool:
    """True for an element a reader never narrates: dropped tags, hidden elements, and
    share / comment / menu furniture named by its class or id."""
    tag = node.tag or ""
    if tag in DROPPED:
        return True
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    if (attrs.get("role") or "").lower() in ("navigation", "search", "complementary"):
        return True
    if tag in _NEVER_FURNITURE:
        return False
    words = (attrs.get("class") or "").split() + (attrs.get("id") or "").split()
    if not any(_FURNITURE.match(word) for word in words):
        return False
    # "has-sidebar" on the page's content column: never drop what holds the articles.
    return node.css_first(_HOLDS_CONTENT) is None


def _is_code_block(node: LexborNode) -> bool:
    """A ``code`` element that is a listing, not a word in a sentence."""
    text = node.text(deep=True) or ""
    if "\n" in text.strip():
        return True
    parent = node.parent
    if parent is None or parent.tag not in BLOCKS:
        return False
    siblings = [c for c in _children(parent) if c.tag != "-comment"]
    return all(
        c.mem_id == node.mem_id or (c.tag == "-text" and not (c.text_content or "").strip())
        for c in siblings
    )


def _is_data_table(node: LexborNode) -> bool:
    """A table of data (header cells or a caption), as opposed to an e-mail's layout table."""
    return node.css_first("th, thead, caption") is not None


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


@dataclass
class _Line:
    """Inline content up to a ``<br>``, with what tells a title line from prose."""

    pieces: list[str] = field(default_factory=list)
    chars: int = 0  # non-space characters
    bold_chars: int = 0
    link_chars: dict[str, int] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    done: str | None = None

    def text(self) -> str:
        """The line's text, cleaned (computed once: a line is complete when it is read)."""
        if self.done is None:
            self.done = _ELLIPSIS_MARK.sub("…", clean_text("".join(self.pieces)))
        return self.done

    def title_link(self) -> tuple[bool, str | None]:
        """Whether the line reads as a title (short, all bold or all one link), and its link."""
        text = self.text()
        if (
            not self.chars
            or len(text.split()) > _LINE_HEADING_WORDS
            or _SENTENCE_END.search(text.rstrip("…"))
            or _BARE_URL.fullmatch(text)  # a link spelled out is an address, not a title
        ):
            return False, None
        link, chars = max(self.link_chars.items(), key=lambda kv: kv[1], default=(None, 0))
        if link and chars >= self.chars:
            return True, link
        if self.bold_chars >= self.chars:
            return True, link if link and chars * 2 >= self.chars else None
        return False, None


@dataclass
class _Run:
    """The inline content gathered since the last block boundary, line by line."""

    lines: list[_Line] = field(default_factory=lambda: [_Line()])
    more: str | None = None


class _Walk:
    def __init__(self, layout_tables: bool) -> None:
        self.layout_tables = layout_tables
        self.out: list[Block] = []
        self.run = _Run()
        self.holder: LexborNode | None = None

    def emit(self, lines: list[_Line], heading: int, href: str | None) -> None:
        text = clean_text(" ".join(line.text() for line in lines))
        if not text:
            return
        links = [link for line in lines for link in line.links]
        if heading and href is None and links:
            href = links[0]
        chars = sum(line.chars for line in lines)
        linked = sum(sum(line.link_chars.values()) for line in lines)
        self.out.append(
            Block(
                text,
                heading,
                href,
                None,
                links,
                node=self.holder,
                boilerplate=is_boilerplate(text),
                linked=linked >= 0.9 * chars,
            )
        )

    def flush(self, heading: int = 0, href: str | None = None) -> None:
        """The inline run becomes blocks: ``<br><br>`` splits paragraphs, and a title line
        (all bold or one link) before a ``<br>`` is a block of its own."""
        run, self.run = self.run, _Run()
        groups: list[list[_Line]] = [[]]
        for line in run.lines:
            if line.text():
                groups[-1].append(line)
            elif groups[-1]:
                groups.append([])
        start = len(self.out)
        for group in groups:
            if not group:
                continue
            if heading:
                self.emit(group, heading, href)
                continue
            is_title, link = group[0].title_link()
            if is_title:
                self.emit(group[:1], LINE_HEADING, link)
                group = group[1:]
            if group:
                self.emit(group, 0, None)
        if run.more:
            target = self.out[-1] if self.out else None
            if (
                target is not None
                and target.more is None
                and (len(self.out) > start or not target.heading)
            ):
                target.more = run.more

    def text(self, text: str, bold: bool, link: str | None) -> None:
        line = self.run.lines[-1]
        line.pieces.append(text)
        chars = len("".join(text.split()))
        line.chars += chars
        if bold:
            line.bold_chars += chars
        if link is not None:
            line.link_chars[link] = line.link_chars.get(link, 0) + chars

    def visit(
        self, node: LexborNode, bold: bool = False, link: str | None = None, depth: int = 0
    ) -> None:
        tag = node.tag or ""
        if tag == "-text":
            self.text(node.text_content or "", bold, link)
            return
        if depth > _MAX_WALK_DEPTH:
            if not is_furniture(node):
                self.text(node.text(deep=True) or "", bold, link)
            return
        if tag.startswith("-"):  # comments, doctype
            return
        if tag == "table" and self.layout_tables and not _is_data_table(node):
            pass  # a layout table: its cells are blocks
        elif is_furniture(node) or (tag == "code" and _is_code_block(node)):
            if tag in BLOCKS or tag in DROPPED:
                self.flush()
            return
        if tag == "br":
            self.run.lines.append(_Line())
            return
        if tag == "a":
            href = (node.attributes.get("href") or "").strip() or None
            label = clean_text(node.text(deep=True) or "")
            if href and is_read_more(label):
                self.run.more = self.run.more or href
                return
            if href and _BARE_URL.fullmatch(label):
                self.run.lines[-1].links.append(href)
                return  # an address spelled out is not read; the link is kept
            if href:
                self.run.lines[-1].links.append(href)
                link = href
        bold = bold or tag in _BOLD or _bold_style(node)
        if tag in ("ul", "ol", "menu"):
            self.flush()
            self.list_block(node, depth)
            return
        if tag == "hr":
            self.flush()
            self.out.append(Block("", rule=True, node=node))
            return
        if tag in BLOCKS:
            self.flush()
            holder, self.holder = self.holder, node
            for child in _children(node):
                self.visit(child, bold, link, depth + 1)
            self.flush(HEADINGS.get(tag, 0), link if tag in HEADINGS else None)
            self.holder = holder
            return
        for child in _children(node):
            self.visit(child, bold, link, depth + 1)

    def list_block(self, node: LexborNode, depth: int = 0) -> None:
        """A list as one paragraph whose items are sentences."""
        inner = _Walk(self.layout_tables)
        items: list[str] = []
        more: str | None = None
        links: list[str] = []
        for item in _children(node):
            if item.tag == "-text" or item.tag is None or item.tag.startswith("-"):
                continue
            if is_furniture(item):
                continue
            inner.out = []
            inner.holder = item
            inner.visit(item, depth=depth + 1)
            inner.flush()
            for block in inner.out:
                if block.text and not block.boilerplate:
                    items.append(sentence(block.text))
                links.extend(block.links)
                more = more or block.more
        text = " ".join(items)
        if text:
            self.out.append(Block(text, 0, None, more, links, node=node))


def _bold_style(node: LexborNode) -> bool:
    style = (node.attributes.get("style") or "").lower().replace(" ", "")
    return "font-weight:bold" in style or re.search(r"font-weight:[6-9]00", style) is not None


class TooDeep(ValueError):
    """HTML nested more deeply than :data:`MAX_NESTING` elements."""


def nesting(html: str, limit: int = 10**9) -> int:
    """How deeply the elements of ``html`` nest, counted from its tags (stops past ``limit``).

    Elements the parser closes by itself (``p``, ``li``, ``td``…) and void ones (``br``,
    ``img``…) do not count, so a page of unclosed paragraphs is shallow.

    >>> nesting("<div><p>a<p>b<div><span>c</span></div></div>")
    3
    """
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or name in _AUTO_CLOSING or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def html_tree(html: str) -> LexborHTMLParser:
    """The document tree of ``html`` (lexbor is forgiving: any text gives a tree).

    Raises :class:`TooDeep` for HTML nested more than :data:`MAX_NESTING` deep: the HTML
    tree builder's scope checks make deep nesting quadratic (100,000 nested ``div`` take
    minutes), and no page needs it.
    """
    if nesting(html, MAX_NESTING) > MAX_NESTING:
        raise TooDeep(f"HTML nested more than {MAX_NESTING} elements deep")
    return LexborHTMLParser(html)


def blocks(node: LexborNode, *, layout_tables: bool = False) -> list[Block]:
    """The blocks of ``node`` in document order (see :class:`Block`).

    With ``layout_tables``, a table without header cells or a caption is read as layout (its
    cells are blocks), the way e-mail newsletters are built; otherwise every table is dropped.
    """
    walk = _Walk(layout_tables)
    walk.visit(node)
    walk.flush()
    return walk.out


def speakable_paragraphs(html: str) -> list[str]:
    """The paragraphs of the HTML fragment ``html`` as a listener should hear them (rules in
    the module docstring), in order; empty when nothing in it is narration.

    >>> speakable_paragraphs("<p>A &amp; B</p><pre>x = 1</pre><ul><li>One<li>Two!</ul>")
    ['A & B', 'One. Two!']
    """
    try:
        tree = html_tree(html)
    except TooDeep:
        # A summary no page would write: read its words, not its structure.
        return [text] if (text := clean_text(unescape(_TAG.sub(" ", html)))) else []
    root = tree.body or tree.root
    if root is None:
        return []
    return [block.text for block in blocks(root) if block.text and not block.boilerplate]
