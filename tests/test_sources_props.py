"""Property-based tests of the digest readers: any input gives articles or a SourceError, and
what a digest says comes back out of it."""

from __future__ import annotations

import json
import re
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP
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
)
from audiodigest.sources.boilerplate import byline, is_boilerplate, is_read_more, split_reading_time
from audiodigest.sources.common import Kind, classify, split_read_more
from audiodigest.sources.speakable import speakable_paragraphs

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["d.txt", "d.md", "d.json", "d.yaml", "d.xml", "d.jsonfeed", "d.html",
                         "d.eml", "d"])
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
        '{"version": "https://jsonfeed.org/version/1.1", "items": ',
        '"content_html": ',
        '"content_text": ',
        '"url": ',
        '"<p>a</p><pre>b</pre>"',
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
        "<!doctype html>",
        "<article>",
        "</article>",
        "<h2>",
        "</h2>",
        "<p>",
        "</p>",
        "<b>",
        "<br>",
        "<table><tr><td>",
        '<a href="https://example.com/x">',
        '<a href="/rel">',
        "</a>",
        '<div class="h-entry">',
        '<base href="https://example.org/">',
        "<pre>",
        "<li>",
        "From: A <a@example.com>\n",
        "Subject: Fwd: s\n",
        "MIME-Version: 1.0\n",
        "Content-Type: text/html; charset=latin-1\n",
        "Content-Type: multipart/alternative; boundary=b\n",
        "--b\n",
        "Content-Transfer-Encoding: base64\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "=C3=A9",
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
        articles = parse(data, name, fmt).articles
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
    articles = parse(text.encode(), "rt.txt").articles
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
        articles = parse(json.dumps(document, ensure_ascii=False).encode(), name).articles
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


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


# Feeds drop a summary that only repeats its title (it would be read twice), and end an excerpt
# cut short ("…", "...") at its last whole sentence; these round trips avoid both on purpose.
FEED_DIGEST = PLAIN_DIGEST.filter(
    lambda entries: all(_folded(" ".join(lines)) != _folded(t)
                        and not " ".join(lines).endswith(("...", "…")) for t, lines, _ in entries))


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
    articles = parse("\n\n".join(parts).encode(), "rt.md").articles
    assert [(a.title, a.summary, a.url) for a in articles] == [
        (title, " ".join(lines), url) for title, lines, url in entries
    ]


@settings(max_examples=80, deadline=None)
@given(entries=FEED_DIGEST, html=st.booleans())
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
    articles = parse(feed.encode(), "rt.xml").articles
    assert [(a.title, a.summary, a.url, a.source) for a in articles] == [
        (title, " ".join(lines), url, "F") for title, lines, url in entries
    ]


# --- HTML pages, e-mails and speakable HTML ------------------------------------------------------

HTML_TEXT = st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=40).map("".join)


@FUZZ
@given(html=st.one_of(HTML_TEXT, st.text(max_size=200)))
def test_speakable_paragraphs_of_any_text_are_clean_paragraphs(html: str) -> None:
    paragraphs = speakable_paragraphs(html)
    assert isinstance(paragraphs, list)
    for paragraph in paragraphs:
        assert paragraph and paragraph == paragraph.strip()
        assert "\n" not in paragraph
        assert not any(unicodedata.category(ch) == "Cc" for ch in paragraph)


def _prose(line: str) -> bool:
    """A line every reader must keep as prose (not furniture, not a byline, not a title)."""
    return (
        not is_boilerplate(line)
        and not is_read_more(line)
        and byline(line) is None
        and split_reading_time(line)[0] == line
    )


PROSE = PLAIN_LINE.filter(_prose)
TITLE = PROSE.filter(lambda s: not re.search(r"[.!?:;…]$", s) and len(s.split()) <= 20)
PAGE_ENTRIES = (
    st.lists(
        st.tuples(TITLE, st.lists(PROSE, min_size=1, max_size=3), URLS),
        min_size=1,
        max_size=5,
    )
    .filter(_unique)
    .filter(lambda es: all(t not in lines for t, lines, _ in es))
)


