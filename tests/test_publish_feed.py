"""The feed, read back by the parsers podcast apps use (podcastparser, feedparser) and by XPath
for the Podcasting 2.0 tags podcastparser does not know."""

from __future__ import annotations

import email.utils
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import podcastparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from audiodigest.categories import parse_category
from audiodigest.errors import ConfigError, OutputError
from audiodigest.identity import podcast_guid
from audiodigest.models import PublishedChapter
from audiodigest.publish.feed import (
    MAX_DESCRIPTION_BYTES,
    build_feed,
    write_feed,
    xml_text,
)
from tests.publish_support import daily_records, make_config, make_record, write_episode_files

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
COVER = "cover-0123abcd.png"


def xp(doc: etree._Element, path: str) -> list:
    return doc.xpath(path, namespaces=NS)


def one(doc: etree._Element, path: str) -> str:
    found = xp(doc, path)
    assert len(found) == 1, f"{path}: {found}"
    value = found[0]
    return value if isinstance(value, str) else (value.text or "")


@pytest.fixture
def published(tmp_path: Path):
    """A show with two real episodes in its output folder and the feed written."""
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    records = [write_episode_files(out, r) for r in daily_records(2)]
    path = write_feed(config, records, out, COVER)
    return config, records, out, path


def test_podcast_guid_matches_the_published_test_vector() -> None:
    expected = "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("https://podnews.net/rss") == expected
    assert podcast_guid("http://podnews.net/rss/") == expected  # scheme and slash do not count


def test_channel_has_every_tag_apple_and_podcasting20_ask_for(published) -> None:
    config, _records, _out, path = published
    doc = etree.fromstring(path.read_bytes())
    assert one(doc, "/rss/@version") == "2.0"
    assert one(doc, "channel/title") == "Signal & Noise"
    assert one(doc, "channel/description") == config.description
    assert one(doc, "channel/link") == config.site_link
    assert one(doc, "channel/language") == "en-us"
    assert one(doc, "channel/copyright") == "© 2026 The Test Desk"
    assert one(doc, "channel/generator").startswith("audiodigest")
    assert one(doc, "channel/atom:link[@rel='self']/@href") == config.feed_url
    assert one(doc, "channel/itunes:author") == "The Test Desk"
    assert one(doc, "channel/itunes:owner/itunes:name") == "Desk Owner"
    assert one(doc, "channel/itunes:owner/itunes:email") == "owner@example.com"
    assert one(doc, "channel/itunes:image/@href") == config.base_url + COVER
    assert one(doc, "channel/itunes:category/@text") == "News"
    assert one(doc, "channel/itunes:category/itunes:category/@text") == "Tech News"
    assert one(doc, "channel/itunes:explicit") == "false"
    assert one(doc, "channel/itunes:type") == "episodic"
    assert one(doc, "channel/podcast:guid") == podcast_guid(config.feed_url)
    assert one(doc, "channel/podcast:locked") == "yes"
    assert one(doc, "channel/podcast:locked/@owner") == "owner@example.com"
    assert one(doc, "channel/podcast:medium") == "podcast"
    last_build = email.utils.parsedate_to_datetime(one(doc, "channel/lastBuildDate"))
    assert last_build == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # the newest episode


def test_explicit_and_unlocked_settings_are_written_as_apple_wants(tmp_path: Path) -> None:
    config = make_config(tmp_path, 'explicit = true\nlocked = false\ntype = "serial"')
    doc = etree.fromstring(build_feed(config, [make_record()], COVER))
    assert one(doc, "channel/itunes:explicit") == "true"
    assert one(doc, "channel/podcast:locked") == "no"
    assert one(doc, "channel/itunes:type") == "serial"


def test_podcastparser_reads_episodes_enclosures_and_chapters(published) -> None:
    config, records, out, path = published
    with path.open("rb") as fh:
        parsed = podcastparser.parse(config.feed_url, fh)
    assert parsed["title"] == "Signal & Noise"
    assert parsed["explicit"] is False
    assert parsed["itunes_categories"] == [["News", "Tech News"]]
    assert parsed["cover_url"] == config.base_url + COVER
    newest = records[-1]
    episodes = {e["guid"]: e for e in parsed["episodes"]}
    assert set(episodes) == {r.guid for r in records}
    ep = episodes[newest.guid]
    assert ep["title"] == newest.title
    assert ep["number"] == newest.number
    assert ep["type"] == "full"
    assert ep["total_time"] == 4
    assert ep["published"] == int(newest.pub_date.timestamp())
    (enclosure,) = ep["enclosures"]
    assert enclosure["file_size"] == (out / newest.audio.path).stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["url"] == config.base_url + newest.audio.path
    assert [(c["start"], c["title"]) for c in ep["chapters"]] == [
        (int(c.start), c.title) for c in newest.chapters]
    assert ep["chapters"][1]["href"] == "https://example.com/cooler-chips"


