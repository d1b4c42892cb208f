"""Plain-text digests: text copied from a page of article cards, a newsletter's plain-text part,
or typed by hand (UTF-8; a BOM, CRLF line ends and surrounding whitespace are fine).

The structure is inferred from the whole file; the strongest delimiter present decides:

1. ``Read more`` lines (``Read more →``, ``->``, ``»`` or no arrow, "Continue reading",
   "Read the full story", "Full story →"...): each one ends an article. Its URL may follow on
   the same line or alone on the next (even after a blank line).
2. Horizontal rules (``---``, ``***``, ``___``, ``———``, ``* * *``) between articles.
3. Numbered items (``1. Title — summary``, ``2) Title`` with the summary below), then
   bulleted items (``- **Title**: summary (https://...)``, ``• Title – summary``).
4. Otherwise blank-line blocks.

Inside an article, the title is either a line of its own followed by one or more summary
paragraphs (the layout of a pasted web page), or the first line of a block whose next lines are
the summary (the typed layout). Paragraphs are kept apart ("\\n\\n"); wrapped lines are joined.
A page pasted without its blank lines is cut at its short title lines. A line holding only a
URL, or a ``[3]`` marker pointing into an e-mail's reference list, is the article's link;
``Source: Name``, ``— Publication`` and
``via Name`` give the source, ``Published: date`` the date; a reading time after a title
("(5 minute read)") is dropped. Before the first article, an issue title and an intro become
the digest's own title and summary; a run of lone lines above an article holds headings (a
short one becomes the tag of the articles under it). E-mail and page furniture ("View in browser",
"Unsubscribe", "You are receiving this…", "Forwarded by…", dates and "5 min read" lines,
buttons) and sponsor blocks are never read. Where the reader had to guess, it says so in one
warning.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass, field

from audiodigest.errors import SourceError
from audiodigest.sources.boilerplate import is_sponsor, split_reading_time
from audiodigest.sources.common import (
    Draft,
    Kind,
    Reading,
    Where,
    check_count,
    decode,
    item_number,
    parse_date,
    shorten,
)
from audiodigest.sources.text_lines import (
    MAX_TITLE_WORDS,
    WORDY,
    Block,
    Line,
    heading_like,
    is_menu,
    is_tag,
    lone_title,
    looks_typed,
    opens_typed_entry,
    section_name,
    split_blocks,
    title_like,
    tokenize_lines,
    wordy_lines,
)

_META = (Kind.URL, Kind.SOURCE, Kind.PUBLISHED)


class _Layout(enum.Enum):
    WEB = "title on its own line"  # Title / blank / paragraph(s)
    TYPED = "title and summary in one block"  # Title / summary lines


@dataclass
class _Group:
    """One article as found: its title line and the lines after it."""

    title: Line
    web: bool  # the title stood alone (pasted-page layout)
    paragraphs: list[list[Line]] = field(default_factory=list)
    url: str | None = None
    source: str | None = None
    published: Line | None = None
    sponsored: bool = False  # a paid block, or furniture (never read)
    furniture: bool = False
    tags: list[str] = field(default_factory=list)

    def meta(self, line: Line) -> None:
        if line.kind is Kind.URL:
            self.url = self.url or line.value
        elif line.kind is Kind.SOURCE:
            self.source = self.source or line.value
        elif line.kind is Kind.PUBLISHED and self.published is None:
            self.published = line


@dataclass
class _Region:
    """The lines up to a Read-more line (or the end of the text): one or more articles."""

    lines: list[Line]
    read_more: Line | None = None  # the Read-more line that closed it
    url: str | None = None


# --- structure --------------------------------------------------------------------------------


def _layout(regions: list[list[Block]]) -> _Layout:
    """Whether titles stand alone or open their summary's block, by counting both shapes."""
    web = typed = 0
    for region in regions:
        blocks = [block for block in region if wordy_lines(block)]
        for index, block in enumerate(blocks):
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            before = blocks[index - 1] if index else None
            if lone_title(block) and after is not None and not lone_title(after) and (
                    not looks_typed(after)):
                web += 1
            elif len(wordy_lines(block)) > 1 and opens_typed_entry(wordy_lines(block)[0]):
                typed += 0 if lone_title(before) and not looks_typed(block) else 1
    return _Layout.WEB if web > typed else _Layout.TYPED