@settings(max_examples=80, deadline=None)
@given(
    paragraphs=st.lists(PROSE, min_size=1, max_size=5),
    noise=st.lists(
        st.sampled_from(
            [
                "<pre>x = 1</pre>",
                "<script>var a = 1;</script>",
                "<nav><a href='/'>Home</a></nav>",
                "<table><tr><td>9</td></tr></table>",
                "<img src='a.png' alt='x'>",
                "<!-- c -->",
            ]
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_speakable_paragraphs_keep_prose_and_drop_furniture(
    paragraphs: list[str], noise: list[str]
) -> None:
    parts = []
    for i, paragraph in enumerate(paragraphs):
        parts.append(f"<p>{escape(paragraph)}</p>")
        parts.append(noise[i % len(noise)])
    assert speakable_paragraphs("".join(parts)) == paragraphs


def _page(entries: list[tuple[str, list[str], str | None]], layout: str) -> str:
    cards = []
    for index, (title, lines, url) in enumerate(entries):
        head = f'<a href="{url}">{escape(title)}</a>' if url else escape(title)
        body = "".join(f"<p>{escape(line)}</p>" for line in lines)
        if layout == "article":
            cards.append(
                f"<article><h2>{head}</h2><p class='meta'><time datetime='2026-11-27'>"
                f"Nov 27</time></p>{body}<footer>3 comments</footer></article>"
            )
        elif layout == "h-entry":
            cards.append(
                f"<div class='h-entry'><h3 class='p-name'>{head}</h3>"
                f"<div class='e-content'>{body}</div></div>"
            )
        elif layout == "headings":
            more = url or f"https://example.com/more/{index}"
            cards.append(f"<h2>{escape(title)}</h2>{body}<p><a href='{more}'>Read more</a></p>")
        else:  # a newsletter built of tables, titles as bold links
            cards.append(
                f"<tr><td><b>{head}</b>{''.join('<br>' + escape(x) for x in lines)}</td></tr>"
            )
    inner = "".join(cards)
    if layout == "table":
        inner = f"<table role='presentation'>{inner}</table>"
    return (
        f"<!DOCTYPE html><html><head><title>T</title></head><body><nav><a href='/'>Home</a>"
        f"</nav><main>{inner}</main><footer><p>Unsubscribe</p></footer></body></html>"
    )


@settings(max_examples=40, deadline=None)
@given(entries=PAGE_ENTRIES, layout=st.sampled_from(["article", "h-entry", "headings", "table"]))
def test_html_pages_round_trip(
    entries: list[tuple[str, list[str], str | None]], layout: str
) -> None:
    articles = parse(_page(entries, layout).encode(), "rt.html").articles
    joiner = " " if layout == "table" else "\n\n"
    expected_urls = [
        url or (f"https://example.com/more/{i}" if layout == "headings" else None)
        for i, (_, _, url) in enumerate(entries)
    ]
    assert [(a.title, a.summary) for a in articles] == [
        (title, joiner.join(lines)) for title, lines, _ in entries
    ]
    assert [a.url for a in articles] == expected_urls


@settings(max_examples=40, deadline=None)
@given(
    entries=PAGE_ENTRIES,
    cte=st.sampled_from(["quoted-printable", "base64", "8bit"]),
    # ASCII: the standard library's header writer drops a space between two RFC 2047
    # encoded words of a non-ASCII subject, which is its own round trip, not ours.
    subject=st.from_regex(r"[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,5}", fullmatch=True),
)
def test_email_newsletters_round_trip(
    entries: list[tuple[str, list[str], str | None]], cte: str, subject: str
) -> None:
    message = EmailMessage()
    message["From"] = "Weekly <w@example.com>"
    message["Subject"] = f"Fwd: {subject}"
    message.set_content("plain version", cte="quoted-printable")
    message.add_alternative(_page(entries, "table"), subtype="html", charset="utf-8", cte=cte)
    digest = parse(message.as_bytes(policy=SMTP), "rt.eml")
    assert digest.title == subject
    assert [(a.title, a.summary, a.url) for a in digest.articles] == [
        (title, " ".join(lines), url) for title, lines, url in entries
    ]
# --- JSON Feed --------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)
ITEM_KEYS = st.sampled_from(["id", "title", "summary", "content_text", "content_html", "url",
                             "external_url", "date_published", "date_modified", "tags",
                             "authors", "author"])
FUZZ_ITEM = st.dictionaries(ITEM_KEYS, JSON_VALUES | st.sampled_from(
    ["<p>x</p><table><tr><td>y</td></tr></table>", "https://example.com/a", "2026-11-27T08:00:00Z",
     "Only a title", "A sentence. Another one."]), max_size=6)


@FUZZ
@given(items=st.lists(FUZZ_ITEM | JSON_VALUES, max_size=4), title=JSON_VALUES,
       version=st.sampled_from(["https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"]),
       name=st.sampled_from(["f.json", "f.jsonfeed", "f"]))
def test_any_json_feed_gives_articles_or_a_source_error(items: list[object], title: object,
                                                       version: str, name: str) -> None:
    feed = {"version": version, "title": title, "items": items}
    _parse_or_error(json.dumps(feed).encode(), name, None)


@settings(max_examples=80, deadline=None)
@given(entries=FEED_DIGEST, field=st.sampled_from(["summary", "content_text", "content_html"]),
       tags=st.lists(PLAIN_WORD, max_size=3, unique=True), v11=st.booleans())
def test_json_feeds_round_trip(entries: list[tuple[str, list[str], str | None]], field: str,
                               tags: list[str], v11: bool) -> None:
    items = []
    for title, lines, url in entries:
        text = " ".join(lines)
        if field == "content_html":  # prose in markup, with a code listing that is not read
            text = f"<p>{escape(text)}</p><pre><code>print('not read')</code></pre>"
        items.append({"id": title, "title": title, field: text, "url": url, "tags": tags})
    version = "https://jsonfeed.org/version/" + ("1.1" if v11 else "1")
    feed = {"version": version, "title": "Feed", "items": items}
    articles = parse(json.dumps(feed, ensure_ascii=False).encode(), "rt.json").articles
    assert [(a.title, a.summary, a.url, a.source) for a in articles] == [
        (title, " ".join(lines), url, "Feed") for title, lines, url in entries
    ]
    assert all(a.tags == tuple(dict.fromkeys(t for t in tags)) for a in articles)


@settings(max_examples=60, deadline=None)
@given(entries=FEED_DIGEST, repeat=st.sampled_from(["{t}", "{t}.", "{t}…", " {t} "]))
def test_feed_summaries_that_repeat_the_title_are_not_read_twice(
    entries: list[tuple[str, list[str], str | None]], repeat: str
) -> None:
    # Each item's summary repeats its title; its content says more and is read instead.
    items = [{"id": t, "title": t, "summary": repeat.format(t=t),
              "content_html": f"<p>{escape(t)}</p><p>{escape(' '.join(lines))}</p>", "url": u}
             for t, lines, u in entries]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Feed", "items": items}
    articles = parse(json.dumps(feed, ensure_ascii=False).encode(), "rt.json").articles
    assert [(a.title, a.summary) for a in articles] == [
        (t, " ".join(lines)) for t, lines, _ in entries]


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
        articles = parse(text.encode("utf-8", "surrogatepass"), "d.md").articles
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
    articles = parse(text.encode(), "list.txt").articles
    assert [(a.title, a.summary) for a in articles] == [
        (title.strip(), " ".join(paragraph)) for title, paragraph in entries
    ]
