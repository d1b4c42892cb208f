"""Property-based tests of the digest readers: any input gives articles or a SourceError, and
what a digest says comes back out of it."""

from __future__ import annotations

import json
import re
import unicodedata
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from audiodigest.errors import SourceError
from audiodigest.models import Article
from audiodigest.sources import (
    FORMATS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    article_id,
    parse,
    parse_digest,
)
from audiodigest.sources.common import Kind, classify, split_read_more

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["d.txt", "d.md", "d.json", "d.yaml", "d.xml", "d"])
FMTS = st.sampled_from([None, *FORMATS])

# Fragments that steer random input towards the interesting paths of every reader.
TOKENS = st.sampled_from(
    [
        "\n",
        "\n\n",
        "\r\n",
        " ",
        "Read more → ",
        "Read more -> ",
        "https://example.com/a",
        "Source: ",
        "Published: 2026-11-27",
        "# ",
        "## ",
        "[link](https://example.com/l)",
        "> ",
        "- ",
        "---\n",
        "[",
        "]",
        "{",
        "}",
        '"title": ',
        '"summary": ',
        '"x"',
        ",",
        ": ",
        "title",
        "summary",
        "<rss>",
        "<channel>",
        "<item>",
        "<title>",
        "</title>",
        "<description>",
        "</description>",
        "</item>",
        "&amp;",
        "<![CDATA[",
        "]]>",
        "\x07",
        "\ufeff",
        "\u202e",
        "\U0001f600",
        "é",
        "2026-02-30",
    ]
)
STRUCTURED = st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=40).map("".join)


def _check(articles: tuple[Article, ...]) -> None:
    """What every caller may rely on for any article that comes out."""
    assert articles
    for article in articles:
        # A summary's paragraphs are apart by one blank line ("\n\n"), each clean on its own.
        assert article.summary == "\n\n".join(article.paragraphs)
        for value in (article.title, *article.paragraphs, article.source or "", article.url or ""):
            value.encode("utf-8")  # storable: no lone surrogates
            assert not any(unicodedata.category(ch) == "Cc" for ch in value)
            assert value == value.strip()
        assert article.title and len(article.title) <= MAX_TITLE_CHARS
        assert article.summary and len(article.summary) <= MAX_SUMMARY_CHARS
        assert re.fullmatch(r"[0-9a-f]{16}", article.id)
        assert article.url is None or re.match(r"https?://", article.url, re.IGNORECASE)
    assert len({a.id for a in articles}) == len(articles)


def _parse_or_error(data: bytes, name: str, fmt: str | None) -> None:
    try:
        articles = parse_digest(data, name, fmt)
    except SourceError as exc:
        assert "\n" not in str(exc)
        event("SourceError")
        return
    event(f"{len(articles)} articles" if len(articles) < 3 else "3+ articles")
    _check(articles)


@FUZZ
@given(data=st.binary(max_size=300), name=NAMES, fmt=FMTS)
def test_any_bytes_give_articles_or_a_source_error(data: bytes, name: str, fmt: str | None) -> None:
    _parse_or_error(data, name, fmt)


@FUZZ
@given(text=STRUCTURED, name=NAMES, fmt=FMTS)
def test_near_miss_digests_give_articles_or_a_source_error(
    text: str, name: str, fmt: str | None
) -> None:
    _parse_or_error(text.encode("utf-8", "surrogatepass"), name, fmt)


# --- round trips ------------------------------------------------------------------------------

# Words of any script (letters, digits, marks, symbols such as emoji) and some punctuation.
WORD = st.text(
    alphabet=st.characters(
        categories=["L", "N", "M", "So", "Sm", "Sc", "Pd", "Po"], exclude_characters="#<>[]`*_\\"
    ),
    min_size=1,
    max_size=12,
)
LINE = (
    st.lists(WORD, min_size=1, max_size=8)
    .map(" ".join)
    .filter(lambda s: classify(s)[0] is Kind.TEXT)
)
URLS = st.one_of(
    st.none(), st.from_regex(r"https://example\.com/[a-z0-9/_-]{1,20}", fullmatch=True)
)
ENTRY = st.tuples(LINE, st.lists(LINE, min_size=1, max_size=3), URLS)
DIGEST = st.lists(
    ENTRY, min_size=1, max_size=6, unique_by=lambda e: " ".join(e[0].casefold().split())
)


def _unique(entries: list[tuple[str, list[str], str | None]]) -> bool:
    ids = [article_id(url, title) for title, _, url in entries]
    return len(set(ids)) == len(ids)


@settings(max_examples=100, deadline=None)
@given(entries=DIGEST.filter(_unique), crlf=st.booleans(), arrow=st.sampled_from(["→", "->", ""]))
def test_text_digests_round_trip(
    entries: list[tuple[str, list[str], str | None]], crlf: bool, arrow: str
) -> None:
    blocks = []
    for title, lines, url in entries:
        block = [title, *lines]
        if url:
            block.append(f"Read more {arrow} {url}".replace("  ", " "))
        blocks.append("\n".join(block))
    text = "\n\n".join(blocks) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    articles = parse_digest(text.encode(), "rt.txt")
    assert [(a.title, a.summary, a.url) for a in articles] == [
        (title, " ".join(lines), url) for title, lines, url in entries
    ]


