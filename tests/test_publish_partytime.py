"""The feed read by podcast-partytime, the Podcast Index aggregator's own parser (npm): the best
independent check of the Podcasting 2.0 tags. scripts/test installs it when npm is present."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audiodigest.publish.feed import write_feed
from tests.publish_support import daily_records, make_config, write_episode_files

JS = Path(__file__).resolve().parent / "js"
INSTALLED = (JS / "node_modules" / "podcast-partytime").is_dir()

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not INSTALLED,
    reason="podcast-partytime needs Node.js and `npm install --prefix tests/js` (scripts/test "
           "runs it when npm is on PATH)")


def test_partytime_reads_guid_lock_enclosures_chapters_and_transcripts(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show", 'guid = "0b7f6c2e-8a53-4c1e-9a51-3c2d6f0e9b11"')
    out = tmp_path / "out"
    records = [write_episode_files(out, r) for r in daily_records(2)]
    feed_path = write_feed(config, records, out, "cover-0123abcd.png")
    done = subprocess.run(["node", str(JS / "parse_feed.js"), str(feed_path)],
                          capture_output=True, text=True, timeout=60, cwd=JS)
    assert done.returncode == 0, done.stderr
    feed = json.loads(done.stdout)
    assert feed["title"] == "Signal & Noise"
    assert feed["guid"] == "0b7f6c2e-8a53-4c1e-9a51-3c2d6f0e9b11"
    assert feed["locked"] is True
    assert feed["podcastOwner"] == "owner@example.com"
    assert feed["medium"] == "podcast"
    assert len(feed["items"]) == 2
    for item, record in zip(feed["items"], sorted(records, key=lambda r: r.pub_date,
                                                  reverse=True), strict=True):
        assert item["guid"] == record.guid
        assert item["enclosure"]["url"] == config.base_url + record.audio.path
        assert int(item["enclosure"]["length"]) == record.audio_size
        assert item["enclosure"]["type"] == "audio/mpeg"
        assert item["duration"] == round(record.duration)
        assert item["podcastChapters"]["url"] == config.base_url + record.chapters_file.path
        assert item["podcastChapters"]["type"] == "application/json+chapters"
        kinds = {t["type"] for t in item["podcastTranscripts"]}
        # partytime names SRT by the type it normalises to (it reads application/x-subrip too).
        assert {"text/vtt", "application/srt", "application/json"} <= kinds
        assert item["podcastEpisode"]["number"] == record.number


def test_partytime_reads_people_season_funding_license_txt_and_block(tmp_path: Path) -> None:
    from tests.test_publish_extras import _config, _records

    config = _config(tmp_path / "show")
    out = tmp_path / "out"
    feed_path = write_feed(config, _records(out), out, "cover-0123abcd.png")
    done = subprocess.run(["node", str(JS / "parse_feed.js"), str(feed_path)],
                          capture_output=True, text=True, timeout=60, cwd=JS)
    assert done.returncode == 0, done.stderr
    feed = json.loads(done.stdout)
    # partytime capitalises roles and groups to the Podcast Taxonomy Project's spelling.
    assert feed["podcastPeople"] == [
        {"name": "Grace Hopper", "role": "Host", "group": "Cast",
         "href": "https://example.com/grace", "img": "https://example.com/grace.jpg"},
        {"name": "Ed Itor", "role": "Editor", "group": "Writing"}]
    assert feed["podcastFunding"] == [{"url": "https://example.com/support",
                                       "message": "Support the show"}]
    assert feed["license"] == {"identifier": "cc-by-4.0",
                               "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert feed["podcastTxt"] == [{"value": "naj3eEZaWVVY9a38uhX8FekACyhEqJVJ",
                                   "purpose": "verify"}, {"value": "plain note"}]
    assert feed["itunesBlock"] is True
    new, old = feed["items"]
    assert new["podcastSeason"] == {"number": 2}
    assert new["itunesSeason"] == 2
    assert new["itunesEpisodeType"] == "bonus"
    assert [(p["name"], p["role"]) for p in new["podcastPeople"]] == [
        ("Grace Hopper", "Host"), ("Ed Itor", "Editor"), ("Ada Lovelace", "Guest"),
        ("Alan Turing", "Guest")]
    assert "podcastSeason" not in old and "podcastPeople" not in old