def test_feedparser_reads_enclosure_duration_guid_and_psc_chapters(published) -> None:
    _config, records, out, path = published
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    newest = records[-1]
    entry = parsed.entries[0]  # newest first
    assert entry.id == newest.guid
    assert entry.itunes_duration == "4"
    (enclosure,) = entry.enclosures
    assert int(enclosure.length) == (out / newest.audio.path).stat().st_size
    chapters = entry.psc_chapters["chapters"]
    assert [c["start_parsed"] for c in chapters] == [
        timedelta(seconds=c.start) for c in newest.chapters]
    assert [c["title"] for c in chapters] == [c.title for c in newest.chapters]


def test_items_carry_podcasting20_tags_and_show_notes(published) -> None:
    config, records, _out, path = published
    doc = etree.fromstring(path.read_bytes())
    newest = records[-1]
    (item,) = xp(doc, f"channel/item[guid='{newest.guid}']")
    assert one(item, "guid/@isPermaLink") == "false"
    assert one(item, "link") == config.base_url + newest.page
    assert one(item, "podcast:chapters/@url") == config.base_url + newest.chapters_file.path
    assert one(item, "podcast:chapters/@type") == "application/json+chapters"
    transcripts = {t.get("type"): t for t in xp(item, "podcast:transcript")}
    assert set(transcripts) == {"text/vtt", "application/x-subrip", "application/json"}
    assert transcripts["text/vtt"].get("rel") == "captions"
    assert transcripts["text/vtt"].get("language") == "en-us"
    assert transcripts["application/json"].get("url") == config.base_url + newest.transcripts[2].path
    assert one(item, "podcast:episode") == str(newest.number)
    assert one(item, "itunes:episode") == str(newest.number)
    assert one(item, "itunes:episodeType") == "full"
    assert one(item, "psc:chapters/@version") == "1.2"
    starts = [c.get("start") for c in xp(item, "psc:chapters/psc:chapter")]
    assert starts == ["00:00:00.000", "00:00:01.000", "00:00:02.500"]
    notes = one(item, "content:encoded")
    assert "00:01" in notes and 'href="https://example.com/cooler-chips"' in notes
    assert "00:02" in notes and "a=1&amp;b=2" in notes
    description = one(item, "description")
    assert description.startswith("<p>Cooler chips and open voices.</p>")
    assert b"<description><![CDATA[" in path.read_bytes()


