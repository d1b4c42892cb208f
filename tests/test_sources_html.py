"""The HTML and e-mail readers and the HTML-to-speech rules they share with the feed readers."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from audiodigest.errors import SourceError
from audiodigest.sources import detect_format, parse
from audiodigest.sources.speakable import speakable_paragraphs

# --- speakable_paragraphs -----------------------------------------------------------------------


def test_block_elements_become_paragraphs_and_whitespace_collapses() -> None:
    html = (
        "<div>First\n   block</div><p>Second&nbsp;one &amp; more</p><blockquote>Third</blockquote>"
    )
    assert speakable_paragraphs(html) == ["First block", "Second\xa0one & more", "Third"]


def test_list_items_become_sentences_with_a_full_stop_when_missing() -> None:
    html = "<p>Highlights:</p><ul><li>Faster builds</li><li>Is it stable?</li><li>Yes!</li></ul>"
    assert speakable_paragraphs(html) == ["Highlights:", "Faster builds. Is it stable? Yes!"]


def test_nested_lists_are_sentences_of_the_same_paragraph() -> None:
    html = "<ol><li>One<ul><li>one a</li></ul></li><li>Two</li></ol>"
    assert speakable_paragraphs(html) == ["One. one a. Two."]


def test_code_blocks_are_dropped_and_inline_code_kept() -> None:
    html = (
        "<p>Call <code>connect()</code> first.</p>"
        "<pre><code>conn = connect()\nconn.close()</code></pre>"
        "<div><code>x = 1</code></div>"
        "<p><code>only_code_here()</code></p>"
        "<p>Done.</p>"
    )
    assert speakable_paragraphs(html) == ["Call connect() first.", "Done."]


@pytest.mark.parametrize(
    "furniture",
    [
        "<table><tr><td>1</td><td>2</td></tr></table>",
        "<figure><img src='a.png' alt='A chart'><figcaption>A chart</figcaption></figure>",
        "<img src='a.png' alt='photo'>",
        "<script>var secret = 1;</script>",
        "<style>p { color: red }</style>",
        "<iframe src='https://video.example.com/1'></iframe>",
        "<form><label>E-mail <input></label><button>Subscribe now</button></form>",
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>",
        "<div class='share-buttons'><a href='#'>Share on Mastodon</a></div>",
        "<span class='comment-count'>12</span>",
        "<p><a href='#comments'>12 Comments</a></p>",
        "<div style='display:none'>preheader text</div>",
        "<div hidden>hidden text</div>",
        "<p><a href='https://example.com/a'>Read more →</a></p>",
        "<video src='v.mp4'>Your browser cannot play this</video>",
    ],
)
def test_furniture_is_not_read(furniture: str) -> None:
    assert speakable_paragraphs(f"<p>Before.</p>{furniture}<p>After.</p>") == ["Before.", "After."]


def test_read_more_link_inside_a_paragraph_is_dropped() -> None:
    html = "<p>A new model was released. <a href='https://example.com/a'>Continue reading</a></p>"
    assert speakable_paragraphs(html) == ["A new model was released."]


def test_double_line_break_splits_a_paragraph_and_a_single_one_does_not() -> None:
    assert speakable_paragraphs("One<br>line<br><br>Two") == ["One line", "Two"]


def test_plain_text_and_empty_input() -> None:
    assert speakable_paragraphs("Just text, 3 &lt; 4") == ["Just text, 3 < 4"]
    assert speakable_paragraphs("") == []
    assert speakable_paragraphs("<table><tr><td>x</td></tr></table>") == []


def test_wordpress_footer_line_is_dropped() -> None:
    html = "<p>Story.</p><p>The post Story appeared first on Example Blog.</p>"
    assert speakable_paragraphs(html) == ["Story."]


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"<!DOCTYPE html><html><body></body></html>", "html"),
        (b"\n  <html lang='en'><body>", "html"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">', "html"),
        (b"<!-- saved --><div class='post'><h2>T</h2></div>", "html"),
        (b"<article><h2>T</h2><p>S</p></article>", "html"),
        (b"From: Weekly <w@example.com>\nSubject: Issue 3\nMIME-Version: 1.0\n\nBody", "email"),
        (
            b"Return-Path: <w@example.com>\r\nFrom: w@example.com\r\nDate: Mon, 30 Nov 2026"
            b" 06:00:00 +0000\r\n\r\nBody",
            "email",
        ),
        (b"<rss version='2.0'><channel></channel></rss>", "feed"),
        (b"From: the editors\nA summary.", "text"),
    ],
)
def test_content_sniffing(head: bytes, fmt: str) -> None:
    assert detect_format(head, "digest") == fmt


def test_extensions() -> None:
    assert detect_format(b"x", "a.HTM") == "html"
    assert detect_format(b"x", "a.html") == "html"
    assert detect_format(b"x", "a.eml") == "email"


# --- the HTML reader ----------------------------------------------------------------------------


def _cards(*bodies: str, head: str = "") -> bytes:
    cards = "".join(f"<article>{body}</article>" for body in bodies)
    return f"<!doctype html><html><head>{head}</head><body>{cards}</body></html>".encode()


def test_page_title_comes_from_its_h1_else_its_title() -> None:
    page = (
        b"<html><head><title>Tab</title></head><body><h1>Issue 7</h1>"
        + _cards("<h2>A</h2><p>Alpha.</p>")
        + b"</body></html>"
    )
    assert parse(page, "p.html").title == "Issue 7"
    assert (
        parse(_cards("<h2>A</h2><p>Alpha.</p>", head="<title>Tab</title>"), "p.html").title == "Tab"
    )


def test_relative_links_use_base_then_canonical_then_og_url() -> None:
    body = "<h2><a href='a/1'>A</a></h2><p>Alpha.</p>"
    for head, url in [
        (
            "<base href='https://b.example/x/'><link rel='canonical' href='https://c.example/'>",
            "https://b.example/x/a/1",
        ),
        ("<link rel='canonical' href='https://c.example/y/'>", "https://c.example/y/a/1"),
        ("<meta property='og:url' content='https://o.example/z/'>", "https://o.example/z/a/1"),
        (
            "<link rel='canonical' href='https://c.example/y/'><base href='/w/'>",
            "https://c.example/w/a/1",
        ),
    ]:
        digest = parse(_cards(body, head=head), "p.html")
        assert digest.articles[0].url == url, head
        assert digest.warnings == ()


def test_relative_links_without_a_base_are_left_out_with_one_warning() -> None:
    body = "<h2><a href='/a/1'>A</a></h2><p>Alpha.</p>", "<h2><a href='/a/2'>B</a></h2><p>Beta.</p>"
    digest = parse(_cards(*body), "p.html")
    assert [a.url for a in digest.articles] == [None, None]
    assert len(digest.warnings) == 1
    assert "2 relative link(s) such as '/a/1'" in digest.warnings[0]


def test_guessing_from_headings_says_so_in_one_warning() -> None:
    page = b"<body><h2>A</h2><p>Alpha.</p><h2>B</h2><p>Beta.</p></body>"
    digest = parse(page, "p.html")
    assert [a.title for a in digest.articles] == ["A", "B"]
    assert len(digest.warnings) == 1 and "<h2> heading" in digest.warnings[0]
    cards = parse(_cards("<h2>A</h2><p>Alpha.</p>"), "p.html")
    assert cards.warnings == ()


def test_text_before_the_first_article_is_the_intro() -> None:
    page = (
        b"<body><h1>Weekly</h1><p>Welcome to issue 3.</p><h2>A</h2><p>Alpha.</p>"
        b"<h2>B</h2><p>Beta.</p></body>"
    )
    digest = parse(page, "p.html")
    assert digest.title == "Weekly"
    assert digest.summary == "Welcome to issue 3."


def test_a_section_label_without_text_is_not_an_article() -> None:
    page = b"<body><h2>Science</h2><h3>A</h3><p>Alpha.</p><h3>B</h3><p>Beta.</p></body>"
    assert [a.title for a in parse(page, "p.html").articles] == ["A", "B"]


def test_sponsor_sections_are_not_articles() -> None:
    page = (
        b"<body><p><b>A</b></p><p>Alpha.</p><h2>Sponsor</h2><p><b>Buy Cloudy</b></p>"
        b"<p>It is great.</p><h2>More</h2><p><b>B</b></p><p>Beta.</p></body>"
    )
    assert [a.title for a in parse(page, "p.html").articles] == ["A", "B"]


def test_a_page_in_an_undeclared_non_utf8_charset_is_refused_with_its_line() -> None:
    with pytest.raises(SourceError, match="not UTF-8") as caught:
        parse(_cards("<h2>Caf\xe9</h2><p>Text.</p>").replace(b"\xc3\xa9", b"\xe9"), "p.html")
    assert caught.value.line == 1


def test_a_page_with_an_unknown_charset_is_one_readable_error() -> None:
    page = _cards("<h2>A</h2><p>Alpha.</p>", head="<meta charset='klingon-8'>")
    with pytest.raises(SourceError, match="unknown charset 'klingon-8'"):
        parse(page, "p.html")


def test_a_page_of_only_navigation_is_an_error() -> None:
    page = b"<html><body><nav><h2>Menu</h2><p>Home.</p></nav><footer><p>(c) 2026</p></footer>"
    with pytest.raises(SourceError, match="no articles found in the page"):
        parse(page, "p.html")


# --- the e-mail reader --------------------------------------------------------------------------


def _message(subject: str, sender: str = "Orbit Weekly <w@example.com>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = subject
    message["Date"] = "Mon, 30 Nov 2026 06:00:00 +0000"
    return message


PAGE = "<body><p><b>A story</b></p><p>It happened.</p><p><b>Another</b></p><p>Also.</p></body>"


def test_html_part_is_preferred_to_the_plain_one() -> None:
    message = _message("Re: Fwd: [Orbit] Issue 9")
    message.set_content("Plain title\nPlain summary.\n")
    message.add_alternative(PAGE, subtype="html")
    digest = parse(message.as_bytes(policy=SMTP), "m.eml")
    assert digest.format == "email"
    assert digest.title == "Issue 9"
    assert [a.title for a in digest.articles] == ["A story", "Another"]


def test_sender_is_the_source_of_a_single_article_only() -> None:
    single = _message("Post")
    single.set_content("<body><h1>Only story</h1><p>Told once.</p></body>", subtype="html")
    assert parse(single.as_bytes(), "m.eml").articles[0].source == "Orbit Weekly"
    many = _message("Digest")
    many.set_content(PAGE, subtype="html")
    assert [a.source for a in parse(many.as_bytes(), "m.eml").articles] == [None, None]


def test_unknown_charset_in_an_email_is_one_readable_error() -> None:
    raw = (
        b"From: a@example.com\nSubject: s\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=klingon-8\n\nTitle\nSummary.\n"
    )
    with pytest.raises(SourceError, match="cannot read the e-mail") as caught:
        parse(raw, "m.eml")
    assert "\n" not in str(caught.value)


def test_plain_part_errors_name_the_line_of_the_file() -> None:
    raw = (b"From: a@example.com\nSubject: s\n\nSolar sails reach orbit\n"
           b"A sail held a stable orbit for 90 days.\nPublished: someday soon\n")
    with pytest.raises(SourceError) as caught:
        parse(raw, "m.eml")
    assert caught.value.line == 6


def test_a_byline_with_date_and_comment_count_gives_only_the_name() -> None:
    card = (
        "<h2><a href='https://e.example/a'>A</a></h2>"
        "<p class='byline'>By Ana Ruiz · <time datetime='2026-11-27'>27 Nov</time> · 12 Comments</p>"
        "<p>Alpha.</p>"
    )
    article = parse(_cards(card), "p.html").articles[0]
    assert (article.source, article.summary) == ("Ana Ruiz", "Alpha.")
    assert article.published is not None and article.published.day == 27


def test_click_tracking_links_are_unwrapped_and_spelled_out_links_not_read() -> None:
    page = (
        b"<body><table><tr><td><a href='https://t.example/CL0/https:%2F%2Fnews.example%2Fa"
        b"%3Futm_source=x/1/abc'><b>A story</b></a><br>Told in full online. "
        b"<a href='https://news.example/a'>https://news.example/a</a></td></tr></table></body>"
    )
    article = parse(page, "p.eml.html").articles[0]
    assert article.url == "https://news.example/a"
    assert article.summary == "Told in full online."


def test_deep_nesting_is_refused_quickly_and_speakable_falls_back_to_words() -> None:
    start = time.perf_counter()
    with pytest.raises(SourceError, match="nested more than 256 elements deep"):
        parse(b"<div>" * 100_000 + b"x", "deep.html")
    assert speakable_paragraphs("<div>" * 100_000 + "x &amp; y") == ["x & y"]
    assert time.perf_counter() - start < 5.0


def test_nesting_the_parser_closes_itself_is_not_deep() -> None:
    page = b"<body><h2>A</h2>" + b"<p>Alpha." * 2000 + b"<h2>B</h2><p>Beta.</body>"
    assert [a.title for a in parse(page, "p.html").articles] == ["A", "B"]
    # Deep but legal nesting of inline elements is read without hitting Python's recursion limit.
    deep = b"<article><h2>T</h2><p>" + b"<span>" * 250 + b"Deep text.</p></article>"
    assert parse(deep, "p.html").articles[0].summary == "Deep text."
