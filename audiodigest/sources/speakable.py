"""HTML fragments made speakable: the prose a voice should read, paragraph by paragraph.

Paragraphs, headings, quotes and list items are kept as text; each list item becomes a sentence
of its list's paragraph. Code blocks, tables, figures, images, scripts, styles and forms are not
prose and are left out. Entities are decoded and whitespace is collapsed later by the cleaner.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose whole content is left out: code, data, media, page machinery.
_SKIP = frozenset({"pre", "table", "figure", "script", "style", "template", "noscript", "head",
                   "title", "svg", "math", "iframe", "object", "video", "audio", "form",
                   "select", "textarea", "button"})
# Elements that end a paragraph.
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "aside", "main",
                     "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
                     "address", "details", "summary", "nav"})
_LISTS = frozenset({"ul", "ol", "dl", "menu"})
_ITEMS = frozenset({"li", "dt", "dd"})
# HTML's own whitespace; a no-break space (&nbsp;) is kept, it is meant ("120&nbsp;B").
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]]*$")


def _as_sentence(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if not text or _SENTENCE_END.search(text) else text + "."


class _Speakable(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []  # text of the open paragraph
        self.item: list[str] | None = None  # text of the open list item
        self.skipping: list[str] = []  # the open skipped elements
        self.lists = 0  # how deep in lists: a whole list, nested ones too, is one paragraph

    def _flush_item(self) -> None:
        if self.item is not None:
            self.current.append(" " + _as_sentence("".join(self.item)) + " ")
            self.item = None

    def _flush(self) -> None:
        self._flush_item()
        text = _SPACE.sub(" ", "".join(self.current)).strip()
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag in _SKIP:
                self.skipping.append(tag)
            return
        if tag in _SKIP:
            self._flush()  # what stood before a table or listing is its own paragraph
            self.skipping.append(tag)
        elif tag in _LISTS:
            if not self.lists:
                self._flush()
            self.lists += 1
        elif tag in _ITEMS:
            self._flush_item()
            # The words that lead into a list ("Three changes") end their sentence there.
            lead = "".join(self.current)
            if lead.strip():
                self.current = [_as_sentence(lead)]
            self.item = []
        elif tag in _BLOCKS and not self.lists:
            self._flush()
        elif tag == "br":
            self.handle_data(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and (tag in _BLOCKS or tag == "br"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in self.skipping:  # an end tag closes what was left open inside it
                while self.skipping.pop() != tag:
                    pass
            return
        if tag in _LISTS and self.lists:
            self.lists -= 1
            if not self.lists:
                self._flush()
        elif tag in _ITEMS:
            self._flush_item()
        elif tag in _BLOCKS and not self.lists:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        (self.item if self.item is not None else self.current).append(data)


def speakable_paragraphs(html: str) -> list[str]:
    """The paragraphs of ``html`` a voice should read, each one line of plain text.

    >>> speakable_paragraphs("<p>Two fixes:</p><ul><li>faster builds</li><li>less memory</li>"
    ...                      "</ul><pre>make all</pre><p>Out now &amp; free.</p>")
    ['Two fixes:', 'faster builds. less memory.', 'Out now & free.']
    """
    parser = _Speakable()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.paragraphs
