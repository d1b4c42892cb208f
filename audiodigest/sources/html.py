"""HTML digests: a saved web page or a newsletter that lists articles.

The articles are found by the strongest structure the page has, in this order:

1. **Microformats**: each ``h-entry`` (or classic ``hentry``), read with mf2py: ``p-name`` /
   ``entry-title``, ``u-url`` / ``rel=bookmark``, ``dt-published``, ``p-author``,
   ``p-category`` / ``rel=tag``, the summary from ``p-summary`` / ``e-summary`` /
   ``entry-summary``, else the content.
2. **Cards**: each ``<article>`` element (not nested in another): its first heading is the
   title (the heading's link is the URL), the paragraphs after it the summary, a
   ``<time datetime>`` the date, a byline or author the source, ``rel=tag`` links the tags.
3. **Headings**: the heading level that most often heads a paragraph (``h2``… or, in e-mail
   newsletters built of tables, a line that is all bold or all one link) starts each article;
   the paragraphs up to the next such heading, a rule or a "Read more" link are its summary.
   This is a guess, and the reader says so in one warning.

Everywhere: navigation, the page's header, footer and asides, scripts, styles, forms, media,
tables of data, share buttons and comment counts are ignored; a "Read more" link gives the URL
when the title has none; "(5 minute read)" is cut from titles; click-tracking links are
unwrapped. Relative links are resolved against the page's ``<base href>``, else its canonical
link or ``og:url``; a page with none of these keeps no relative link (URLs must be http(s)) and
says so in a warning. The page's ``<h1>`` (else ``<title>``) is the digest's title, text before
the first article its intro. Each article's origin is ``page.html: article N (element)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import mf2py
from selectolax.lexbor import LexborHTMLParser, LexborNode

from audiodigest.errors import SourceError
from audiodigest.sources.boilerplate import byline, split_reading_time, untrack
from audiodigest.sources.common import (
    Draft,
    Reading,
    Where,
    check_count,
    clean_text,
    parse_date,
    shorten,
    web_url,
)
from audiodigest.sources.speakable import LINE_HEADING, Block, TooDeep, blocks, html_tree

_ENTRY = ".h-entry, .hentry"
_CARD_CONTAINERS = "article, .h-entry, .hentry"
_MF_SUMMARY = ".p-summary, .e-summary, .entry-summary"
_MF_CONTENT = ".e-content, .entry-content"
_MF_NAME = ".p-name, .entry-title"
# Card parts that describe the article rather than tell it: left out of the summary.
_META = (
    ".byline, .author, .p-author, .h-card, .vcard, [rel=author], .entry-meta, .post-meta, .meta,"
    " .tags, .categories, .p-category, [rel=tag], .dt-published, .published, .updated,"
    " .entry-date, .post-date, .date, footer"
)
_META_BLOCKS = frozenset({"byline", "entry-meta", "post-meta", "meta", "tags", "categories"})
_DATE_CLASSES = frozenset({"date", "post-date", "entry-date", "published", "updated", "dateline"})
_MF_NAME_CLASSES = frozenset({"p-name", "entry-title"})
_PAGE_FURNITURE = "nav, header, footer, aside, [role=banner], [role=contentinfo]"
_AUTHOR = ".p-author, .author, .byline, [rel=author]"
_TAGS = ".p-category, [rel~=tag]"
_BY = re.compile(r"(?i)^(?:posted\s+|written\s+)?by\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    r"""(?isx)^(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
    (?:<!doctype\s+html|<html[\s>]
      |<(?:head|body|div|p|article|section|main|h[1-6]|table|meta|title|ul|ol|center|span|a)[\s>/])"""
)
_MAX_TITLE_WORDS = 40
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# A line that is only a date ("November 24, 2026", "24 Nov 2026", "2026-11-24"): page furniture.
_DATE_LINE = re.compile(
    rf"(?i)^(?:(?:posted|published|updated)(?:\s+on)?:?\s+)?(?:[a-z]+day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})$"
)
# Headings of sections that are advertising, not stories.
_SPONSOR = re.compile(
    r"(?i)^\W*(?:sponsors?|sponsored(?:\s+by\b.*)?|advertisement|ads?|partners?"
    r"|from\s+our\s+(?:sponsors?|partners?))\W*$"
)


def looks_like_html(head: str) -> bool:
    """True when text starts as an HTML page or fragment does.

    >>> looks_like_html("<!DOCTYPE html><title>x</title>"), looks_like_html("<rss>")
    (True, False)
    """
    return _HTML_START.match(head.lstrip("\ufeff \t\r\n")) is not None


def declared_charset(data: bytes) -> str | None:
    """The charset a page's ``<meta>`` declares near its start, if any."""
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def decode_page(data: bytes, name: str) -> str:
    """The page's text: in its declared charset (``<meta charset>``), else UTF-8."""
    charset = declared_charset(data)
    if charset and charset.replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return data.decode(charset, "replace")
        except LookupError:
            raise SourceError(
                f"the page declares an unknown charset {charset!r}", path=name
            ) from None
    from audiodigest.sources.common import decode

    return decode(data, name)


def parse_html(data: bytes, name: str) -> Reading:
    """Read an HTML digest (rules in the module docstring)."""
    return read_page(decode_page(data, name), name)


@dataclass
class _Page:
    name: str
    base: str | None
    site_name: str | None
    unresolved: list[str] = field(default_factory=list)

    def url(self, href: str | None) -> str | None:
        """An absolute http(s) URL for ``href``, or None (relative without a base, mailto:…)."""
        if not href:
            return None
        href = href.strip()
        if href.startswith("#") or re.match(r"(?i)(?:mailto|tel|javascript|data):", href):
            return None
        if not re.match(r"(?i)[a-z][a-z0-9+.-]*:", href):
            if self.base is None:
                if href not in self.unresolved:
                    self.unresolved.append(href)
                return None
            href = urljoin(self.base, href)
        return web_url(untrack(href))


def _meta(tree: LexborHTMLParser, *keys: str) -> str | None:
    for key in keys:
        node = tree.css_first(f'meta[property="{key}"], meta[name="{key}"]')
        value = clean_text(node.attributes.get("content") or "") if node else ""
        if value:
            return value
    return None


def _base_url(tree: LexborHTMLParser) -> str | None:
    """The URL relative links are resolved against: <base href>, canonical, og:url."""
    canonical = None
    node = tree.css_first('link[rel~="canonical"]')
    if node is not None:
        canonical = web_url(node.attributes.get("href") or "")
    canonical = canonical or web_url(_meta(tree, "og:url"))
    base = tree.css_first("base[href]")
    if base is not None:
        href = (base.attributes.get("href") or "").strip()
        resolved = web_url(urljoin(canonical, href) if canonical else href)
        if resolved:
            return resolved
    return canonical


def _top_level(nodes: list[LexborNode]) -> list[LexborNode]:
    """The nodes not nested inside another of ``nodes``."""
    ids = {node.mem_id for node in nodes}
    return [node for node in nodes if not _has_ancestor(node, ids)]


def _has_ancestor(node: LexborNode, ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _is_meta(node: LexborNode | None) -> bool:
    """A block held by a date / byline / meta element, not prose."""
    return node is not None and _has_class(node, _META_BLOCKS | _DATE_CLASSES)


def _has_class(node: LexborNode, names: frozenset[str]) -> bool:
    return not names.isdisjoint((node.attributes.get("class") or "").split())


def _remove(nodes: list[LexborNode]) -> None:
    """Detach ``nodes`` from their tree (detached, not destroyed: a node nested in another
    stays valid memory)."""
    for node in nodes:
        node.remove()


def _words(node: LexborNode | None) -> int:
    return len((node.text(deep=True) or "").split()) if node is not None else 0


def _strip_page_furniture(root: LexborNode) -> None:
    """Remove the page's own header, footer, asides and navigation (not an article's)."""
    cards = {node.mem_id for node in root.css(_CARD_CONTAINERS)}
    _remove(
        [
            node
            for node in root.css(_PAGE_FURNITURE)
            if not _has_ancestor(node, cards) and node.css_first(_CARD_CONTAINERS) is None
        ]
    )


def _describe(node: LexborNode) -> str:
    """A short CSS-like name of an element: ``article#post-47``, else ``article.post``."""
    ident = (node.attributes.get("id") or "").strip()
    if ident and " " not in ident:
        return f"{node.tag}#{ident}"
    classes = (node.attributes.get("class") or "").split()
    return (node.tag or "?") + "".join(f".{c}" for c in classes[:1])


def _title(text: str) -> str:
    return split_reading_time(clean_text(text))[0]


def _source_from(text: str) -> str | None:
    text = re.split(r"\s[·|•]\s|\s[-–—]\s", clean_text(text))[0]  # "By Ana · 27 Nov · 3 Comments"
    text = byline(text) or _BY.sub("", text).strip(" ,|·—–-")
    return text if text and len(text.split()) <= 8 else None


def _first_text(values: list[Any]) -> str | None:
    for value in values:
        if isinstance(value, dict):
            value = value.get("value") or (value.get("properties", {}).get("name") or [None])[0]
        if isinstance(value, str) and value.strip():
            return value
    return None


def _date(raw: str | None, where: Where) -> Any:
    if not raw:
        return None
    try:
        return parse_date(raw, where)
    except SourceError:
        return None  # pages print dates in every style; an unreadable one is no article's fault


def _card(node: LexborNode, index: int, page: _Page, micro: bool) -> Draft | None:
    """One ``<article>`` or h-entry as a draft, or None when it has no title or no text."""
    where = Where(page.name, None, f"article {index}")
    props: dict[str, list[Any]] = {}
    if micro:
        try:
            items = mf2py.parse(doc=node.html or "", url=page.base)["items"]
        except RecursionError:  # its parser recurses; the walk below still reads the card
            items = []
        if items:
            props = items[0].get("properties", {})
    body = node.clone()
    assert body is not None
    parts = blocks(body, layout_tables=True)
    heading = next((b for b in parts if b.heading and b.text), None)
    title = None
    if props.get("name") and (_has_class(node, _MF_NAME_CLASSES) or node.css_first(_MF_NAME)):
        title = _first_text(props["name"])
    if title is None and heading is not None:
        title = heading.text
    if not title:
        return None
    # The summary: the card's text without its title and its meta lines.
    summary_root = body
    if micro:
        summary_root = body.css_first(_MF_SUMMARY) or body.css_first(_MF_CONTENT) or body
    _remove(
        [
            meta
            for meta in summary_root.css(_META + ", time")
            if meta.tag == "footer" or _has_class(meta, _META_BLOCKS) or _words(meta.parent) <= 12
        ]
    )
    source = _first_text(props.get("author", []))
    stream = blocks(summary_root, layout_tables=True)
    more = next((b.more for b in stream if b.more), None)
    if summary_root is body:
        at = next((i for i, b in enumerate(stream) if b.text and b.text == clean_text(title)), None)
        if at is not None:
            stream = stream[at + 1 :]  # what precedes the title is a kicker ("Science")
    paragraphs: list[str] = []
    for block in stream:
        if not block.text or block.boilerplate or block.text == clean_text(title):
            continue
        if _DATE_LINE.match(block.text):
            continue
        found = byline(block.text)
        if found and len(block.text.split()) <= 10:
            source = source or found
            continue
        paragraphs.append(block.text)
    if not paragraphs and props.get("summary"):
        paragraphs = [_first_text(props["summary"]) or ""]
    summary = "\n\n".join(p for p in paragraphs if p)
    if not summary.strip():
        return None
    url = page.url(heading.href if heading else None)
    if url is None and props.get("url"):
        url = page.url(_first_text(props["url"]))
    if url is None:
        bookmark = node.css_first("[rel~=bookmark], .u-url")
        url = page.url(bookmark.attributes.get("href") if bookmark else None)
    url = url or page.url(more)
    published = _date(_first_text(props.get("published", [])), where)
    if published is None:
        stamp = node.css_first("time[datetime]")
        published = _date(stamp.attributes.get("datetime") if stamp else None, where)
    if source is None:
        author = node.css_first(_AUTHOR)
        source = _source_from(author.text(deep=True) or "") if author else None
    own = bool(url and page.base and urlsplit(url).hostname == urlsplit(page.base).hostname)
    if source is None and page.site_name and own:
        source = page.site_name  # the site's own article
    tags = [t for t in (_first_text([v]) for v in props.get("category", [])) if t]
    if not tags:
        tags = [clean_text(t.text(deep=True) or "") for t in node.css(_TAGS)]
    return Draft(
        where=where,
        title=_title(title),
        summary=summary,
        url=url,
        source=source,
        published=published,
        tags=[t.lstrip("#") for t in tags if t],
        origin=f"{page.name}: article {index} ({_describe(node)})",
    )


def _heading_level(parts: list[Block]) -> int | None:
    """The heading level that most often heads a paragraph (real headings win a tie)."""
    counts: dict[int, int] = {}
    for i, block in enumerate(parts):
        if not block.heading:
            continue
        following = next((b for b in parts[i + 1 :] if not b.rule), None)
        if following is not None and following.heading == 0:
            counts[block.heading] = counts.get(block.heading, 0) + 1
    if not counts:
        return None
    real = {level: n for level, n in counts.items() if level != LINE_HEADING}
    best_real = max(real, key=lambda lv: (real[lv], -lv)) if real else None
    if best_real is not None and (
        real[best_real] >= 2 or LINE_HEADING not in counts or counts[LINE_HEADING] < 2
    ):
        return best_real
    return LINE_HEADING


def _ends(block: Block, level: int) -> bool:
    if block.rule:
        return True
    if not block.heading:
        return False
    return level == LINE_HEADING or block.heading <= level


def _sections(root: LexborNode, page: _Page, reading: Reading) -> list[Draft]:
    """Articles from repeated headings with paragraphs (layout 3 of the module docstring)."""
    parts = blocks(root, layout_tables=True)
    level = _heading_level(parts)
    if level is None:
        return []
    drafts: list[Draft] = []
    intro: list[str] = []
    current: dict[str, Any] | None = None
    started = False

    def close() -> None:
        nonlocal current
        if current and current["summary"]:
            index = len(drafts) + 1
            check_count(index, Where(page.name))
            drafts.append(
                Draft(
                    where=Where(page.name, None, f"article {index}"),
                    title=_title(current["title"]),
                    summary="\n\n".join(current["summary"]),
                    url=page.url(current["href"]) or page.url(current["more"]),
                    source=current["source"],
                    origin=f"{page.name}: article {index} ({current['kind']})",
                )
            )
        current = None

    skipping = False  # inside a "Sponsor" section
    for block in parts:
        if block.boilerplate:
            close()
            continue
        if block.heading and block.heading < level and block.text:
            close()
            skipping = _SPONSOR.match(block.text) is not None
            if block.heading == 1 and not started:
                intro.clear()  # what came before the page's title is its masthead
            continue
        if skipping:
            continue
        if block.heading == level and block.text and len(block.text.split()) <= _MAX_TITLE_WORDS:
            close()
            started = True
            kind = "bold line" if level == LINE_HEADING else f"h{level}"
            current = {
                "title": block.text,
                "href": block.href,
                "more": block.more,
                "summary": [],
                "source": None,
                "kind": kind,
            }
            continue
        if current is not None and _ends(block, level):
            close()
            continue
        if current is None:
            if not started and block.text and not block.heading and not block.linked:
                intro.append(block.text)
            continue
        if not block.text or _DATE_LINE.match(block.text) or _is_meta(block.node):
            continue
        found = byline(block.text)
        if found and len(block.text.split()) <= 10:
            current["source"] = current["source"] or found
        else:
            current["summary"].append(block.text)
        current["more"] = current["more"] or block.more
        if block.more:
            close()
    close()
    if drafts and intro:
        reading.summary = "\n\n".join(intro)
    what = "line that is all bold or one link" if level == LINE_HEADING else f"<h{level}> heading"
    if drafts:
        reading.warnings.append(
            f"{page.name}: no h-entry microformats or <article> elements: took each {what} "
            "with the paragraphs after it as one article"
        )
    return drafts


def read_page(text: str, name: str) -> Reading:
    """The articles of an HTML page held as text (rules in the module docstring)."""
    try:
        tree = html_tree(text)
    except TooDeep as exc:
        raise SourceError(f"{exc}; is this a web page?", path=name) from None
    page = _Page(name, _base_url(tree), _meta(tree, "og:site_name"))
    root = tree.body
    if root is None:
        raise SourceError("no articles found in the page (it has no body)", path=name)
    heading = None
    h1s = root.css("h1")
    if len(h1s) == 1:
        heading = clean_text(h1s[0].text(deep=True) or "")
    title_node = tree.css_first("title")
    title = heading or (clean_text(title_node.text(deep=True) or "") if title_node else None)
    reading = Reading([], title=title or None)
    _strip_page_furniture(root)
    drafts: list[Draft] = []
    entries = _top_level(root.css(_ENTRY))
    micro = bool(entries)
    cards = entries or _top_level(root.css("article"))
    if len(cards) == 1 and not micro:
        # One <article> may hold the whole list (a page's main column marked up as one).
        inside = Reading([])
        found = _sections(cards[0], page, inside)
        if len(found) >= 2:
            drafts, reading.summary, reading.warnings = found, inside.summary, inside.warnings
    if not drafts:
        for card in cards:
            check_count(len(drafts) + 1, Where(name))
            draft = _card(card, len(drafts) + 1, page, micro)
            if draft is not None:
                drafts.append(draft)
    if not drafts:
        main = root.css_first("main, [role=main]") or root
        drafts = _sections(main, page, reading)
    if reading.title and drafts and reading.title == clean_text(drafts[0].title):
        reading.title = None
    if page.unresolved:
        example = shorten(page.unresolved[0], 40)
        reading.warnings.append(
            f"{name}: {len(page.unresolved)} relative link(s) such as {example!r} left out: the "
            "page names no <base href>, canonical link or og:url to resolve them against"
        )
    if not drafts:
        raise SourceError(
            "no articles found in the page (looked for h-entry microformats, <article> "
            "elements, and headings or bold links followed by paragraphs)",
            path=name,
        )
    reading.drafts = drafts
    return reading
