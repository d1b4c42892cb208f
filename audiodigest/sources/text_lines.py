"""The lines of a plain-text digest and the blocks they form, before any structure is read
(:mod:`audiodigest.sources.text` reads the articles from them): each line classified, a
plain-text e-mail's headers, footer and reference list handled, blocks cut at blank lines,
and the tests of a line or block (title-like, heading-like, menu, typed entry) the reader uses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from audiodigest.sources.boilerplate import split_reading_time
from audiodigest.sources.common import Kind, classify, split_read_more

WORDY = (Kind.TEXT, Kind.NUMBERED, Kind.BULLET, Kind.SPONSOR)  # lines that hold words
MAX_TITLE_WORDS = 25
MAX_TITLE_LENGTH = 200
_FOOTER_WORDS = 12  # a footer's own lines (an address, a company name) are short


@dataclass
class Line:
    """One line of the digest: its 1-based number, stripped text, kind and the value the kind
    carries (a URL, a source name, a date)."""

    number: int
    text: str
    kind: Kind
    value: str | None
    indented: bool
    links: list[str] = field(default_factory=list)  # from "[3]" markers with a reference list


Block = list[Line]


# --- lines ------------------------------------------------------------------------------------


# A plain-text e-mail's reference list ("[3] https://...") and the markers that point into it.
_REFERENCE = re.compile(r"\[(?P<n>\d{1,4})\]:?\s*<?(?P<url>https?://[^\s>]+)>?")
_MARKER = re.compile(r"\s?\[(?P<n>\d{1,4})\]")
_REFERENCE_HEADING = re.compile(r"(?i)(?:links|references|sources)\s*:?")


def tokenize_lines(text: str) -> list[Line]:
    """Every line of ``text`` classified, with e-mail headers marked and the footer cut;
    a Read-more line sharing a line with text becomes two lines."""
    lines: list[Line] = []
    raw_lines = text.split("\n")
    references = {match.group("n"): match.group("url") for raw in raw_lines
                  if (match := _REFERENCE.fullmatch(raw.strip()))}
    for number, raw in enumerate(raw_lines, 1):
        line = raw.strip()
        links: list[str] = []
        if references:
            if _REFERENCE.fullmatch(line) or _REFERENCE_HEADING.fullmatch(line):
                # The list itself is not read; its links go to the markers.
                lines.append(Line(number, "", Kind.BLANK, None, False))
                continue
            links = [references[m.group("n")] for m in _MARKER.finditer(line)
                     if m.group("n") in references]
            if links:
                line = _MARKER.sub(
                    lambda m: "" if m.group("n") in references else m.group(), line).strip()
        kind, value = classify(line)
        indented = raw[:1] in (" ", "\t")
        if kind in (Kind.TEXT, Kind.NUMBERED, Kind.BULLET) and (split := split_read_more(line)):
            rest, url = split
            lines.append(Line(number, rest, *classify(rest), indented, links))
            lines.append(Line(number, line, Kind.READ_MORE, url, indented))
            continue
        lines.append(Line(number, line, kind, value, indented, links))
    mark_mail_headers(lines)
    # A card's date and reading time say nothing to a listener; they go before any structure
    # is looked for, so a title and its summary around them still meet.
    return cut_footer([line for line in lines if line.kind is not Kind.DECORATION])


_MAIL_HEADER = re.compile(r"(?i)(?P<key>from|to|cc|bcc|date|sent|subject|reply-to)\s*:\s*(?P<value>\S.*)")


def mark_mail_headers(lines: list[Line]) -> None:
    """A forwarded e-mail's header block (two or more "From:", "Subject:", "Date:" lines in a
    row) is furniture; its Subject is kept as the line's value, for the digest's title."""
    run: list[Line] = []
    for line in [*lines, Line(0, "", Kind.BLANK, None, False)]:
        if _MAIL_HEADER.fullmatch(line.text):
            run.append(line)
            continue
        if len(run) >= 2:
            for header in run:
                match = _MAIL_HEADER.fullmatch(header.text)
                subject = match is not None and match.group("key").lower() == "subject"
                header.kind = Kind.FURNITURE
                header.value = match.group("value") if match and subject else None
        run = []


def cut_footer(lines: list[Line]) -> list[Line]:
    """Drop an e-mail's footer: from a furniture line ("Unsubscribe", "You are receiving this")
    after which nothing but short lines, links and furniture follow, with its block."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.kind is Kind.FURNITURE:
            start = index
        elif line.kind in (Kind.READ_MORE, Kind.NUMBERED, Kind.BULLET, Kind.PUBLISHED) or (
            line.kind is Kind.TEXT and len(line.text.split()) > _FOOTER_WORDS
        ):
            break
    if start is None or not any(line.kind in WORDY for line in lines[:start]):
        return lines
    while start > 0 and lines[start - 1].kind is Kind.TEXT:
        if len(lines[start - 1].text.split()) > _FOOTER_WORDS:
            break
        start -= 1
    return lines[:start] if any(line.kind in WORDY for line in lines[:start]) else lines


