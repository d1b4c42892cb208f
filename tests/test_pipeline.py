"""The pipeline's own decisions: which digest, which lexicon, what is up to date, what stays."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image

from audiodigest.pipeline import episode_date_for, episode_id_for, publication_time
from tests.conftest import make_show, run_cli


@pytest.mark.parametrize(
    ("name", "expected"),
    [("2026-11-27.txt", "2026-11-27"), ("my digest (v2).md", "my-digest-v2"),
     ("../../etc.txt", "etc"), ("...json", "episode"), ("CON.txt", "CON"),
     ("2026-12-01.rss.xml", "2026-12-01"), ("2026-12-01.feed.json", "2026-12-01"),
     ("2026-12-01.atom", "2026-12-01"), ("notes.v2.txt", "notes.v2")],
)
def test_episode_ids_are_safe_folder_names(name: str, expected: str) -> None:
    episode_id = episode_id_for(Path(name))
    assert episode_id == expected
    assert "/" not in episode_id and "\x00" not in episode_id and not episode_id.startswith(".")


def test_dated_digests_date_their_episode_and_never_in_the_future() -> None:
    assert episode_date_for(Path("2026-02-03.txt")) == date(2026, 2, 3)
    assert episode_date_for(Path("2026-02-30.txt"), today=date(2026, 1, 1)) == date(2026, 1, 1)
    now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
    assert publication_time(date(2026, 11, 27), now) == now
    assert publication_time(date(2026, 11, 20), now) == datetime(2026, 11, 20, 6, tzinfo=UTC)


def test_new_show_then_a_dated_digest_builds_the_dated_one(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert run_cli("new", root).code == 0
    (root / "digests" / "2999-01-01.txt").write_text(
        "Future news\nSomething happened in the far future.\nRead more → https://example.com/f\n",
        encoding="utf-8")
    dry = run_cli("build", root, "--dry-run")
    assert dry.code == 0, dry.err
    assert "episode 2999-01-01" in dry.out


def test_yaml_lexicon_is_used_when_there_is_no_toml(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    (root / "lexicon.yaml").write_text("terms:\n  DRAM: dee ram\n", encoding="utf-8")
    spoken = run_cli("script", root, "--spoken", "--quiet")
    assert spoken.code == 0, spoken.err
    assert "dee ram" in spoken.out
    # The script itself keeps the written word.
    assert "DRAM" in (root / "scripts" / "2026-11-20.md").read_text()


def _square_png(path: Path, colour: tuple[int, int, int]) -> None:
    Image.new("RGB", (1400, 1400), colour).save(path, "PNG")


@pytest.mark.slow
def test_status_and_dry_run_see_an_up_to_date_episode_with_own_artwork(
        tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache, extra_toml="")
    _square_png(root / "cover.png", (20, 90, 120))
    toml = root / "show.toml"
    toml.write_text('artwork = "cover.png"\n' + toml.read_text(), encoding="utf-8")
    assert run_cli("build", root).code == 0
    status = run_cli("status", root)
    assert re.search(r"2026-11-20\s+generated\s+\d+\s+0\s+up to date\s+yes", status.out), status.out
    dry = run_cli("build", root, "--dry-run")
    assert "audio: up to date" in dry.out


@pytest.mark.slow
def test_a_failed_build_keeps_the_cover_the_feed_names(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    feed = root / "public" / "feed.xml"
    old_cover = re.search(r'href="[^"]*/(cover-[0-9a-f]{8}\.png)"', feed.read_text())
    assert old_cover is not None
    # A new title means a new generated cover and new tags; then encoding fails.
    toml = root / "show.toml"
    toml.write_text(toml.read_text().replace('title = "Test Show"', 'title = "Renamed Show"'))
    failed = run_cli("build", root, env={"AUDIODIGEST_FFMPEG": str(tmp_path / "missing")})
    assert failed.code != 0
    assert (root / "public" / old_cover[1]).is_file(), "the published feed's cover was deleted"
    # The next good build moves to the new cover and removes the old one.
    assert run_cli("build", root).code == 0
    new_cover = re.search(r'href="[^"]*/(cover-[0-9a-f]{8}\.png)"', feed.read_text())
    assert new_cover is not None and new_cover[1] != old_cover[1]
    assert not (root / "public" / old_cover[1]).exists()
    assert (root / "public" / new_cover[1]).is_file()


def test_unknown_engine_for_voices_lists_the_choices() -> None:
    result = run_cli("voices", "--engine", "nosuch")
    assert result.code == 2
    assert "piper" in result.err and "Traceback" not in result.err


def test_status_reads_published_from_the_index_not_from_the_feed_text(tmp_path: Path) -> None:
    """A scheduled episode is not published even when its guid is part of a published one's
    (a search of feed.xml's text for the guid said it was)."""
    from audiodigest.paths import ShowPaths
    from audiodigest.pipeline import status
    from audiodigest.publish import save_index, write_outputs
    from tests.publish_support import make_config, make_record, write_episode_files

    root = tmp_path / "show"
    config = make_config(root)
    out = ShowPaths(config).output
    released_one = write_episode_files(out, make_record(
        "ep-10", number=2, guid="urn:show:ep-10", pub_date=datetime(2026, 11, 20, 6, tzinfo=UTC)))
    scheduled = make_record("ep-1", number=1, guid="urn:show:ep-1",
                            pub_date=datetime(2999, 1, 1, 6, tzinfo=UTC))
    save_index(ShowPaths(config).index, [scheduled, released_one])
    write_outputs(config, [released_one], out)
    assert "urn:show:ep-1" in (out / "feed.xml").read_text()  # as part of ep-10's guid
    rows = {row.episode_id: row.published for row in status(root)}
    assert rows == {"ep-10": True, "ep-1": False}


@pytest.mark.slow
def test_one_build_plans_once_makes_the_cover_once_and_keeps_the_transcript_in_memory(
        tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache keys are computed once per build, the cover is made once (its bytes go to the
    tags and the output without being read back), and the episode page takes the transcript
    the build just wrote instead of parsing its file again. The result is what a build makes."""
    import audiodigest.publish.artwork as artwork
    import audiodigest.publish.site as site
    import audiodigest.speech.synth as synth
    from audiodigest.pipeline import BuildOptions, build

    calls = {"job_keys": 0, "cover_file": 0, "read_transcript": 0}

    def counted(module: object, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(synth, "job_keys")
    counted(artwork, "cover_file")
    counted(site, "read_transcript")
    root = make_show(tmp_path / "show", cache=shared_cache)
    result = build(root, BuildOptions(progress=False), notify=lambda _m: None)
    assert calls == {"job_keys": 1, "cover_file": 1, "read_transcript": 0}
    page = (result.page_path or root).read_text(encoding="utf-8")
    assert "No transcript is available" not in page and "Zurich" in page
    assert list((root / "public").glob("cover-*.png"))
