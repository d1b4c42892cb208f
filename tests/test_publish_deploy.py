"""publish --to: the feed goes last, files are atomic, a second run copies nothing, and prune
removes only what an earlier publish put there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lxml import etree

from audiodigest.errors import OutputError, UserError
from audiodigest.publish import write_outputs
from audiodigest.publish.deploy import MANIFEST, publish_to
from tests.publish_support import daily_records, make_config, write_episode_files


def built_site(tmp_path: Path, count: int = 2) -> tuple[Path, list]:
    """A real output folder: cover, pages and feed written by the publish stage."""
    config = make_config(tmp_path / "show")
    out = tmp_path / "show" / "public"
    records = [write_episode_files(out, r) for r in daily_records(count)]
    write_outputs(config, records, out)
    return out, records


def feed_targets(feed: Path, web_root: Path) -> list[Path]:
    """Every file of ours the feed points at, as paths under the web root."""
    base = "https://podcasts.example.com/signal/"
    doc = etree.parse(str(feed))
    urls = doc.xpath("//enclosure/@url | //*[local-name()='chapters']/@url"
                     " | //*[local-name()='transcript']/@url | //*[local-name()='image']/@href"
                     " | //item/link/text()")
    return [web_root / u[len(base):] for u in urls if u.startswith(base)]


def test_feed_is_published_last_after_everything_it_points_at(tmp_path: Path) -> None:
    out, _records = built_site(tmp_path)
    dest = tmp_path / "www"
    seen: list[str] = []

    def check(rel: str) -> None:
        seen.append(rel)
        if rel == "feed.xml":
            # At the moment the feed appears, everything it names is already there.
            missing = [p for p in feed_targets(dest / "feed.xml", dest) if not p.is_file()]
            assert missing == []

    report = publish_to(out, dest, on_copy=check)
    assert seen == list(report.copied)
    assert seen[-1] == "feed.xml"
    pages = [i for i, rel in enumerate(seen) if rel.endswith(".html")]
    media = [i for i, rel in enumerate(seen) if rel.endswith((".mp3", ".json", ".vtt", ".png"))]
    assert max(media) < min(pages)  # media before pages
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == set(seen)
    for rel in seen:
        assert (dest / rel).read_bytes() == (out / rel).read_bytes()
    # Only the manifest is hidden; no temporary files remain.
    hidden = [p.name for p in dest.rglob(".*")]
    assert hidden == [MANIFEST]


def test_second_publish_copies_nothing(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    first = publish_to(out, dest)
    mtimes = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()
              and p.name != MANIFEST}
    second = publish_to(out, dest)
    assert second.copied == () and second.removed == ()
    assert set(second.skipped) == set(first.copied)
    assert not second.changed
    assert str(second) == f"0 file(s) copied, {len(first.copied)} unchanged, 0 removed"
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def test_changed_file_with_same_size_is_copied_again(tmp_path: Path) -> None:
    out, records = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    audio = out / records[0].audio.path
    data = bytearray(audio.read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    audio.write_bytes(bytes(data))
    report = publish_to(out, dest)
    assert report.copied == (records[0].audio.path,)
    assert (dest / records[0].audio.path).read_bytes() == bytes(data)


def test_feed_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    old_feed = (dest / "feed.xml").read_bytes()
    (out / "feed.xml").write_bytes(old_feed.replace(b"Signal &amp; Noise", b"Renamed", 1))

    real_write = Path.write_bytes

    def failing_write(self: Path, data: bytes) -> int:
        if self.name.startswith(".feed.xml."):
            real_write(self, b"<rss half")  # a half-written temp file...
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    from audiodigest.errors import OutputError

    with pytest.raises(OutputError, match="feed.xml"):
        publish_to(out, dest)
    # ...never replaces the live feed, and is cleaned up.
    assert (dest / "feed.xml").read_bytes() == old_feed
    assert [p.name for p in dest.glob(".feed.xml*")] == []


def test_prune_removes_only_files_it_published(tmp_path: Path) -> None:
    out, records = built_site(tmp_path, count=3)
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "robots.txt").write_text("User-agent: *\n")  # someone else's file
    publish_to(out, dest)
    gone = records[0]
    # The episode leaves the output (as 'audiodigest remove' does).
    import shutil

    shutil.rmtree(out / "episodes" / gone.id)
    write_outputs(make_config(tmp_path / "show"), records[1:], out)
    without = publish_to(out, dest)  # no prune: old files stay, still remembered
    assert without.removed == ()
    assert (dest / gone.audio.path).is_file()
    report = publish_to(out, dest, prune=True)
    assert set(report.removed) == {
        gone.audio.path, gone.chapters_file.path, gone.page, *(t.path for t in gone.transcripts)}
    assert not (dest / "episodes" / gone.id).exists()  # its emptied folder too
    assert (dest / "robots.txt").read_text() == "User-agent: *\n"
    manifest = json.loads((dest / MANIFEST).read_text())
    assert gone.audio.path not in manifest["files"]
    assert "robots.txt" not in manifest["files"]


def test_a_manifest_cannot_make_prune_delete_outside_the_destination(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = json.loads((dest / MANIFEST).read_text())
    manifest["files"]["../victim.txt"] = {"size": 8, "sha256": "x"}
    manifest["files"][str(victim)] = {"size": 8, "sha256": "x"}
    (dest / MANIFEST).write_text(json.dumps(manifest))
    publish_to(out, dest, prune=True)
    assert victim.read_text() == "precious"


def test_damaged_manifest_blocks_prune_but_not_a_plain_publish(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    (dest / MANIFEST).write_text("{broken")
    with pytest.raises(UserError, match="manifest is damaged"):
        publish_to(out, dest, prune=True)
    publish_to(out, dest)
    assert json.loads((dest / MANIFEST).read_text())["version"] == 1


@pytest.mark.parametrize("where", ["inside", "same", "parent"])
def test_refuses_nested_folders(tmp_path: Path, where: str) -> None:
    out, _ = built_site(tmp_path)
    dest = {"inside": out / "mirror", "same": out, "parent": out.parent}[where]
    with pytest.raises(UserError) as err:
        publish_to(out, dest)
    assert "inside" in err.value.one_line()
    assert not (out / "mirror").exists()


def test_refuses_a_missing_output_or_a_file_as_destination(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="run a build first"):
        publish_to(tmp_path / "nothing", tmp_path / "www")
    out, _ = built_site(tmp_path)
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        publish_to(out, target)


def test_hidden_files_in_the_output_are_not_published(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    (out / ".feed.xml.tmp123").write_text("half")
    (out / ".cache").mkdir()
    (out / ".cache" / "x").write_text("x")
    dest = tmp_path / "www"
    publish_to(out, dest)
    assert not (dest / ".feed.xml.tmp123").exists() and not (dest / ".cache").exists()


def test_published_files_are_world_readable(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    report = publish_to(out, dest)
    for rel in report.copied:
        assert os.stat(dest / rel).st_mode & 0o444 == 0o444


def test_prune_never_deletes_through_a_link_out_of_the_destination(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "db.sqlite").write_text("the application's data")
    (elsewhere / "notes.txt").write_text("kept")
    os.symlink(elsewhere, dest / "uploads")
    os.symlink(elsewhere / "notes.txt", dest / "notes.txt")
    manifest = json.loads((dest / MANIFEST).read_text())
    manifest["files"]["uploads/db.sqlite"] = {"size": 22, "sha256": "x"}
    manifest["files"]["notes.txt"] = {"size": 4, "sha256": "x"}
    (dest / MANIFEST).write_text(json.dumps(manifest))
    report = publish_to(out, dest, prune=True)
    assert report.removed == ()
    assert (elsewhere / "db.sqlite").read_text() == "the application's data"
    assert (elsewhere / "notes.txt").read_text() == "kept"
    assert (dest / "notes.txt").is_symlink()


def test_publish_never_writes_through_a_link_out_of_the_destination(tmp_path: Path) -> None:
    out, records = built_site(tmp_path)
    dest = tmp_path / "www"
    dest.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, dest / "episodes")
    with pytest.raises(OutputError, match="symbolic link leading out"):
        publish_to(out, dest)
    assert list(elsewhere.iterdir()) == []
    assert not (dest / "feed.xml").exists()
    # A link that stays inside the destination is fine.
    (dest / "episodes").unlink()
    (dest / "media").mkdir()
    os.symlink(dest / "media", dest / "episodes")
    publish_to(out, dest)
    assert (dest / "media" / records[0].audio.path.removeprefix("episodes/")).is_file()


def test_a_file_the_feed_names_must_be_in_the_output(tmp_path: Path) -> None:
    out, records = built_site(tmp_path)
    (out / records[0].chapters_file.path).unlink()
    dest = tmp_path / "www"
    with pytest.raises(UserError, match="the feed names .*chapters.json"):
        publish_to(out, dest)
    assert not (dest / "feed.xml").exists()


def test_files_outside_the_snapshot_are_not_published(tmp_path: Path) -> None:
    out, _ = built_site(tmp_path)
    # A build in progress has written the next episode's audio; no feed or page names it yet.
    (out / "episodes" / "2026-12-24").mkdir(parents=True)
    (out / "episodes" / "2026-12-24" / "next.mp3").write_bytes(b"ID3 not yet published")
    dest = tmp_path / "www"
    report = publish_to(out, dest)
    assert not (dest / "episodes" / "2026-12-24").exists()
    assert report.copied[-1] == "feed.xml"


def test_a_show_link_under_base_url_need_not_be_a_file_of_ours(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show", 'link = "https://podcasts.example.com/signal/about/"')
    out = tmp_path / "show" / "public"
    records = [write_episode_files(out, r) for r in daily_records(1)]
    write_outputs(config, records, out)
    report = publish_to(out, tmp_path / "www")
    assert report.copied[-1] == "feed.xml"
    assert feed_targets(tmp_path / "www" / "feed.xml", tmp_path / "www")
    assert all(p.is_file() for p in feed_targets(tmp_path / "www" / "feed.xml", tmp_path / "www"))
