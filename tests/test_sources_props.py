"""Property-based tests of the digest readers: any input gives articles or a SourceError, and
what a digest says comes back out of it."""

from __future__ import annotations

import json
import re
import unicodedata
from xml.sax.saxutils import escape

import yaml
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
from audiodigest.sources.common import Kind, classify

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
        # A summary's paragraphs are separated by one blank line; nothing else breaks a line.
        paragraphs = article.summary.split("\n\n")
        assert all(paragraphs)
        for value in (article.title, *paragraphs, article.source or "", article.url or ""):
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


def _plain(line: str) -> bool:
    """A line the Markdown reader must keep as it is: no decoration at either end."""
    return line[0].isalnum() and line[-1] not in "\U0001f600"


PLAIN_MD_LINE = PLAIN_LINE.filter(_plain)
MD_DIGEST = st.lists(
    st.tuples(PLAIN_MD_LINE, st.lists(PLAIN_MD_LINE, min_size=1, max_size=3), URLS),
    min_size=1,
    max_size=5,
).filter(_unique)


@settings(max_examples=80, deadline=None)
@given(entries=MD_DIGEST, level=st.integers(1, 3), intro=st.booleans())
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


# --- Markdown newsletters and front matter ------------------------------------------------------

MD_TOKENS = st.sampled_from(
    [
        "\n",
        "\n\n",
        " ",
        "# ",
        "### 1. ",
        "## Archive\n",
        "---\n",
        "+++\n",
        "***",
        "**",
        "*",
        "_",
        "`",
        "```\n",
        "    ",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "> ",
        "- ",
        "1. ",
        "🔗 [Read full article](https://example.com/r)",
        "[Read more →](https://example.com/m)",
        "[link](https://example.com/l)",
        "`Funding` `Deals` — *Reuters*",
        "— *Example Weekly*",
        "🚀",
        "1️⃣",
        "stories:\n",
        "  - title: ",
        "    summary: ",
        "    tags: [a, b]\n",
        "[[items]]\n",
        'title = "',
        '"\n',
        "<div>",
        "![img](x.png)",
        "Read more",
        "x",
        "é",
    ]
)
MARKDOWNISH = st.lists(st.one_of(MD_TOKENS, st.text(max_size=6)), max_size=50).map("".join)


@FUZZ
@given(text=MARKDOWNISH)
def test_markdown_near_misses_give_articles_or_a_source_error(text: str) -> None:
    try:
        articles = parse_digest(text.encode("utf-8", "surrogatepass"), "d.md")
    except SourceError as exc:
        assert "\n" not in str(exc)
        event("SourceError")
        return
    event(f"{len(articles)} articles" if len(articles) < 3 else "3+ articles")
    _check(articles)
    for article in articles:
        # Decorations and markup never reach the narration.
        for furniture in ("Read full article", "|---", "```"):
            assert furniture not in article.summary, (furniture, article.summary)


TAG = st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1, max_size=10)
SOURCE = st.lists(TAG, min_size=1, max_size=4).map(" ".join)
STORY = st.tuples(
    PLAIN_MD_LINE,  # title
    st.lists(st.lists(PLAIN_MD_LINE, min_size=1, max_size=2), min_size=1, max_size=3),
    URLS,
    st.lists(TAG, max_size=3, unique=True),
    st.none() | SOURCE,
)
NEWSLETTER = st.lists(STORY, min_size=1, max_size=4).filter(
    lambda stories: _unique([(title, [], url) for title, _, url, _, _ in stories])
)


@settings(max_examples=60, deadline=None)
@given(stories=NEWSLETTER, emoji=st.booleans(), intro=PLAIN_MD_LINE)
def test_markdown_newsletters_round_trip(
    stories: list[tuple[str, list[list[str]], str | None, list[str], str | None]],
    emoji: bool,
    intro: str,
) -> None:
    """Numbered headings, tag rows, link lines, rules, a metrics table, an archive and a footer
    around the stories: only the stories come out, with their fields."""
    parts = ["# 🗞️ The Weekly Issue", f"> {intro}", "| Metric | Value |\n|---|---|\n| Stories | 3 |"]
    for number, (title, paragraphs, url, tags, source) in enumerate(stories, 1):
        parts.append(f"### {number}. {'🚀 ' if emoji else ''}{title}")
        row = " ".join(f"`{tag}`" for tag in tags)
        if source:
            row += f" — *{source}*"
        if row and (len(tags) > 1 or source):
            parts.append(row.strip())
        parts.extend("\n".join(lines) for lines in paragraphs)
        if url:
            parts.append(f"🔗 [Read full article]({url})")
        parts.append("---")
    parts += ["## 📚 Archive", "- [Issue 1](https://example.com/1)", "---", "*Made with care.*"]
    digest = parse("\n\n".join(parts).encode(), "rt.md")
    assert digest.title == "The Weekly Issue"
    assert digest.summary == intro
    assert [(a.title, a.summary, a.url) for a in digest.articles] == [
        (title, "\n\n".join(" ".join(lines) for lines in paragraphs), url)
        for title, paragraphs, url, _, _ in stories
    ]
    assert [(a.tags, a.source) for a in digest.articles] == [
        (tuple(tags) if len(tags) > 1 or source else (), source)
        for _, _, _, tags, source in stories
    ]


FM_STORY = st.tuples(
    PLAIN_MD_LINE, PLAIN_MD_LINE, URLS, st.lists(TAG, max_size=3)
)


@settings(max_examples=60, deadline=None)
@given(
    stories=st.lists(FM_STORY, min_size=1, max_size=4).filter(
        lambda s: _unique([(title, [], url) for title, _, url, _ in s])
    ),
    key=st.sampled_from(["stories", "items", "articles", "posts", "entries"]),
    summary_key=st.sampled_from(["summary", "description", "excerpt", "content"]),
    url_key=st.sampled_from(["url", "link"]),
    toml=st.booleans(),
)
def test_front_matter_round_trips(
    stories: list[tuple[str, str, str | None, list[str]]],
    key: str,
    summary_key: str,
    url_key: str,
    toml: bool,
) -> None:
    records = [
        {"title": t, summary_key: s, **({url_key: u} if u else {}), "tags": tags}
        for t, s, u, tags in stories
    ]
    if toml:
        # JSON strings and arrays of strings are valid TOML values.
        tables = "".join(
            f"\n[[{key}]]\n"
            + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in r.items())
            for r in records
        )
        page = f'+++\ntitle = "Page"{tables}+++\n\n{{{{< stories >}}}}\n'
    else:
        page = "---\n" + yaml.safe_dump({"title": "Page", key: records}, allow_unicode=True)
        page += "---\n\n{% for s in page.stories %}{{ s.title }}{% endfor %}\n"
    digest = parse(page.encode(), "fm.md")
    assert digest.title == "Page"
    assert [(a.title, a.summary, a.url, a.tags) for a in digest.articles] == [
        (t, s, u, tuple(dict.fromkeys(tags))) for t, s, u, tags in stories
    ]
