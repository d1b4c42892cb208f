"""The plain-text reader: what the data-driven cases cannot show (warnings, the digest's own
title and intro, format sniffing), and rules that hold across every text case."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audiodigest.cli import main
from audiodigest.sources import FORMATS, detect_format, parse, read

DATA = Path(__file__).parent / "data" / "sources"
# A Read-more button at the end of a title or paragraph (prose may still say "read more").
BUTTON = re.compile(r"(?i)(?:read more|continue reading|full story|full article)\s*(?:→|->|»)?$")
TEXT_CASES = sorted(p for p in DATA.glob("text_*.txt"))

ISSUE_EXAMPLE = """Solar Sails Reach Mars Orbit

A team at the Jet Propulsion Laboratory reports that a 40 m² sail held a stable orbit for 90 days.

Read more →

The Cost of Cold Starts

Serverless platforms still pay 200–900 ms on a cold start. A new scheduler keeps warm pools per tenant.

Read more →
"""


def test_the_pasted_page_of_the_issue_gives_exactly_its_two_articles() -> None:
    digest = parse(ISSUE_EXAMPLE.encode(), "page.txt")
    assert [(a.title, a.summary) for a in digest.articles] == [
        ("Solar Sails Reach Mars Orbit", "A team at the Jet Propulsion Laboratory reports that a"
         " 40 m² sail held a stable orbit for 90 days."),
        ("The Cost of Cold Starts", "Serverless platforms still pay 200–900 ms on a cold start."
         " A new scheduler keeps warm pools per tenant."),
    ]
    assert digest.warnings == ()  # Read-more lines leave nothing to guess


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c.name for c in TEXT_CASES])
def test_no_text_case_reads_furniture_aloud(case: Path) -> None:
    articles = read(case).articles
    for part in [p for a in articles for p in (a.title, *a.paragraphs)]:
        assert not BUTTON.search(part), f"{case.name} reads a button aloud: {part!r}"
    words = " ".join(f"{a.title} {a.summary}" for a in articles).casefold()
    for furniture in ["unsubscribe",
                      "view in browser", "view online", "sponsor", "min read", "minute read",
                      "comments", "forwarded", "you are receiving", "[1]", "---", "* * *"]:
        assert furniture not in words, f"{case.name} reads {furniture!r} aloud"


def test_a_guess_is_said_in_one_warning_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = DATA / "text_blocks_no_delimiters.txt"
    digest = read(path)
    assert len(digest.articles) == 3
    assert digest.warnings == (
        "no Read-more lines, rules or numbered items: took each title line standing alone and"
        " the paragraphs under it as one article",)
    assert main(["read", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and err.count("\n") == 1


def test_the_typed_layout_needs_no_warning() -> None:
    assert parse(b"Title one\nSummary one.\n\nTitle two\nSummary two.\n", "t.txt").warnings == ()


def test_text_outside_any_article_is_reported_not_read() -> None:
    data = ("Title one\n\nSummary one.\n\nRead more →\n\nA stray sentence between cards.\n\n"
            "Title two\n\nSummary two.\n\nRead more →\n").encode()
    digest = parse(data, "t.txt")
    assert [a.title for a in digest.articles] == ["Title one", "Title two"]
    assert "stray" not in " ".join(a.summary for a in digest.articles)
    assert len(digest.warnings) == 1 and "line 7" in digest.warnings[0]


def test_an_issue_title_and_intro_become_the_digest_title_and_summary() -> None:
    digest = read(DATA / "text_email_furniture.txt")
    assert digest.title == "Morning Byte #142: sails, sugar and cold starts"  # its Subject
    assert digest.summary == "Hi there — three stories today, and a short one about bone."
    rules = read(DATA / "text_rules.txt")
    assert (rules.title, rules.summary) == (
        "THE SUNDAY BYTE — Issue #87", "Good morning! Four stories worth your coffee this week.")
    assert [a.title for a in rules.articles][0] == "A Telescope Made of Ice"


def test_sponsor_blocks_and_section_headings_are_not_articles() -> None:
    digest = read(DATA / "text_tldr_style.txt")
    titles = [a.title for a in digest.articles]
    assert titles == ["Solar sails reach Mars orbit", "The cost of cold starts",
                      "Bacteria that eat PET plastic", "A tiny diff tool written in Zig"]
    assert digest.title == "TLDR Weekly 2026-12-01"
    assert [a.tags for a in digest.articles][::2] == [("HEADLINES & LAUNCHES",),
                                                      ("SCIENCE & FUTURISTIC TECHNOLOGY",)]


def test_nothing_like_an_article_is_one_line_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "2026-12-01.txt"
    path.write_text("View in browser\n\nUnsubscribe\n", encoding="utf-8")
    assert main(["read", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "no articles" in err


# --- a ".txt" that is really Markdown or HTML ---------------------------------------------------

MARKDOWN = """# The Sunday Byte

## Solar sails reach Mars orbit

A team at JPL reports that a **40 m²** sail held a stable orbit for 90 days.

[Read more](https://example.com/sails)

## The cost of cold starts

Serverless platforms still pay 200-900 ms on a cold start.
"""


def test_a_txt_holding_markdown_is_read_as_markdown(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "digest.txt"
    path.write_text(MARKDOWN, encoding="utf-8")
    digest = read(path)
    assert digest.format == "markdown"
    assert [a.title for a in digest.articles] == ["Solar sails reach Mars orbit",
                                                  "The cost of cold starts"]
    assert main(["read", str(path), "--json"]) == 0
    assert "##" not in json.dumps(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("text", [
    b"# 1 in our weekly poll: Rust\n\nRust won again; Go came second with < 20%.\n\nRead more\n",
    b"Solar sails\nA <b>bold</b> claim: a < b and c > d.\n",
    b"- **Title**: summary one. (https://example.com/a)\n- **Other**: summary two.\n",
])
def test_a_pasted_digest_with_a_hash_line_or_a_bracket_stays_text(text: bytes) -> None:
    assert detect_format(text, "d.txt") == "text"


@pytest.mark.parametrize("text", [
    b"<!DOCTYPE html>\n<html><body><article><h2>T</h2><p>S.</p></article></body></html>",
    b"<div class='card'><h2><a href='https://example.com/a'>T</a></h2><p>Summary.</p></div>",
])
def test_a_txt_holding_html_is_sniffed_as_html_when_there_is_an_html_reader(text: bytes) -> None:
    assert detect_format(text, "d.txt") == ("html" if "html" in FORMATS else "text")