def _group(blocks: list[Block], layout: _Layout, section: list[str],
           delimited: bool = True, top: bool = False) -> tuple[
        list[Block], list[_Group]]:
    """The articles in one stretch of blocks, and the blocks before the first one.

    ``section`` holds the current section heading (carried from one stretch to the next);
    ``top`` says no article came before, so headings above the first one are the digest's own.
    """
    blocks = [block for block in blocks if wordy_lines(block) or block]
    loose: list[Block] = []
    groups: list[_Group] = []
    current: _Group | None = None
    for index, block in enumerate(blocks):
        words = wordy_lines(block)
        rest = [line for line in block if line is not words[0]] if words else block
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if not words and block[0].kind is not Kind.FURNITURE:  # links, sources, dates alone
            if current is not None:
                for line in block:
                    current.meta(line)
            else:
                loose.append(block)
            continue
        if block[0].kind is Kind.FURNITURE:
            if current is None:
                continue
            # "Want to advertise?", "Share this": what follows, up to the next title, is theirs.
            current = _Group(block[0], web=True, sponsored=True, furniture=True)
            groups.append(current)
            continue
        first = words[0]
        if first.kind is Kind.SPONSOR or (current is None or current.paragraphs) and (
                len(words) == 1 and title_like(first) and after is not None):
            if first.kind is not Kind.SPONSOR and _is_heading(
                    block, after, blocks[index + 2:], layout, delimited):
                if top and not groups and not heading_like(first):
                    loose.append(block)  # the digest's own title, above its first article
                elif is_tag(first):
                    section[:] = [section_name(first)]
                continue
            current = _Group(first, web=len(words) == 1, sponsored=is_sponsor(first.text),
                             tags=list(section))
            groups.append(current)
            _add(current, rest)
        elif current is not None and current.sponsored and not current.furniture and (
                not current.paragraphs):
            _add(current, block)  # a paid block's own text
        elif len(words) > 1 and (layout is _Layout.TYPED if current is not None
                                 else len(first.text.split()) <= MAX_TITLE_WORDS):
            current = _Group(first, web=False, sponsored=is_sponsor(first.text),
                             tags=list(section))
            groups.append(current)
            _add(current, rest)
        elif current is None:
            loose.append(block)
        else:
            _add(current, block)
    return loose, groups


def _lead(blocks: list[Block]) -> int:
    """How many lone title-like lines open a stretch before its first paragraph."""
    blocks = [block for block in blocks if wordy_lines(block)]
    while blocks and is_menu(blocks[0]):
        blocks.pop(0)
    count = 0
    while count < len(blocks) - 1 and lone_title(blocks[count]):
        count += 1
    return count


def _usual_lead(regions: list[list[Block]]) -> int | None:
    """The number of lone lines (title, perhaps a subtitle) that open most delimited articles."""
    leads = Counter(_lead(blocks) for blocks in regions
                    if any(wordy_lines(block) for block in blocks))
    if not leads:
        return None
    most = max(leads.values())
    return min(lead for lead, count in leads.items() if count == most) or None


def _extra_headings(blocks: list[Block], lead: int) -> list[Block]:
    """The lone lines above an article beyond the usual title (and subtitle): a page or
    section heading, to be kept out of the article."""
    extra = _lead(blocks) - lead
    if extra <= 0:
        return []
    taken: list[Block] = []
    for block in blocks:
        if len(taken) == extra:
            break
        taken.append(block)
    return taken if all(lone_title(block) or not wordy_lines(block) for block in taken) else []