@settings(max_examples=100, deadline=None)
@given(entries=DIGEST.filter(_unique), wrap=st.booleans())
def test_json_and_yaml_digests_round_trip(
    entries: list[tuple[str, list[str], str | None]], wrap: bool
) -> None:
    records = [{"title": t, "summary": " ".join(lines), "url": u} for t, lines, u in entries]
    document = {"articles": records} if wrap else records
    expected = [(r["title"], r["summary"], r["url"]) for r in records]
    for name in ["rt.json", "rt.yaml"]:
        # JSON is valid YAML, so the one document serves both readers.
        articles = parse_digest(json.dumps(document, ensure_ascii=False).encode(), name)
        assert [(a.title, a.summary, a.url) for a in articles] == expected


URL_PATH = st.from_regex(r"/[a-z0-9_-]{1,10}(/[a-z0-9_-]{1,10}){0,3}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    path=URL_PATH,
    params=st.lists(
        st.tuples(
            st.from_regex(r"[a-z]{1,6}", fullmatch=True),
            st.from_regex(r"[a-z0-9]{0,6}", fullmatch=True),
        ),
        max_size=3,
    ),
    tracking=st.lists(st.sampled_from(["utm_source=a", "utm_medium=b", "fbclid=c"]), max_size=3),
    slash=st.booleans(),
    fragment=st.booleans(),
    upper=st.booleans(),
)
def test_url_ids_ignore_tracking_and_cosmetics(
    path: str,
    params: list[tuple[str, str]],
    tracking: list[str],
    slash: bool,
    fragment: bool,
    upper: bool,
) -> None:
    params = [(k, v) for k, v in params if not k.startswith("utm_")]
    query = "&".join(f"{k}={v}" for k, v in params)
    plain = f"https://example.com{path}" + (f"?{query}" if query else "")
    host = "EXAMPLE.com" if upper else "example.com"
    noisy_query = "&".join([*tracking, *reversed([f"{k}={v}" for k, v in params])])
    noisy = f" https://{host}{path}{'/' if slash else ''}" + (
        f"?{noisy_query}" if noisy_query else ""
    )
    noisy += "#frag " if fragment else " "
    assert article_id(noisy, "a") == article_id(plain, "b")


# Markdown and XML give meaning to many characters; these round trips use words that do not.
PLAIN_WORD = st.text(
    alphabet=st.characters(categories=["L", "Nd"])
    | st.sampled_from(".,;:!?'\u00e9\u05d0\U0001f600"),
    min_size=1,
    max_size=10,
)
PLAIN_LINE = (
    st.lists(PLAIN_WORD, min_size=1, max_size=8)
    .map(" ".join)
    .filter(lambda s: classify(s)[0] is Kind.TEXT and not re.match(r"\d+[.)]", s))
)
PLAIN_DIGEST = st.lists(
    st.tuples(PLAIN_LINE, st.lists(PLAIN_LINE, min_size=1, max_size=3), URLS),
    min_size=1,
    max_size=5,
).filter(_unique)


@settings(max_examples=80, deadline=None)
@given(entries=PLAIN_DIGEST, level=st.integers(1, 3), intro=st.booleans())
def test_markdown_digests_round_trip(
    entries: list[tuple[str, list[str], str | None]], level: int, intro: bool
) -> None:
    parts = [f"{'#' * (level - 1)} Digest\n\nIntro paragraph." if intro and level > 1 else ""]
    for title, lines, url in entries:
        parts.append(f"{'#' * level} {title}\n" + "\n".join(lines))
        if url:
            parts.append(f"[Read more →]({url})")
    articles = parse_digest("\n\n".join(parts).encode(), "rt.md")
    assert [(a.title, a.summary, a.url) for a in articles] == [
        (title, " ".join(lines), url) for title, lines, url in entries
    ]


@settings(max_examples=80, deadline=None)
@given(entries=PLAIN_DIGEST, html=st.booleans())
def test_rss_digests_round_trip(
    entries: list[tuple[str, list[str], str | None]], html: bool
) -> None:
    items = []
    for title, lines, url in entries:
        summary = escape(" ".join(lines))
        if html:  # markup inside the description, escaped once more as RSS does
            summary = escape(f"<p>{summary}</p><script>var x = 1;</script>")
        link = f"<link>{url}</link>" if url else ""
        items.append(
            f"<item><title>{escape(title)}</title>{link}<description>{summary}</description></item>"
        )
    feed = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
        f"{''.join(items)}</channel></rss>"
    )
    articles = parse_digest(feed.encode(), "rt.xml")
    assert [(a.title, a.summary, a.url, a.source) for a in articles] == [
        (title, " ".join(lines), url, "F") for title, lines, url in entries
    ]


# --- the plain-text reader's inferred layouts -------------------------------------------------

