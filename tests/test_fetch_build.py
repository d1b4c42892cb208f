"""``audiodigest build`` on a show with [[sources]]: it fetches first when there is no digest
for today, builds nothing when nothing is new, and ``--no-fetch`` keeps it off the network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audiodigest import cli
from audiodigest.fetch.pace import DEFAULT_WPM
from tests.fetch_support import Newsroom, feed_handler, rss, serve, source, write_show


def _today() -> datetime:
    return datetime.now(UTC)  # the test shows keep the default time zone, UTC


def _items() -> list[tuple[str, str, str, str]]:
    when = (_today() - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return [("Tidal turbines pass their first winter", "https://wire.example.com/tidal",
             "A two megawatt machine fed the grid for a whole winter.", when)]


def test_a_day_with_nothing_new_builds_and_publishes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/feed"], _ = feed_handler(rss(_items()))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        yesterday = (_today() - timedelta(days=1)).date().isoformat()
        assert cli.main(["fetch", str(show), "--date", yesterday]) == 0
        (show / "digests" / f"{yesterday}.txt").unlink()  # it was used; the state remembers
        capsys.readouterr()
        assert cli.main(["build", str(show)]) == 0
    out = capsys.readouterr()
    assert "Nothing new today: no episode built, nothing published." in out.out
    assert len(room.requests("/feed")) == 2
    assert not (show / "public").exists() and not (show / "scripts").exists()


def test_no_fetch_keeps_the_build_off_the_network(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/feed"], _ = feed_handler(rss(_items()))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        assert cli.main(["build", str(show), "--no-fetch"]) == 2
    assert room.seen == []
    assert "the digest folder does not exist" in capsys.readouterr().err


def test_every_source_failing_fails_the_build_with_exit_5(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/gone"))
        assert cli.main(["build", str(show)]) == 5
    assert "no source could be fetched" in capsys.readouterr().err
    assert not (show / "public").exists()


@pytest.mark.slow
def test_build_fetches_first_then_the_pace_is_measured_on_the_show_s_own_speech(
        tmp_path: Path, shared_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    items = _items()
    room.routes["/feed"], _ = feed_handler(lambda: rss(items), etag=lambda: str(len(items)))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"),
                          extra=f'cache = "{shared_cache.as_posix()}"\n')
        assert cli.main(["build", str(show)]) == 0
        today = _today().date().isoformat()
        assert (show / "digests" / f"{today}.txt").is_file()
        assert (show / "public" / "feed.xml").is_file()
        assert "Tidal turbines" in (show / "public" / "feed.xml").read_text()
        # Built again the same day: the digest is there, so no fetch.
        asked = len(room.requests("/feed"))
        assert cli.main(["build", str(show)]) == 0
        assert len(room.requests("/feed")) == asked
        items.append(("Heat pumps outsell gas boilers in every region this year",
                      "https://wire.example.com/heat", "Installations rose by forty percent.",
                      items[0][3]))
        capsys.readouterr()
        tomorrow = (_today() + timedelta(days=1)).date().isoformat()
        assert cli.main(["fetch", str(show), "--date", tomorrow]) == 0
    out = capsys.readouterr().out
    assert "words a minute, measured on" in out
    wpm = float(out.split("speech; ")[1].split(" words a minute")[0])
    assert 80 < wpm < 300 and wpm != DEFAULT_WPM