def _is_heading(block: Block, after: Block | None, later: list[Block],
                layout: _Layout, delimited: bool) -> bool:
    """A lone line is a section heading when an article starts right below it.

    Without Read-more lines or rules, of a run of lone lines above a paragraph only the last is
    the article's title; the ones above it are headings."""
    if after is None:
        return False
    first = wordy_lines(block)[0]
    after_words = wordy_lines(after)
    if layout is _Layout.TYPED and len(after_words) > 1 and opens_typed_entry(after_words[0]):
        return True
    if not delimited and lone_title(after):
        run = 1 + next((i for i, b in enumerate(later) if not lone_title(b)), len(later))
        return run <= len(later) or run >= 3  # a paragraph follows, or a title and its summary
    if not lone_title(after) or not later or lone_title(later[0]) or not wordy_lines(later[0]):
        return False
    return heading_like(first) or split_reading_time(after_words[0].text)[1] is not None


def _add(group: _Group, lines: list[Line]) -> None:
    paragraph: list[Line] = []
    for line in lines:
        if line.kind in _META:
            group.meta(line)
        elif line.kind is not Kind.SPONSOR:
            paragraph.append(line)
    if paragraph:
        group.paragraphs.append(paragraph)


# --- titles and items -------------------------------------------------------------------------

_TRAILING_LINK = re.compile(r"\s*[(<\[]\s*(?P<url>https?://[^\s)>\]]+)\s*[)>\]]\s*$|\s+(?P<bare>https?://\S+)\s*$")
_LINKED_TITLE = re.compile(r"\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)(?P<rest>.*)")
_BOLD_TITLE = re.compile(r"(\*\*|__)(?P<title>.+?)\1(?P<rest>.*)")
_DASHES = re.compile(r"\s+[—–]\s+|\s+-{1,2}\s+|\s+\|\s+")
_COLON = re.compile(r"(?P<title>[^:]{3,120}?):\s+(?P<rest>\S.*)")


def _split_title(text: str) -> tuple[str, str | None, str | None]:
    """An item line's title, the summary on the same line (if any) and its link (if any).

    >>> _split_title("**Solar sails**: A 40 m² sail held orbit. (https://example.com/s)")
    ('Solar sails', 'A 40 m² sail held orbit.', 'https://example.com/s')
    >>> _split_title("Cold starts (4 minute read) — Warm pools cut the wait.")
    ('Cold starts', 'Warm pools cut the wait.', None)
    """
    url = None
    if link := _TRAILING_LINK.search(text):
        url = link.group("url") or link.group("bare")
        text = text[: link.start()].rstrip()
    title, rest = text, None
    if match := _LINKED_TITLE.match(text):
        title, url = match.group("title"), url or match.group("url")
        rest = re.sub(r"^\s*[:—–|-]", "", match.group("rest"))
    elif match := _BOLD_TITLE.match(text):
        title, rest = match.group("title"), re.sub(r"^\s*[:—–|-]", "", match.group("rest"))
    elif match := _DASHES.search(text):
        title, rest = text[: match.start()], text[match.end() :]
    elif (match := _COLON.fullmatch(text)) and len(match.group("title").split()) <= 12 and (
        len(match.group("rest").split()) >= 6
    ):
        title, rest = match.group("title"), match.group("rest")
    title = split_reading_time(title.strip().strip("*_").strip())[0]
    if rest is not None:
        rest = rest.strip() or None
    return title, rest, url


def _sentence(line: Line) -> str:
    """A line as it is read: a list item becomes a sentence of its own."""
    if line.kind in (Kind.NUMBERED, Kind.BULLET) and line.value:
        text = line.value
        return text if text.endswith((".", "!", "?", "…", ":", ";")) else text + "."
    return line.text