# Fragments of pasted pages and e-mails, to steer random text into every branch of the reader.
TEXT_TOKENS = st.sampled_from(
    [
        "\n",
        "\n\n",
        "\n\n\n",
        "   ",
        "Read more →",
        "Continue reading »",
        "Full story ->",
        " Read more →",
        "https://example.com/a",
        "---",
        "* * *",
        "———",
        "1. ",
        "2) ",
        "3. ",
        "- ",
        "• ",
        "**Bold title**: ",
        " — ",
        " – ",
        "(5 minute read)",
        "(Sponsor)",
        "SPONSORED BY ACME",
        "— Reuters",
        "Source: Wire",
        "Published: 2026-11-27",
        "View in browser",
        "Unsubscribe",
        "You are receiving this because you signed up.",
        "From: A <a@example.com>\nSubject: Issue 5\n",
        "Nov 27, 2026 · 4 min read",
        "Home\nNews\nSign in",
        "Good morning!",
        "🚀 HEADLINES",
        "Title",
        "A summary sentence.",
    ]
)
TEXT_NEAR_MISS = st.lists(st.one_of(TEXT_TOKENS, st.text(max_size=6)), max_size=40).map("".join)


@FUZZ
@given(text=TEXT_NEAR_MISS, fmt=st.sampled_from(["text", None]))
def test_any_text_gives_articles_or_a_source_error(text: str, fmt: str | None) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        digest = parse(data, "d.txt", fmt)
    except SourceError as exc:
        assert "\n" not in str(exc)
        event("SourceError")
        return
    _check(digest.articles)
    assert all("\n" not in warning for warning in digest.warnings)
    # Furniture, buttons and sponsor lines are never read when they stand on lines of their own.
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    alone = [token for token in ("Read more →", "Continue reading »", "Unsubscribe",
                                 "View in browser", "SPONSORED BY ACME")
             if text.count(token) == lines.count(token)]
    for article in digest.articles:
        spoken = f"{article.title} {article.summary}"
        assert not [token for token in alone if token in spoken]


def _plain_text(line: str) -> bool:
    """A line the plain-text reader takes as words: not a Read-more line, link, byline, ..."""
    return classify(line)[0] is Kind.TEXT and split_read_more(line) is None


# Titles end without a full stop, sentences with one: the difference a reader of a pasted page
# relies on too.
WEB_TITLE = PLAIN_LINE.map(lambda s: s.rstrip(".,;:…")).filter(lambda s: s and _plain_text(s))
SENTENCE = PLAIN_LINE.map(lambda s: s.rstrip(".,;:!?…") + ".").filter(_plain_text)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=2)  # one line or wrapped over two
READ_MORE = st.sampled_from(
    ["Read more →", "Read more ->", "Read more »", "Read more", "Continue reading →",
     "Read the full story", "Full story →"]
)
WEB_ENTRY = st.tuples(
    WEB_TITLE,
    st.lists(PARAGRAPH, min_size=1, max_size=3),
    URLS,
    READ_MORE,
    st.sampled_from(["same line", "next line", "after a blank"]),
)


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(WEB_ENTRY, min_size=1, max_size=5).filter(
        lambda es: _unique([(t, [], u) for t, _, u, _, _ in es])
    ),
    crlf=st.booleans(),
)
def test_pasted_web_page_digests_round_trip(
    entries: list[tuple[str, list[list[str]], str | None, str, str]], crlf: bool
) -> None:
    parts = []
    for title, paragraphs, url, read_more, where in entries:
        body = "\n\n".join("\n".join(paragraph) for paragraph in paragraphs)
        link = {"same line": f"{read_more} {url}", "next line": f"{read_more}\n{url}",
                "after a blank": f"{read_more}\n\n{url}"}[where] if url else read_more
        parts.append(f"{title}\n\n{body}\n\n{link}\n")
    text = "\n".join(parts)
    if crlf:
        text = text.replace("\n", "\r\n")
    digest = parse(text.encode(), "page.txt")
    assert [(a.title, a.summary, a.url) for a in digest.articles] == [
        (title, "\n\n".join(" ".join(p) for p in paragraphs), url)
        for title, paragraphs, url, _, _ in entries
    ]
    assert digest.warnings == ()


@settings(max_examples=100, deadline=None)
@given(
    entries=st.lists(st.tuples(WEB_TITLE, PARAGRAPH), min_size=2, max_size=6).filter(
        lambda es: _unique([(t, [], None) for t, _ in es])
    ),
    marker=st.sampled_from([". ", ") "]),
    dash=st.sampled_from([" — ", " – ", " - "]),
    blank=st.booleans(),
)
def test_numbered_digests_round_trip(
    entries: list[tuple[str, list[str]]], marker: str, dash: str, blank: bool
) -> None:
    items = [f"{n}{marker}{title}{dash}" + "\n   ".join(paragraph)
             for n, (title, paragraph) in enumerate(entries, 1)]
    text = "Top stories\n\n" + ("\n\n" if blank else "\n").join(items) + "\n"
    articles = parse_digest(text.encode(), "list.txt")
    assert [(a.title, a.summary) for a in articles] == [
        (title.strip(), " ".join(paragraph)) for title, paragraph in entries
    ]
