"""What a fetch chooses: only what is new since earlier episodes, one copy of each story,
newest first, sized to the show's budget; and the settings and files around it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest import cli
from audiodigest.config import Source
from audiodigest.fetch.select import Budget, fit, merge, pick, similar_titles, title_key, trim
from audiodigest.models import Article
from audiodigest.script.normalize import split_sentences
from audiodigest.sources import read
from audiodigest.sources.ids import article_id
from tests.fetch_support import Newsroom, feed_handler, rss, serve, source, write_show

DAY, NEXT = "2026-12-01", "2026-12-02"
WORDS = ["Zero", "Tidal", "Offshore", "Floating", "Vertical", "Rooftop", "Village", "Hilltop",
         "Coastal", "Desert"]


def item(n: int, day: int = 30, title: str | None = None, url: str | None = None,
         text: str | None = None) -> tuple[str, str, str, str]:
    return (title or f"{WORDS[n]} turbines power {n * 7} homes",
            url or f"https://wire.example.com/story-{n}",
            text or f"Story {n} says something. It adds a second sentence. And a third one.",
            f"{'Mon' if day == 30 else 'Tue'}, {day:02d} {'Nov' if day == 30 else 'Dec'} 2026 "
            f"{n:02d}:00:00 GMT")


def fetch(show: Path, day: str = DAY) -> int:
    return cli.main(["fetch", str(show), "--date", day])


def titles(path: Path) -> list[str]:
    return [a.title for a in read(path).articles]


def test_a_feed_that_gains_one_item_overnight_gives_only_that_item(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = [item(1), item(2), item(3)]
    room = Newsroom()
    room.routes["/feed"], full = feed_handler(lambda: rss(items), etag=lambda: f'"{len(items)}"')
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show",
                          source(f"http://127.0.0.1:{server.port}/feed", name="Wire"))
        assert fetch(show) == 0
        assert len(titles(show / "digests" / f"{DAY}.txt")) == 3
        items.insert(0, item(4, day=1, title="Overnight: the tide turned"))
        assert fetch(show, NEXT) == 0
    assert titles(show / "digests" / f"{NEXT}.txt") == ["Overnight: the tide turned"]
    assert len(full) == 2
    assert "Wire: 4 seen, 1 new, 1 used" in capsys.readouterr().err


def test_two_feeds_carrying_the_same_story_give_it_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = [item(1), item(2, title="Heat pumps outsell gas boilers in Europe")]
    second = [
        # The same link, with tracking parameters and another host spelling.
        item(5, title="Wind story, syndicated",
             url="https://WIRE.example.com/story-1/?utm_source=rss&utm_medium=feed"),
        # The same story under another link, its title near-identical.
        item(6, url="https://other.example.org/heat",
             title="Heat pumps outsell gas boilers in Europe!"),
        item(7, title="Only the second feed has this one"),
    ]
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss(first))
    room.routes["/b"], _ = feed_handler(rss(second, title="Other Wire"))
    with serve(room, tmp_path) as server:
        base = f"http://127.0.0.1:{server.port}"
        show = write_show(tmp_path / "show", source(f"{base}/a", name="A")
                          + source(f"{base}/b", name="B"))
        assert fetch(show) == 0
    got = read(show / "digests" / f"{DAY}.txt").articles
    assert sorted(a.title for a in got) == sorted(
        [first[0][0], "Heat pumps outsell gas boilers in Europe",
         "Only the second feed has this one"])
    err = capsys.readouterr().err
    assert "A: 2 seen, 2 new, 2 used" in err and "B: 3 seen, 1 new, 1 used" in err


def test_articles_come_newest_first_and_keep_source_and_link(tmp_path: Path) -> None:
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss([item(3), item(9)]))
    room.routes["/b"], _ = feed_handler(rss([item(5)]))
    with serve(room, tmp_path) as server:
        base = f"http://127.0.0.1:{server.port}"
        show = write_show(tmp_path / "show", source(f"{base}/a", name="A")
                          + source(f"{base}/b", name="B"))
        assert fetch(show) == 0
    got = read(show / "digests" / f"{DAY}.txt").articles
    assert [a.url for a in got] == [f"https://wire.example.com/story-{n}" for n in (9, 5, 3)]
    assert [a.source for a in got] == ["Example Wire"] * 3  # the feed's own name
    assert all(a.published is not None for a in got)


def test_per_source_since_include_exclude_and_max_items(tmp_path: Path) -> None:
    old = ("An old story about turbines", "https://wire.example.com/old", "Old news.",
           "Mon, 02 Nov 2026 08:00:00 GMT")
    items = [item(1), item(2, title="Turbines and GPUs"), item(3, title="Cats"), item(4), old]
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss(items))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(
            f"http://127.0.0.1:{server.port}/a", since="3 days",
            include=["turbines", "/cat[s]?/"], exclude=["GPUs"], max_items=2))
        assert fetch(show) == 0
    assert titles(show / "digests" / f"{DAY}.txt") == [item(4)[0], "Cats"]


def test_max_articles_and_target_minutes_trim_at_sentence_boundaries(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = " ".join(f"Sentence {n} of the long summary has exactly ten words in it." for n in
                    range(1, 41))
    items = [item(n, text=long) for n in range(1, 9)]
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss(items))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/a"),
                          fetch="allow_private_addresses = true\nmax_articles = 5\n"
                                "target_minutes = 2\n")
        assert fetch(show) == 0
    got = read(show / "digests" / f"{DAY}.txt").articles
    assert len(got) == 5
    for article in got:
        assert long.startswith(article.summary) and article.summary.endswith("in it.")
        assert 1 <= len(split_sentences(article.summary)) < 40
    # The whole episode (intro, transitions, pauses) is estimated within the two minutes, and
    # one more sentence for every article would not fit: the budget is used, not wasted.
    minutes = float(capsys.readouterr().out.split("about ")[1].split(" minutes")[0])
    assert 1.4 <= minutes <= 2.0


def test_nothing_new_writes_no_digest_and_says_so(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss([item(1)]))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/a"))
        assert fetch(show) == 0
        capsys.readouterr()
        assert fetch(show, NEXT) == 0
    assert capsys.readouterr().out == f"Nothing new from the sources for {NEXT}: no digest " \
                                      "written.\n"
    assert not (show / "digests" / f"{NEXT}.txt").exists()


def test_an_article_in_a_hand_made_earlier_digest_is_not_new(tmp_path: Path) -> None:
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss([item(1), item(2)]))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/a"))
        (show / "digests").mkdir()
        (show / "digests" / "2026-11-30.md").write_text(
            f"## Typed by hand\n\nIt was in yesterday's episode.\n\n[Read more]({item(1)[1]})\n")
        assert fetch(show) == 0
    assert titles(show / "digests" / f"{DAY}.txt") == [item(2)[0]]


def test_an_edited_digest_is_never_replaced(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/a"], _ = feed_handler(rss([item(1)]))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/a"))
        assert fetch(show) == 0
        path = show / "digests" / f"{DAY}.txt"
        path.write_text(path.read_text().replace("Story 1 says", "The editor says"))
        edited = path.read_bytes()
        assert fetch(show) == 2
    assert path.read_bytes() == edited
    assert "was edited since; fetch will not replace it" in capsys.readouterr().err


def test_a_damaged_state_file_is_a_warning_and_a_full_fetch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/a"], full = feed_handler(rss([item(1)]), etag='"x"')
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/a"))
        assert fetch(show) == 0
        state = show / ".audiodigest" / "fetch" / "state.json"
        raw = json.loads(state.read_text())
        raw["sources"] = {url: {"etag": 7, "body": "../../etc/passwd"} for url in raw["sources"]}
        raw["used"] = {"not-an-id": DAY}
        state.write_text(json.dumps(raw))
        assert fetch(show, NEXT) == 0  # the bad entries are ignored: a full GET
        state.write_text("{not json")
        assert fetch(show, "2026-12-03") == 0
    assert len(full) == 3
    assert "not a fetch state" in capsys.readouterr().err


def test_a_path_source_reads_a_file_or_a_folder(tmp_path: Path) -> None:
    show = tmp_path / "show"
    inbox = show / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "one.txt").write_text("From the inbox\nA typed story with a summary.\n"
                                   "Read more → https://inbox.example.com/1\n")
    (inbox / ".hidden.txt").write_text("ignored")
    write_show(show, '[[sources]]\npath = "inbox"\nname = "Inbox"\n')
    assert fetch(show) == 0
    got = read(show / "digests" / f"{DAY}.txt").articles
    assert [(a.title, a.source, a.url) for a in got] == [
        ("From the inbox", "Inbox", "https://inbox.example.com/1")]


@pytest.mark.parametrize(("table", "message"), [
    ('url = "ftp://example.com/feed"', "bad value for 'sources.0.url'"),
    ('url = "https://example.com/f"\npath = "x.txt"', "bad value for 'sources.0': give either "
                                                       "url or path"),
    ('name = "x"', "bad value for 'sources.0': give either url or path"),
    ('url = "https://example.com/f"\nsince = "soon"', "bad value for 'sources.0.since': 'soon' "
                                                      "is not a time span"),
    ('url = "https://example.com/f"\ninclude = ["/(unclosed/"]',
     "bad value for 'sources.0.include'"),
    ('url = "https://example.com/f"\nmax_items = 0', "bad value for 'sources.0.max_items'"),
    ('url = "https://example.com/f"\nlimit = 3', "unknown key 'sources.0.limit'"),
])
def test_a_bad_source_entry_is_one_line_naming_the_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str) -> None:
    show = write_show(tmp_path / "show", f"[[sources]]\n{table}\n")
    assert fetch(show) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "show.toml" in err


@pytest.mark.parametrize(("fetch_table", "key"), [
    ("timeout = 0", "fetch.timeout"), ("target_minutes = -1", "fetch.target_minutes"),
    ('allow_private_addresses = "yes"', "fetch.allow_private_addresses"),
    ("max_articles = 0", "fetch.max_articles"), ("retries = 3", "fetch.retries")])
def test_a_bad_fetch_setting_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           fetch_table: str, key: str) -> None:
    show = write_show(tmp_path / "show", '[[sources]]\nurl = "https://example.com/f"\n',
                      fetch=fetch_table + "\n")
    assert fetch(show) == 2
    assert f"'{key}'" in capsys.readouterr().err


def test_a_show_without_sources_says_how_to_add_one(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    show = write_show(tmp_path / "show", "")
    assert fetch(show) == 2
    assert "no [[sources]] to fetch" in capsys.readouterr().err


# --- the pure parts ----------------------------------------------------------------------------


def article(title: str, url: str | None = None, summary: str = "A summary.",
            published: datetime | None = None) -> Article:
    return Article(article_id(url, title), title, summary, url, published=published)


def test_near_identical_titles_are_one_story_and_different_ones_are_not() -> None:
    same = [("Apple buys Acme for $2B", "Apple buys Acme for $2B!"),
            ("The Delta model ships", "The delta model ships.")]
    different = [("Apple buys Acme for $2B", "Apple sells Acme for $3B"),
                 ("Rust 1.90 released", "Rust 1.91 released today with a new borrow checker")]
    assert all(similar_titles(title_key(a), title_key(b)) for a, b in same)
    assert not any(similar_titles(title_key(a), title_key(b)) for a, b in different)


def test_merge_drops_earlier_episodes_and_second_copies_and_orders_by_date() -> None:
    day = datetime(2026, 11, 30, tzinfo=UTC)
    a = [article("One", "https://x.example/1", published=day.replace(hour=1)),
         article("Two", "https://x.example/2", published=day.replace(hour=5))]
    b = [article("One again", "https://X.example/1/?utm_campaign=z"),
         article("Three", "https://y.example/3", published=day.replace(hour=3)),
         article("Undated", "https://y.example/u")]
    merged = merge([a, b], earlier={article_id("https://x.example/2", "Two")})
    assert [m.title for m in merged.articles] == ["Three", "One", "Undated"]
    assert len(merged.earlier) == 1 and merged.duplicates == 1


def test_pick_names_the_source_when_an_item_has_none() -> None:
    picked = pick([article("One", "https://x.example/1")],
                  Source(url="https://news.example.com/feed.xml"), datetime.now(UTC))
    assert picked[0].source == "news.example.com/feed.xml"


def test_trim_keeps_whole_sentences_and_at_least_the_first() -> None:
    text = "First one here. Second one follows.\n\nA new paragraph. And more."
    cut = trim(article("T", summary=text), 6, split_sentences, lambda s: len(s.split()))
    assert cut.summary == "First one here. Second one follows."
    assert trim(article("T", summary=text), 0, split_sentences,
                lambda s: len(s.split())).summary == "First one here."


def test_fit_leaves_out_the_oldest_only_when_first_sentences_do_not_fit() -> None:
    items = [article(f"T{n}", summary="One two three. Four five six.") for n in range(4)]

    def seconds(chosen: list[Article]) -> float:
        return float(sum(len(a.summary.split()) for a in chosen))

    words = lambda s: len(s.split())  # noqa: E731
    assert len(fit(items, None, Budget(seconds, 24), split_sentences, words)) == 4
    trimmed = fit(items, None, Budget(seconds, 12), split_sentences, words)
    assert [a.summary for a in trimmed] == ["One two three."] * 4
    assert len(fit(items, None, Budget(seconds, 7), split_sentences, words)) == 2
    assert len(fit(items, 3, Budget(seconds, None), split_sentences, words)) == 3


@pytest.mark.parametrize("verb", [["build", "SHOW", "--digest"], ["script", "SHOW", "--digest"],
                                  ["read"]])
def test_a_url_given_as_a_digest_file_says_where_urls_go(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: list[str]) -> None:
    show = write_show(tmp_path / "show", "")
    args = [str(show) if part == "SHOW" else part for part in verb]
    assert cli.main([*args, "https://example.com/feed.xml"]) == 2
    err = capsys.readouterr().err
    assert "takes a file, not a URL (https://example.com/feed.xml)" in err
    assert "[[sources]]" in err


# --- the written digest reads back as what fetch reports ---------------------------------------


def test_a_byline_paragraph_is_left_out_of_the_file_and_an_unreadable_title_is_named() -> None:
    from audiodigest.fetch.digest_text import render_digest
    from audiodigest.sources import parse

    kept = Article(article_id("https://x.example/1", "Visual AI in testing"),
                   "Visual AI in testing", "A report on 288 engineers.\n\nBy Matthew Coughlan",
                   "https://x.example/1", "InfoQ")
    byline_title = Article(article_id(None, "Via Satellite, a Census of Whales"),
                           "Via Satellite, a Census of Whales",
                           "Researchers counted 1,200 whales in one bay.", None, "Lab Notes")
    rendered = render_digest([kept, byline_title], "2026-12-01.txt")
    assert [a.summary for a in rendered.articles] == ["A report on 288 engineers."]
    assert [why for _, why in rendered.left_out] == [
        "'Via Satellite, a Census of Whales' would not read back from a plain-text digest as "
        "written; left out"]
    back = parse(rendered.text.encode(), "2026-12-01.txt", "text")
    assert back.articles == rendered.articles


_PIECES = [*"abcXYZ 019.:—-*#>()[]→»/…", "Read more", "Source:", "By ", "via ",
           "http://x.example/a", "1. ", "Sponsored", "Unsubscribe", "Cells ", "Tidal power "]
_LINE = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_LINE, st.lists(_LINE, min_size=1, max_size=3),
                          st.one_of(st.none(), st.sampled_from(["https://a.example/1",
                                                                "https://b.example/2?x=1"])),
                          st.one_of(st.none(), _LINE)), min_size=1, max_size=4))
def test_whatever_the_articles_the_digest_reads_back_as_reported(
        entries: list[tuple[str, list[str], str | None, str | None]]) -> None:
    from audiodigest.errors import SourceError
    from audiodigest.fetch.digest_text import render_digest
    from audiodigest.sources import parse

    articles = []
    for title, paragraphs, url, source_name in entries:
        raw = "\n".join([title, *paragraphs])
        try:
            read_back = parse((raw + "\nRead more →\n").encode(), "in.txt", "text").articles
        except SourceError:
            continue  # only articles a reader could have produced
        articles.extend(replace(a, url=url, source=a.source or source_name) for a in read_back)
    rendered = render_digest(articles, "2026-12-01.txt")
    assert len(rendered.articles) + len(rendered.left_out) <= len(articles)
    if rendered.articles:
        back = parse(rendered.text.encode(), "2026-12-01.txt", "text").articles
        assert [(a.title, a.summary, a.url, a.source) for a in back] == [
            (a.title, a.summary, a.url, a.source) for a in rendered.articles]


@pytest.mark.parametrize("module", ["audiodigest.fetch.http", "audiodigest.fetch.select",
                                    "audiodigest.config"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_the_pace_is_measured_on_the_show_s_scripts_and_cached_segments(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from audiodigest import config as config_mod
    from audiodigest.fetch.pace import DEFAULT_WPM, measure
    from audiodigest.models import Pcm
    from audiodigest.pipeline import script_segment_keys
    from audiodigest.speech.cache import SegmentCache
    from tests.conftest import THREE_ENTRIES, make_show

    show = make_show(tmp_path / "show", THREE_ENTRIES)
    config = config_mod.load(show)
    assert measure(config).measured is False and measure(config).wpm == DEFAULT_WPM
    assert cli.main(["script", str(show)]) == 0
    assert measure(config).measured is False  # a script, but nothing spoken yet
    capsys.readouterr()
    assert cli.main(["script", str(show), "--spoken"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    cache = SegmentCache(config.path(config.cache))
    for key in script_segment_keys(config):  # every segment lasts two seconds
        cache.put(key, Pcm(b"\x01\x00" * 44100, 22050))
    pace = measure(config)
    words = sum(len(line.split()) for line in lines)
    assert pace.measured and pace.words >= 50
    assert pace.wpm == pytest.approx(words / (2.0 * len(lines)) * 60, rel=0.1)