def _draft(group: _Group, index: int, name: str, read_more: Line | None = None) -> Draft:
    where = Where(name, group.title.number, f"entry {index}")
    summary = [" ".join(_sentence(line) for line in paragraph) for paragraph in group.paragraphs]
    # A page that shows the title twice (its own heading, then the card's) says it once.
    # (Only when something else remains: "Title / Title" alone is a title and its summary.)
    distinct = [p for p in summary if p.casefold() != group.title.text.casefold()]
    summary = distinct or summary
    url = group.url or next(
        (link for line in [group.title, *(x for p in group.paragraphs for x in p)]
         for link in line.links), None)
    if group.title.kind in (Kind.NUMBERED, Kind.BULLET):
        title, inline, link = _split_title(group.title.value or "")
        url = url or link
        if inline and summary and _continues(group):
            summary[0] = f"{inline} {summary[0]}"
        elif inline:
            summary.insert(0, inline)
    else:
        # "**Title**" and "## Title": Markdown marks in a text digest are not part of the title.
        text = re.sub(r"^#{1,6}\s+", "", group.title.text).strip("*_ ").strip()
        title = split_reading_time(text or group.title.text)[0]
    if not summary:
        raise where.error(
            f"title {shorten(title)!r} has no summary (a summary follows its title, on the next"
            " line or after a blank line)"
        )
    published = None
    if group.published is not None:
        published = parse_date(group.published.value,
                               Where(name, group.published.number, f"entry {index}"))
    return Draft(where=where, title=title, summary="\n\n".join(summary), url=url,
                 source=group.source, published=published, tags=group.tags)


def _continues(group: _Group) -> bool:
    """An item's summary that starts on its line and goes on right below it is one paragraph."""
    first = group.paragraphs[0][0] if group.paragraphs and group.paragraphs[0] else None
    return first is not None and first.number == group.title.number + 1


# --- the reader -------------------------------------------------------------------------------


def _items(lines: list[Line]) -> list[int]:
    """Indexes of the lines that start items: a run of numbered lines 1, 2, 3..., else bullets,
    when items (not prose) open most blocks."""
    runs: list[list[int]] = []
    for index, line in enumerate(lines):
        if line.kind is not Kind.NUMBERED or line.indented:
            continue
        number = item_number(line.text)
        if runs and number == item_number(lines[runs[-1][-1]].text) + 1:  # type: ignore[operator]
            runs[-1].append(index)
        elif number in (0, 1):
            runs.append([index])
    numbered = max(runs, key=len, default=[])
    bullets = [i for i, line in enumerate(lines) if line.kind is Kind.BULLET and not line.indented]
    for starts in (numbered, bullets):
        if len(starts) < 2:
            continue
        openers = [block[0] for block in split_blocks(lines)]
        ids = {id(lines[i]) for i in starts}
        by_item = sum(1 for line in openers if id(line) in ids)
        by_text = sum(1 for line in openers if line.kind is Kind.TEXT)
        if by_item >= by_text - 1:
            return starts
    return []


def _regions(lines: list[Line], read_more: bool) -> list[_Region]:
    """The file cut at its Read-more lines (when ``read_more``) and rules."""
    regions = [_Region([])]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.kind is Kind.RULE:
            regions.append(_Region([]))
        elif line.kind is Kind.READ_MORE and read_more:
            region = regions[-1]
            region.read_more, region.url = line, line.value
            ahead = index
            while ahead < len(lines) and lines[ahead].kind in (Kind.BLANK, Kind.FURNITURE):
                ahead += 1
            if ahead < len(lines) and lines[ahead].kind is Kind.URL:
                region.url = region.url or lines[ahead].value
                index = ahead + 1
            regions.append(_Region([]))
        else:
            regions[-1].lines.append(line)
    return regions