def split_blocks(lines: list[Line]) -> list[Block]:
    """Blank-line blocks; rules and blank lines separate blocks, a furniture line is a block of
    its own, and a page pasted without blank lines is cut at its titles (:func:`_unpack`)."""
    blocks: list[Block] = [[]]
    for line in lines:
        if line.kind in (Kind.BLANK, Kind.RULE, Kind.READ_MORE):
            if blocks[-1]:
                blocks.append([])
        elif line.kind is Kind.FURNITURE:
            blocks.extend([[line], []])
        else:
            blocks[-1].append(line)
    return [part for block in blocks if block for part in unpack(block)]


def is_menu(block: Block) -> bool:
    """A page's menu at the top of a paste: three or more lines of one to three capitalised
    words ("Home", "News", "Sign in")."""
    return len(block) >= 3 and all(
        line.kind is Kind.TEXT and len(line.text.split()) <= 3 and line.text[0].isupper()
        and line.text[-1].isalpha() for line in block)


def unpack(block: Block) -> list[Block]:
    """A page pasted without its blank lines: short title lines each followed by a long
    paragraph line, two or more times in one block, are split as if the blanks were there."""
    pairs = [i for i in range(len(block) - 1)
             if block[i].kind is Kind.TEXT and block[i + 1].kind is Kind.TEXT
             and title_like(block[i]) and len(block[i].text.split()) <= _DENSE_TITLE_WORDS
             and len(block[i + 1].text.split()) >= _DENSE_PARAGRAPH_WORDS]
    if len(pairs) < 2:
        return [block]
    parts: list[Block] = []
    start = 0
    for i in pairs:
        parts.extend([block[start:i], [block[i]]])
        start = i + 1
    parts.append(block[start:])
    return [part for part in parts if part]


_DENSE_TITLE_WORDS = 12
_DENSE_PARAGRAPH_WORDS = 15


def wordy_lines(block: Block) -> list[Line]:
    """The lines of ``block`` that hold words (not links, sources, dates or rules)."""
    return [line for line in block if line.kind in WORDY]


def title_like(line: Line) -> bool:
    """Could this line, standing alone, be a title (short, not ending like a sentence)?"""
    text = line.text
    if line.kind is Kind.SPONSOR:
        return False
    if split_reading_time(text)[1] is not None:
        return True
    return (
        len(text.split()) <= MAX_TITLE_WORDS
        and len(text) <= MAX_TITLE_LENGTH
        and not text.endswith((".", ",", ";", ":", "…"))
        and not _TWO_SENTENCES.search(text)
    )


# "Triage done by @rylev. Revision range: ..." is prose; "Mr. Smith", "U.S. Army" are not.
_TWO_SENTENCES = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")


def opens_typed_entry(line: Line) -> bool:
    """Could this line be the title of a block whose next lines are its summary?"""
    return (not line.text.endswith((".", ",", ";", ":", "…"))
            and len(line.text.split()) <= MAX_TITLE_WORDS and not _TWO_SENTENCES.search(line.text))


def looks_typed(block: Block) -> bool:
    """A title with its summary right under it: the next line starts a sentence of its own.
    (A paragraph wrapped by an e-mail program goes on in lower case: "...held / a stable orbit".)
    """
    words = wordy_lines(block)
    return (len(words) > 1 and opens_typed_entry(words[0])
            and not words[1].text[0].islower())


def lone_title(block: Block | None) -> bool:
    """A block of one title-like line and nothing else that speaks."""
    if block is None:
        return False
    words = wordy_lines(block)
    return len(words) == 1 and title_like(words[0])


def heading_like(line: Line) -> bool:
    """A section heading of a digest: in capitals, or opening with an emoji."""
    text = line.text
    return (any(ch.isalpha() for ch in text) and text.upper() == text) or (
        unicodedata.category(text[0]) == "So"
    )


def is_tag(line: Line) -> bool:
    """A heading short and plain enough to name the section ("Research", "🚀 LAUNCHES")."""
    return len(line.text.split()) <= 8 and not line.text.endswith(("!", "?"))


def section_name(line: Line) -> str:
    """A heading without its ornaments ("## 🚀 LAUNCHES:" names "LAUNCHES")."""
    return re.sub(r"^[\W_]+|[\s:*#=_•·—–-]+$", "", line.text) or line.text
