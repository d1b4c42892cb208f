"""The show's identity: a podcast:guid assigned once and kept, episode guids unique across
shows, the feed's move, and placeholders that never reach an audience."""

from __future__ import annotations

import re
import tomllib
import uuid
from pathlib import Path

import feedparser
import pytest

from audiodigest import config as config_mod
from audiodigest.identity import (
    PLACEHOLDERS,
    episode_guid,
    publish_problems,
    record_guid,
    with_guid,
)
from tests.conftest import make_show, run_cli


def _channel_guid(feed: Path) -> str:
    return re.search(r"<podcast:guid>([^<]+)</podcast:guid>", feed.read_text())[1]


def test_new_shows_get_their_own_guid_and_marked_placeholders(tmp_path: Path) -> None:
    guids = []
    for name in ("one", "two"):
        assert run_cli("new", tmp_path / name).code == 0
        text = (tmp_path / name / "show.toml").read_text()
        guids.append(str(uuid.UUID(tomllib.loads(text)["guid"])))
        assert text.count("# placeholder: replace before publishing") == len(PLACEHOLDERS)
    # The default base_url is the same loopback address for every show: never derive from it.
    assert guids[0] != guids[1]


def test_a_show_without_a_guid_gets_one_written_once_above_its_tables(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    config = config_mod.load(root)
    assert config.guid is None
    given = with_guid(config).guid
    assert config_mod.load(root).guid is None  # nothing is written before a build publishes
    record_guid(with_guid(config))
    text = (root / "show.toml").read_text()
    reloaded = config_mod.load(root)
    assert reloaded.guid == given
    # A real base_url: the spec's UUIDv5 of the feed URL, so a live feed keeps the guid it had.
    from audiodigest.identity import podcast_guid

    assert given == podcast_guid("https://podcasts.example.com/test/feed.xml")
    assert text.index("guid =") < text.index("[owner]")
    assert reloaded.owner.email == "desk@example.com"  # nothing else moved
    assert with_guid(reloaded).guid == given
    record_guid(reloaded)
    assert (root / "show.toml").read_text() == text


def test_episode_guids_differ_between_shows() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    assert episode_guid(a, "2026-12-01") != episode_guid(b, "2026-12-01")
    assert episode_guid(a, "2026-12-01") == episode_guid(a, "2026-12-01")


def test_publish_problems_name_the_keys(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert run_cli("new", root).code == 0
    problems = publish_problems(config_mod.load(root))
    assert problems[0].startswith("base_url = 'http://127.0.0.1:8000/'")
    assert {p.split()[0] for p in problems[1:]} == set(PLACEHOLDERS)
    assert publish_problems(config_mod.load(make_show(tmp_path / "real"))) == []


def test_publish_refuses_placeholders_unless_allowed(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert run_cli("new", root).code == 0
    (root / "public").mkdir()
    (root / "public" / "feed.xml").write_text("<rss/>")
    refused = run_cli("publish", root, "--to", tmp_path / "www")
    assert refused.code == 2
    assert refused.err.count("\n") == 1 and "base_url" in refused.err and "show.toml" in refused.err
    assert not (tmp_path / "www").exists()


@pytest.mark.slow
def test_guid_survives_a_base_url_change_and_placeholders_are_not_spoken(
        tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    text = (root / "show.toml").read_text()
    (root / "show.toml").write_text(
        'feed_moved_to = "https://new.example.org/show/feed.xml"\n'
        + text.replace('author = "Test Desk"', 'author = "Your Name"'))
    built = run_cli("build", root)
    assert built.code == 0, built.err
    assert "author is still the placeholder" in built.err
    feed = root / "public" / "feed.xml"
    first = _channel_guid(feed)
    assert first == config_mod.load(root).guid
    parsed = feedparser.parse(feed.read_bytes())
    assert "<itunes:new-feed-url>https://new.example.org/show/feed.xml</itunes:new-feed-url>" \
        in feed.read_text()
    assert parsed.entries
    script = (root / "scripts" / "2026-11-20.md").read_text()
    assert "Your Name" not in script
    # The feed moves to a new base_url: the show is still the same show.
    moved = (root / "show.toml").read_text().replace("https://podcasts.example.com/test/",
                                                     "https://cdn.example.net/pods/")
    (root / "show.toml").write_text(moved)
    assert run_cli("build", root, "--quiet").code == 0
    assert _channel_guid(feed) == first