_ISSUE = re.compile(
    r"""(?ix)\b(?:issue|edition|vol(?:ume)?\.?|no\.)\s*\#?\d+|\#\d+\b
    |\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{4}-\d\d-\d\d\b"""
)
_GREETING = re.compile(
    r"""(?ix)^(?:good\s+(?:morning|afternoon|evening)|hi|hello|hey|welcome|dear|greetings
    |happy\s+\w+day|(?:in\s+)?(?:this|today's|today’s)\s+(?:issue|edition)|here(?:'s|’s|\s+is|\s+are))\b"""
)


def _looks_like_intro(group: _Group) -> bool:
    first = group.paragraphs[0][0].text if group.paragraphs and group.paragraphs[0] else ""
    return bool((group.web and _ISSUE.search(group.title.text)) or _GREETING.match(first))


def parse_text(data: bytes, name: str) -> Reading:
    """Read a plain-text digest (rules in the module docstring) into drafts, in file order."""
    lines = tokenize_lines(decode(data, name))
    if not any(line.kind in WORDY for line in lines):
        raise SourceError("no articles found: only e-mail or page furniture (such as 'View in"
                          " browser' or 'Unsubscribe')", path=name)
    read_more = any(line.kind is Kind.READ_MORE for line in lines)
    rules = sum(1 for line in lines if line.kind is Kind.RULE)
    starts = [] if read_more else _items(lines)
    if len(starts) > rules + 1:  # items, not rules, part the articles
        return _read_items(lines, starts, name)
    regions = _regions(lines, read_more)
    region_blocks = [split_blocks(region.lines) for region in regions]
    layout = _layout(region_blocks)
    warnings: list[str] = []
    intro: list[Block] = []
    intro_group: _Group | None = None
    found: list[tuple[_Group, Line | None]] = []
    section: list[str] = []
    lead = _usual_lead(region_blocks) if len(regions) > 1 else None
    # Whether any words come after each region (so a first group may be an intro above them).
    words_after = [False] * len(regions)
    for index in range(len(regions) - 2, -1, -1):
        words_after[index] = words_after[index + 1] or any(
            line.kind in WORDY for line in regions[index + 1].lines)
    for number, region in enumerate(regions):
        blocks = region_blocks[number]
        while not found and intro_group is None and blocks and is_menu(blocks[0]):
            blocks.pop(0)
        if lead is not None:
            headings = _extra_headings(blocks, lead)
            if headings and not found and intro_group is None:
                intro.extend(headings)
            elif headings:
                section[:] = [section_name(wordy_lines(headings[-1])[0])]
            blocks = blocks[len(headings):]
        loose, groups = _group(blocks, layout, section, delimited=len(regions) > 1,
                               top=not found and intro_group is None)
        if region.read_more is not None and not groups:
            words = [line for block in loose for line in wordy_lines(block)]
            if not words:
                raise Where(name, region.read_more.number).error(
                    "a Read more line with no article above it (an article starts with its title)")
            groups = [_Group(words[0], web=True)]
            _add(groups[0], words[1:])
            loose = []
        if loose:
            if not found and intro_group is None:
                intro.extend(loose)
            else:
                warnings.append(f"line {loose[0][0].number}: {shorten(loose[0][0].text, 40)!r}"
                                " is not part of any article; not read")
        closed = region.read_more is not None
        later = words_after[number]
        # An issue's title and greeting look like an article; they never end in Read more.
        if not found and intro_group is None and groups and (
            len(groups) > 1 or (not closed and later)) and (
                _looks_like_intro(groups[0]) or (closed and groups[0].web)):
            intro_group = groups.pop(0)
        kept = [group for group in groups if not group.furniture]
        for group in groups:
            closer = region.read_more if kept and group is kept[-1] else None
            if closer is not None:
                group.url = group.url or region.url
            found.append((group, closer))
    if not read_more and not any(line.kind is Kind.RULE for line in lines) and layout is _Layout.WEB:
        warnings.insert(0, "no Read-more lines, rules or numbered items: took each title line"
                        " standing alone and the paragraphs under it as one article")
    return _reading(found, intro, intro_group, warnings, lines, name)