def test_pubdate_is_rfc2822_with_the_right_weekday(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    records = daily_records(7, start=datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Mon..Sun
    doc = etree.fromstring(build_feed(config, records, COVER))
    for record in records:
        (item,) = xp(doc, f"channel/item[guid='{record.guid}']")
        text = one(item, "pubDate")
        assert text.startswith(record.pub_date.strftime("%a, %d %b %Y")), text
        assert email.utils.parsedate_to_datetime(text) == record.pub_date
    weekdays = [one(i, "pubDate")[:3] for i in xp(doc, "channel/item")]
    assert weekdays == ["Sun", "Sat", "Fri", "Thu", "Wed", "Tue", "Mon"]


def test_only_the_newest_feed_items_are_listed_newest_first(tmp_path: Path) -> None:
    config = make_config(tmp_path, "feed_items = 3")
    records = daily_records(5)
    doc = etree.fromstring(build_feed(config, list(reversed(records)), COVER))
    assert [g.text for g in xp(doc, "channel/item/guid")] == [r.guid for r in records[:1:-1]]


@pytest.mark.parametrize("cover", ["cover-0123abcd.jpeg", "cover-0123abcd.jpg", COVER])
def test_cover_url_keeps_its_real_extension_even_jpeg(tmp_path: Path, cover: str) -> None:
    config = make_config(tmp_path)
    doc = etree.fromstring(build_feed(config, [make_record()], cover))
    assert one(doc, "channel/itunes:image/@href").endswith("/" + cover)
    assert one(doc, "channel/image/url").endswith("/" + cover)


def test_enclosure_length_is_never_none_and_is_the_file_size(published) -> None:
    _config, records, out, path = published
    data = path.read_bytes()
    assert b"None" not in data
    doc = etree.fromstring(data)
    for record in records:
        length = one(doc, f"channel/item[guid='{record.guid}']/enclosure/@length")
        assert int(length) == (out / record.audio.path).stat().st_size > 0


def test_write_feed_refuses_missing_or_resized_audio(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    record = write_episode_files(out, make_record())
    with pytest.raises(OutputError, match="bytes but the episode index says"):
        write_feed(config, [replace(record, audio_size=record.audio_size + 1)], out, COVER)
    (out / record.audio.path).unlink()
    with pytest.raises(OutputError, match="missing") as err:
        write_feed(config, [record], out, COVER)
    assert record.audio.path.split("/")[-1] in str(err.value)
    assert not (out / "feed.xml").exists()


def test_feed_without_episodes_is_still_valid(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    data = build_feed(config, [], COVER)
    doc = etree.fromstring(data)
    assert xp(doc, "channel/item") == []
    assert xp(doc, "channel/lastBuildDate") == []
    assert podcastparser.parse(config.feed_url, io.BytesIO(data))["title"] == "Signal & Noise"


def test_build_feed_is_deterministic(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    records = daily_records(3)
    assert build_feed(config, records, COVER) == build_feed(config, records, COVER)


HOSTILE = [
    "<script>alert('x')</script>",
    "Ends a CDATA ]]> here",
    "Fish & Chips <b>bold</b>",
    "Quotes \"double\" and 'single'",
    "Control\x01char\x0bs are dropped",
    "Ümlaut, 中文, emoji 🎙️",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_titles_and_summaries_read_back_unchanged(tmp_path: Path, text: str) -> None:
    config = make_config(tmp_path)
    chapters = (PublishedChapter(text, 0.0, 2.0, "https://example.com/?q=<x>&y=]]>"),)
    record = make_record(title=text, summary=text, chapters=chapters)
    data = build_feed(config, [record], COVER)
    expected = xml_text(text)
    doc = etree.fromstring(data)  # well-formed
    assert one(doc, "channel/item/title") == expected.strip()
    assert one(doc, "channel/item/psc:chapters/psc:chapter/@title") == expected
    parsed = podcastparser.parse(config.feed_url, io.BytesIO(data))
    assert parsed["episodes"][0]["title"] == expected
    fp = feedparser.parse(data)
    assert not fp.bozo
    assert fp.entries[0].title == expected
    # The HTML parts are CDATA holding escaped text: no live markup from the article.
    for html_part in (one(doc, "channel/item/description"), one(doc, "channel/item/content:encoded")):
        assert "<script>" not in html_part and "<b>" not in html_part


def test_javascript_links_never_reach_the_feed_html(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    chapters = (PublishedChapter("Bad link", 0.0, 1.0, "javascript:alert(1)"),)
    doc = etree.fromstring(build_feed(config, [make_record(chapters=chapters)], COVER))
    for part in ("description", "content:encoded"):
        assert "javascript:" not in one(doc, f"channel/item/{part}")


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=80), summary=st.text(max_size=200))
def test_any_text_gives_a_well_formed_feed(tmp_path_factory, title: str, summary: str) -> None:
    config = make_config(tmp_path_factory.mktemp("show"))
    record = make_record(title=title, summary=summary)
    doc = etree.fromstring(build_feed(config, [record], COVER))
    assert one(doc, "channel/item/title") == (xml_text(title).strip() or record.id)


def test_long_descriptions_stay_within_apples_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    chapters = tuple(PublishedChapter(f"Article {i} " + "x" * 60, i, i + 1.0,
                                      f"https://example.com/{i}") for i in range(200))
    record = make_record(summary="word " * 2000, chapters=chapters)
    doc = etree.fromstring(build_feed(config, [record], COVER))
    description = one(doc, "channel/item/description")
    assert len(description.encode("utf-8")) <= MAX_DESCRIPTION_BYTES
    assert description.startswith("<p>word word")
    # The show notes keep every chapter.
    assert one(doc, "channel/item/content:encoded").count("<li>") == 200


@pytest.mark.parametrize(("value", "expected"), [
    ("Technology", ("Technology", None)),
    ("News > Tech News", ("News", "Tech News")),
    ("news >  tech news", ("News", "Tech News")),
    ("Society & Culture > Places & Travel", ("Society & Culture", "Places & Travel")),
])
def test_valid_categories_are_canonicalised(value: str, expected: tuple) -> None:
    assert parse_category(value) == expected


@pytest.mark.parametrize(("value", "hint"), [
    ("Tech", "Technology"),
    ("News > Techno News", "News > Tech News"),
    ("Tech News", "News > Tech News"),
    ("Technology > Gadgets", "Technology"),
])
def test_unknown_categories_fail_naming_the_setting_and_close_matches(
        tmp_path: Path, value: str, hint: str) -> None:
    config = make_config(tmp_path).model_copy(update={"category": value})
    with pytest.raises(ConfigError) as err:
        build_feed(config, [], COVER)
    message = err.value.one_line()
    assert "'category'" in message and hint in message
    assert "show.toml" in message


def test_ampersand_categories_are_escaped_in_the_xml(tmp_path: Path) -> None:
    config = make_config(tmp_path).model_copy(update={"category": "Society & Culture"})
    data = build_feed(config, [], COVER)
    assert b'text="Society &amp; Culture"' in data
