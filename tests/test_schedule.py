"""Scheduling: each episode's pubDate comes from its day and publish_time; an episode whose
time has not come is built but stays out of the feed until the first build or publish after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from audiodigest.pipeline import release_due
from audiodigest.schedule import publication_time
from audiodigest.script.speakdate import spoken_date
from tests.conftest import make_show, run_cli


def test_publication_time_follows_publish_time_in_the_show_zone() -> None:
    now = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    oslo = ZoneInfo("Europe/Oslo")
    at = publication_time(date(2026, 12, 3), now, at="07:30", timezone="Europe/Oslo")
    assert at == datetime(2026, 12, 3, 7, 30, tzinfo=oslo)
    # A set time is kept even when it is still to come today (the episode waits).
    assert publication_time(date(2026, 12, 1), now, at="23:00") == \
        datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    # Unset: 06:00 on its day, or the build's moment when that is earlier on the day itself.
    assert publication_time(date(2026, 12, 1), now) == now
    assert publication_time(date(2026, 11, 20), now) == datetime(2026, 11, 20, 6, tzinfo=UTC)
    assert publication_time(date(2026, 12, 5), now) == datetime(2026, 12, 5, 6, tzinfo=UTC)


def test_an_unknown_time_zone_names_the_key(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    (root / "show.toml").write_text('timezone = "Mars/Olympus"\n' + (root / "show.toml")
                                    .read_text())
    done = run_cli("script", root)
    assert done.code == 2 and "'timezone'" in done.err and "Mars/Olympus" in done.err


FUTURE = """\
News from the days ahead
Something is planned to happen, and this summary says so in a few words.
Read more → https://example.com/ahead
"""


@pytest.mark.slow
def test_a_future_episode_waits_outside_the_feed_until_its_time(tmp_path: Path,
                                                                 shared_cache: Path) -> None:
    day = datetime.now(UTC).date() + timedelta(days=2)
    root = make_show(tmp_path / "show", cache=shared_cache)
    (root / "show.toml").write_text('publish_time = "07:15"\ntimezone = "America/New_York"\n'
                                    + (root / "show.toml").read_text())
    assert run_cli("build", root, "--quiet").code == 0  # 2026-11-20: long past
    (root / "digests" / f"{day}.txt").write_text(FUTURE, encoding="utf-8")
    built = run_cli("build", root)
    assert built.code == 0, built.err
    assert f"episode {day} is scheduled for {day} 07:15:00-05:00" in built.err
    feed_path = root / "public" / "feed.xml"
    feed = feedparser.parse(feed_path.read_bytes())
    assert [e.title for e in feed.entries] == ["Test Show — 20 November 2026"]
    assert str(day) not in (root / "public" / "index.html").read_text()
    # Its narration names its own day, which is the day it will be published.
    script = " ".join((root / "scripts" / f"{day}.md").read_text().split())
    assert f"It's {spoken_date(day)}" in script
    # Nothing changes before its time ...
    assert release_due(root, datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)) is False
    # ... and the first publish after it puts the episode in, dated as scheduled.
    assert release_due(root, datetime(day.year, day.month, day.day, 12, 16, tzinfo=UTC)) is True
    feed = feedparser.parse(feed_path.read_bytes())
    assert feed.entries[0].title.endswith(f"{day.day} {day.strftime('%B')} {day.year}")
    assert feed.entries[0].published.endswith("07:15:00 -0500")