def _reading(found: list[tuple[_Group, Line | None]], intro: list[Block],
             intro_group: _Group | None, warnings: list[str], lines: list[Line],
             name: str) -> Reading:
    articles = [group for group, _ in found if not group.sponsored]
    paid = next((group for group, _ in found if group.sponsored and not group.furniture), None)
    if not articles and paid is not None:
        raise SourceError("no articles found: only sponsor blocks, which are never read",
                          path=name, line=paid.title.number)
    if not articles:
        first = next((line for line in lines if line.kind in (Kind.TEXT, Kind.NUMBERED,
                                                              Kind.BULLET)), None)
        raise SourceError(
            "no articles found: an article is a title line followed by its summary"
            + (f" ({shorten(first.text, 40)!r} has no summary under it)" if first else ""),
            path=name, line=first.number if first else None)
    drafts = []
    for index, group in enumerate(articles, 1):
        check_count(index, Where(name, group.title.number))
        drafts.append(_draft(group, index, name))
    title, summary = _intro(intro, intro_group)
    subject = next((line.value for line in lines if line.kind is Kind.FURNITURE and line.value),
                   None)
    title = title or subject
    return Reading(drafts, title=title, summary=summary, warnings=warnings)


def _intro(blocks: list[Block], group: _Group | None) -> tuple[str | None, str | None]:
    """The digest's own title and intro, from what came before the first article."""
    lines = [line for block in blocks for line in wordy_lines(block)]
    paragraphs = [" ".join(_sentence(line) for line in block if line.kind in WORDY)
                  for block in blocks]
    if group is not None:
        lines.append(group.title)
        paragraphs.append(group.title.text)
        paragraphs.extend(" ".join(_sentence(line) for line in p) for p in group.paragraphs)
    title = next((line.text for line in lines if title_like(line)), None)
    rest = [p for p in paragraphs if p and p != title and not title_like(
        Line(0, p, Kind.TEXT, None, False))]
    return title, "\n\n".join(rest) or None


def _read_items(lines: list[Line], starts: list[int], name: str) -> Reading:
    """A numbered or bulleted digest: each item line opens an article, which runs to the next
    item (or a rule); after the last item, only indented lines still belong to it."""
    warnings: list[str] = []
    found: list[tuple[_Group, Line | None]] = []
    section: list[str] = []
    bounds = [*starts, len(lines)]
    for number, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        last = number == len(starts) - 1
        item = lines[start]
        group = _Group(item, web=False, sponsored=is_sponsor(item.text), tags=list(section))
        body = lines[start + 1 : end]
        cut = next((i for i, line in enumerate(body) if line.kind is Kind.RULE), len(body))
        blocks, leftover = split_blocks(body[:cut]), split_blocks(body[cut:])
        if body and blocks and body[0] is blocks[0][0]:
            _add(group, blocks.pop(0))  # the lines right under the item
        has_summary = bool(group.paragraphs) or _split_title(item.value or "")[1] is not None
        extra: list[Block] = []
        for index, block in enumerate(blocks):
            final = index == len(blocks) - 1
            if not has_summary or block[0].indented or not (last or (final and lone_title(block))):
                _add(group, block)
                has_summary = True
            else:
                extra.append(block)
        leftover = [block for block in extra + leftover if wordy_lines(block)]
        if not last and leftover and lone_title(leftover[-1]):
            section[:] = [section_name(wordy_lines(leftover.pop())[0])]
        if leftover:
            warnings.append(f"line {wordy_lines(leftover[0])[0].number}:"
                            f" {shorten(wordy_lines(leftover[0])[0].text, 40)!r} is not part of any"
                            " article; not read")
        found.append((group, None))
    return _reading(found, split_blocks(lines[: starts[0]]), None, warnings, lines, name)
