"""Podcasting 2.0 and Apple extras: podcast:person, season, episode type, funding, licence,
itunes:block, podcast:txt and chapter images, from show.toml and the script's front matter."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from audiodigest.config import ShowConfig, parse
from audiodigest.errors import ConfigError, ScriptError, UserError
from audiodigest.models import EpisodeRecord
from audiodigest.publish.chapters import chapters_json, with_images
from audiodigest.publish.feed import build_feed, write_feed
from audiodigest.publish.index import load_index, record_to_dict, save_index
from audiodigest.script.episode_meta import EpisodeMeta, episode_meta
from tests.conftest import make_show, run_cli
from tests.publish_support import SHOW_TOML, daily_records, make_config, write_episode_files

NS = {"podcast": "https://podcastindex.org/namespace/1.0",
      "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
      "psc": "http://podlove.org/simple-chapters"}

KEYS = "season = 3\nblock = true\n"
TABLES = '''\
[[people]]
name = "Grace Hopper"
href = "https://example.com/grace"
img = "https://example.com/grace.jpg"

[[people]]
name = "Ed Itor"
role = "editor"
group = "writing"

[[funding]]
url = "https://example.com/support"
text = "Support the show"

[license]
identifier = "cc-by-4.0"
url = "https://creativecommons.org/licenses/by/4.0/"

[[txt]]
text = "naj3eEZaWVVY9a38uhX8FekACyhEqJVJ"
purpose = "verify"

[[txt]]
text = "plain note"
'''

IMAGE = "https://cdn.example.com/chips.png?w=600&h=600"


def _config(root: Path, keys: str = KEYS, tables: str = TABLES) -> ShowConfig:
    """A show with plain ``keys`` (before [owner]) and TOML ``tables`` (after it)."""
    root.mkdir(parents=True, exist_ok=True)
    text = SHOW_TOML.format(extra=keys) + "\n" + tables
    (root / "show.toml").write_text(text, encoding="utf-8")
    return parse(text, root, root / "show.toml")


def _records(out: Path) -> list[EpisodeRecord]:
    old, new = (write_episode_files(out, r) for r in daily_records(2))
    chapters = with_images(new.chapters, [None, IMAGE, "javascript:alert(1)"])
    new = replace(new, season=2, guests=("Ada Lovelace", "Alan Turing"), episode_type="bonus",
                  chapters=chapters)
    return [old, new]


@pytest.fixture
def extras_feed(tmp_path: Path) -> tuple[Path, list[EpisodeRecord]]:
    config = _config(tmp_path / "show")
    out = tmp_path / "out"
    records = _records(out)
    return write_feed(config, records, out, "cover-0123abcd.png"), records


def _xml(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def test_channel_carries_people_funding_license_block_and_txt(extras_feed) -> None:
    channel = _xml(extras_feed[0]).find("channel")
    people = channel.xpath("podcast:person", namespaces=NS)
    assert [p.text for p in people] == ["Grace Hopper", "Ed Itor"]
    assert [(p.get("role"), p.get("group")) for p in people] == [("host", "cast"),
                                                                 ("editor", "writing")]
    assert people[0].get("href") == "https://example.com/grace"
    assert people[0].get("img") == "https://example.com/grace.jpg"
    assert people[1].get("href") is None and people[1].get("img") is None
    funding = channel.xpath("podcast:funding", namespaces=NS)
    assert [(f.get("url"), f.text) for f in funding] == [("https://example.com/support",
                                                           "Support the show")]
    licence = channel.xpath("podcast:license", namespaces=NS)
    assert [(x.text, x.get("url")) for x in licence] == [
        ("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/")]
    assert channel.xpath("itunes:block/text()", namespaces=NS) == ["Yes"]
    txt = channel.xpath("podcast:txt", namespaces=NS)
    assert [(t.text, t.get("purpose")) for t in txt] == [
        ("naj3eEZaWVVY9a38uhX8FekACyhEqJVJ", "verify"), ("plain note", None)]
    # Seasons are per episode: nothing at channel level.
    assert not channel.xpath("podcast:season | itunes:season", namespaces=NS)


def test_items_carry_season_type_guests_and_chapter_images(extras_feed) -> None:
    channel = _xml(extras_feed[0]).find("channel")
    new, old = channel.findall("item")  # newest first
    assert new.xpath("itunes:season/text()", namespaces=NS) == ["2"]
    assert new.xpath("podcast:season/text()", namespaces=NS) == ["2"]
    assert new.xpath("itunes:episodeType/text()", namespaces=NS) == ["bonus"]
    people = new.xpath("podcast:person", namespaces=NS)
    # An item's people replace the show's in apps: the hosts are listed again, then the guests.
    assert [(p.text, p.get("role")) for p in people] == [
        ("Grace Hopper", "host"), ("Ed Itor", "editor"), ("Ada Lovelace", "guest"),
        ("Alan Turing", "guest")]
    images = new.xpath("psc:chapters/psc:chapter/@image", namespaces=NS)
    assert images == [IMAGE]  # the javascript: image never reaches the feed
    # An episode with no season, guests or type set gets none of them.
    assert not old.xpath("itunes:season | podcast:season | podcast:person", namespaces=NS)
    assert old.xpath("itunes:episodeType/text()", namespaces=NS) == ["full"]
    assert not old.xpath("psc:chapters/psc:chapter/@image", namespaces=NS)


def test_defaults_write_none_of_the_extras(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    records = [write_episode_files(out, r) for r in daily_records(1)]
    root = etree.fromstring(build_feed(config, records, "cover-0123abcd.png"))
    found = root.xpath("//podcast:person | //podcast:funding | //podcast:license | //podcast:txt"
                       " | //itunes:block | //podcast:season | //itunes:season", namespaces=NS)
    assert found == []


def test_feedparser_and_podcastparser_still_read_the_feed(extras_feed) -> None:
    path, records = extras_feed
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.itunes_block == 1
    assert [e.id for e in parsed.entries] == [records[1].guid, records[0].guid]
    assert parsed.entries[0].itunes_episodetype == "bonus"
    assert parsed.entries[0].itunes_season == "2"
    podcast = podcastparser.parse("https://podcasts.example.com/signal/feed.xml",
                                  io.BytesIO(path.read_bytes()))
    episodes = sorted(podcast["episodes"], key=lambda e: e["published"], reverse=True)
    assert [e["guid"] for e in episodes] == [records[1].guid, records[0].guid]
    assert episodes[0]["season"] == 2
    assert [c.get("image") for c in episodes[0]["chapters"]] == [None, IMAGE, None]


def test_json_chapters_carry_img_through_the_url_policy() -> None:
    records = daily_records(1)
    chapters = with_images(records[0].chapters, [IMAGE, "javascript:alert(1)", None])
    items = json.loads(chapters_json(chapters))["chapters"]
    assert [c.get("img") for c in items] == [IMAGE, None, None]
    # A script whose chapters do not match the audio's one to one gets no images at all.
    assert all(c.img is None for c in with_images(records[0].chapters, [IMAGE]))


def test_episode_meta_reads_season_type_and_guests() -> None:
    meta = episode_meta((("summary", "x"), ("season", "4"), ("episode_type", "trailer"),
                         ("guests", " Ada  Lovelace ;Alan Turing")))
    assert meta == EpisodeMeta(season=4, episode_type="trailer",
                               guests=("Ada Lovelace", "Alan Turing"))
    assert episode_meta(()) == EpisodeMeta()
    with pytest.raises(ScriptError, match="season"):
        episode_meta((("season", "0"),))


# --- the episode index -----------------------------------------------------------------------


def test_an_index_written_before_these_fields_still_loads(tmp_path: Path) -> None:
    record = daily_records(1)[0]
    raw = record_to_dict(record)
    del raw["season"], raw["guests"]
    for chapter in raw["chapters"]:
        del chapter["img"]
    path = tmp_path / "episodes.json"
    path.write_text(json.dumps({"version": 1, "episodes": [raw]}), encoding="utf-8")
    [loaded] = load_index(path)
    assert loaded == record
    assert loaded.season is None and loaded.guests == ()
    assert all(c.img is None for c in loaded.chapters)


def test_new_fields_survive_the_index_round_trip(tmp_path: Path) -> None:
    records = _records(tmp_path / "out")
    path = save_index(tmp_path / "episodes.json", records)
    assert sorted(load_index(path), key=lambda r: r.id) == sorted(records, key=lambda r: r.id)


@pytest.mark.parametrize("change, fragment", [
    ({"season": 0}, "'season'"),
    ({"season": "2"}, "'season'"),
    ({"season": True}, "'season'"),
    ({"season": 10**12}, "'season'"),
    ({"guests": "Ada"}, "'guests'"),
    ({"guests": [1]}, "'guests'"),
    ({"guests": [""]}, "'guests'"),
    ({"guests": ["x" * 129]}, "'guests'"),
    ({"guests": ["g"] * 33}, "'guests'"),
    ({"chapter_img": "javascript:alert(1)"}, "'img'"),
    ({"chapter_img": 5}, "'img'"),
])
def test_damaged_new_fields_are_reported_naming_the_field(tmp_path: Path, change: dict,
                                                          fragment: str) -> None:
    raw = record_to_dict(daily_records(1)[0])
    if "chapter_img" in change:
        raw["chapters"][0]["img"] = change["chapter_img"]
    else:
        raw.update(change)
    path = tmp_path / "episodes.json"
    path.write_text(json.dumps({"version": 1, "episodes": [raw]}), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_index(path)
    assert fragment in str(info.value) and "episodes.json" in str(info.value)


# --- bad settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("toml, key", [
    ('season = 0\n', "season"),
    ('season = "two"\n', "season"),
    ('block = "yes"\n', "block"),
    ('[[people]]\nrole = "host"', "people.0.name"),
    ('[[people]]\nname = "A"\nhref = "javascript:alert(1)"', "people.0.href"),
    ('[[people]]\nname = "A"\nimg = "ftp://example.com/a.png"', "people.0.img"),
    ('[[people]]\nname = "A\\nB"', "people.0.name"),
    ('[[funding]]\nurl = "https://example.com/"', "funding.0.text"),
    ('[[funding]]\nurl = "data:text/html,x"\ntext = "Give"', "funding.0.url"),
    ('[license]\nidentifier = "cc by 4.0"', "license.identifier"),
    ('[license]\nidentifier = "cc-by-4.0"\nurl = "nope"', "license.url"),
    ('[license]\nid = "cc-by-4.0"', "license.identifier"),
    (f'[[txt]]\ntext = "{"x" * 4001}"', "txt.0.text"),
    ('[[txt]]\ntext = "t"\npurpose = "two words"', "txt.0.purpose"),
])
def test_bad_extras_name_show_toml_and_the_key(tmp_path: Path, toml: str, key: str) -> None:
    keys, tables = (toml, "") if not toml.startswith("[") else ("", toml)
    with pytest.raises(ConfigError) as info:
        _config(tmp_path / "show", keys, tables)
    message = str(info.value)
    assert "show.toml" in message and f"'{key}'" in message and "\n" not in message


def test_cli_exits_2_with_one_line_for_a_bad_extra(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml='\n[[people]]\nname = "A"\nhref = "javascript:x"\n')
    result = run_cli("build", root)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "show.toml" in lines[0] and "people.0.href" in lines[0], result.err


def test_cli_exits_2_naming_the_script_line_for_a_bad_season(tmp_path: Path,
                                                             shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("script", root).code == 0
    script = next((root / "scripts").glob("*.md"))
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("\n---\n", "\nseason: two\n---\n", 1), encoding="utf-8")
    result = run_cli("build", root)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and script.name in lines[0] and "season number" in lines[0], result.err
    line_no = text.split("\n---\n", 1)[0].count("\n") + 2
    assert f":{line_no}:" in lines[0]


# --- a build where only these change --------------------------------------------------------


def _feed_items(root: Path) -> list[etree._Element]:
    return etree.parse(str(root / "public" / "feed.xml")).getroot().findall("channel/item")


@pytest.mark.slow
def test_changing_only_feed_extras_rebuilds_no_audio(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    toml = root / "show.toml"
    toml.write_text("season = 3\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    first = run_cli("build", root)
    assert first.code == 0, first.err
    [item] = _feed_items(root)
    assert item.xpath("itunes:season/text()", namespaces=NS) == ["3"]
    audio = next((root / "public" / "episodes").glob("*/*.mp3"))
    before = (audio.stat().st_mtime_ns, audio.read_bytes())
    old_chapters = next(audio.parent.glob("chapters-*.json"))

    # Every extra changes at once: show.toml's people, funding, licence, block, txt and a new
    # season (which an episode already built keeps), and the script's type, guests and images.
    toml.write_text("block = true\n" + toml.read_text(encoding="utf-8").replace(
        "season = 3", "season = 7") + "\n" + TABLES, encoding="utf-8")
    script = next((root / "scripts").glob("*.md"))
    text = script.read_text(encoding="utf-8")
    text = text.replace("\n---\n", "\nepisode_type: bonus\nguests: Ada Lovelace\n---\n", 1)
    text = re.sub(r"(\n# [^\n]+\n)", lambda m: m[1] + f"<!-- image: {IMAGE} -->\n", text,
                  count=2)
    script.write_text(text, encoding="utf-8")
    second = run_cli("build", root)
    assert second.code == 0, second.err
    assert "stages run: publish" in second.err, second.err
    assert "synthesized" not in second.err and "pieces" not in second.err
    assert (audio.stat().st_mtime_ns, audio.read_bytes()) == before

    [item] = _feed_items(root)
    assert item.xpath("itunes:season/text()", namespaces=NS) == ["3"]
    assert item.xpath("itunes:episodeType/text()", namespaces=NS) == ["bonus"]
    assert item.xpath("podcast:person[@role='guest']/text()", namespaces=NS) == ["Ada Lovelace"]
    assert item.xpath("psc:chapters/psc:chapter/@image", namespaces=NS) == [IMAGE, IMAGE]
    channel = item.getparent()
    assert channel.xpath("itunes:block/text()", namespaces=NS) == ["Yes"]
    assert channel.xpath("podcast:license/text()", namespaces=NS) == ["cc-by-4.0"]
    chapters_url = item.xpath("podcast:chapters/@url", namespaces=NS)[0]
    new_chapters = root / "public" / chapters_url.split("/test/", 1)[1]
    assert new_chapters != old_chapters and not old_chapters.exists()
    images = [c.get("img") for c in json.loads(new_chapters.read_text())["chapters"]]
    assert images[:2] == [IMAGE, IMAGE] and not any(images[2:])

    # The script's season: line overrides the one kept in the record; still no audio work.
    script.write_text(text.replace("\n---\n", "\nseason: 4\n---\n", 1), encoding="utf-8")
    third = run_cli("build", root)
    assert third.code == 0 and "stages run: publish" in third.err, third.err
    [item] = _feed_items(root)
    assert item.xpath("podcast:season/text()", namespaces=NS) == ["4"]
    assert (audio.stat().st_mtime_ns, audio.read_bytes()) == before
