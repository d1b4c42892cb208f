"""The whole pipeline through the real command line: digest in, chaptered MP3 and feed out."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from audiodigest.audio.ffmpeg import find_ffmpeg
from tests.conftest import REPO, THREE_ENTRIES, make_show, run_cli

pytestmark = pytest.mark.slow

ARTICLE_TITLES = ["Chips get a cooler", "Open voices ship", "A quiet week for DRAM"]


def _enclosure(feed: Path) -> tuple[Path, dict]:
    parsed = podcastparser.parse("https://podcasts.example.com/test/feed.xml", feed.open("rb"))
    episode = parsed["episodes"][0]
    url = episode["enclosures"][0]["url"]
    rel = url.removeprefix("https://podcasts.example.com/test/")
    return feed.parent / rel, episode


def _ffmetadata_chapters(path: Path) -> list[dict[str, str]]:
    proc = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True)
    chapters: list[dict[str, str]] = []
    for line in proc.stdout.splitlines():
        if line == "[CHAPTER]":
            chapters.append({})
        elif chapters and "=" in line:
            key, _, value = line.partition("=")
            chapters[-1][key] = value
    return chapters


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_show(tmp_path_factory.mktemp("e2e") / "show",
                     cache=tmp_path_factory.mktemp("e2e-cache"))
    result = run_cli("build", root)
    assert result.code == 0, result.err
    return root


def test_build_prints_where_things_are(built: Path) -> None:
    result = run_cli("build", built)
    assert result.code == 0, result.err
    assert "Feed:" in result.out and str(built / "public" / "feed.xml") in result.out
    assert "MP3:" in result.out and ".mp3" in result.out


def test_mp3_carries_id3v23_chapters_read_by_mutagen_and_ffmpeg(built: Path) -> None:
    mp3, _ = _enclosure(built / "public" / "feed.xml")
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 3)
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [c.sub_frames["TIT2"].text[0] for c in chaps]
    assert titles[1:4] == ARTICLE_TITLES and len(titles) == 5  # intro, 3 articles, outro
    links = [c.sub_frames.getall("WXXX")[0].url for c in chaps[1:4]]
    assert links == ["https://example.com/cooler-chips", "https://example.com/open-voices",
                     "https://example.com/dram-week"]
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert toc.sub_frames.getall("TIT2")
    # An independent reader sees the same chapters at the same times.
    independent = sorted(_ffmetadata_chapters(mp3), key=lambda c: int(c["START"]))
    assert [c.get("title") for c in independent] == titles
    for ours, theirs in zip(chaps, independent, strict=True):
        # ffmpeg shifts ID3 chapter times by the encoder delay it trims (about 25 ms at
        # 44.1 kHz); anything within the 50 ms a listener could notice is the same chapter.
        assert abs(int(theirs["START"]) - ours.start_time) <= 50
    # The chapters file next to the MP3 agrees too.
    chapters_json = json.loads(next(mp3.parent.glob("chapters-*.json")).read_text())
    assert [c["title"] for c in chapters_json["chapters"]] == titles
    assert [round(c["startTime"] * 1000) for c in chapters_json["chapters"]] == [
        c.start_time for c in chaps]


def test_feed_read_back_by_real_parsers(built: Path) -> None:
    feed = built / "public" / "feed.xml"
    mp3, episode = _enclosure(feed)
    enclosure = episode["enclosures"][0]
    assert enclosure["file_size"] == mp3.stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert abs(episode["total_time"] - MP3(mp3).info.length) <= 1
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Test Show"
    entry = parsed.entries[0]
    assert entry.id == episode["guid"]
    assert int(entry.enclosures[0]["length"]) == mp3.stat().st_size


def test_episode_audio_is_speech_of_plausible_length(built: Path) -> None:
    mp3, _ = _enclosure(built / "public" / "feed.xml")
    info = MP3(mp3).info
    words = len(THREE_ENTRIES.split())
    # The narration adds an intro, transitions and an outro to the digest's words.
    assert words / 4.0 < info.length < 300
    assert info.sample_rate == 44100 and info.channels == 1


def test_unchanged_rebuild_does_no_work_and_keeps_the_guid(built: Path) -> None:
    feed = built / "public" / "feed.xml"
    mp3, episode = _enclosure(feed)
    before = mp3.stat().st_mtime_ns
    result = run_cli("build", built)
    assert result.code == 0, result.err
    assert "stages run: nothing" in result.err
    assert mp3.stat().st_mtime_ns == before
    _, again = _enclosure(feed)
    assert again["guid"] == episode["guid"]


def test_one_sentence_edit_resynthesizes_one_segment(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    feed = root / "public" / "feed.xml"
    old_mp3, old_episode = _enclosure(feed)
    script = root / "scripts" / "2026-11-20.md"
    text = script.read_text()
    assert "Memory prices held steady." in text
    script.write_text(text.replace("Memory prices held steady.", "Memory prices barely moved."))

    result = run_cli("build", root)
    assert result.code == 0, result.err
    assert "segments: 1 synthesized" in result.err
    new_mp3, new_episode = _enclosure(feed)
    assert new_mp3 != old_mp3 and new_mp3.is_file() and not old_mp3.exists()
    assert new_episode["guid"] == old_episode["guid"]
    # The editor's words are never overwritten by a rebuild.
    assert "Memory prices barely moved." in script.read_text()
    # The transcript carries the edited words.
    vtt = next(new_mp3.parent.glob("transcript-*.vtt")).read_text()
    assert "barely moved" in vtt


def test_edited_script_survives_digest_change_with_a_warning(tmp_path: Path,
                                                             shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    script = root / "scripts" / "2026-11-20.md"
    script.write_text(script.read_text().replace("Analysts expect", "Most analysts expect"))
    digest = root / "digests" / "2026-11-20.txt"
    digest.write_text(digest.read_text().replace("Twelve", "Fourteen"))
    result = run_cli("build", root)
    assert result.code == 0, result.err
    assert "digest changed" in result.err
    assert "Most analysts expect" in script.read_text()
    assert "Fourteen" not in script.read_text()


def test_dry_run_writes_nothing(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run_cli("build", root, "--dry-run")
    assert result.code == 0, result.err
    assert "segments to synthesize" in result.out
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


@pytest.mark.parametrize(
    ("digest", "expected"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"Caf\xe9 news\nLatin-1 text\n", "UTF-8"),
     (b"Only a title\n", "summary")],
)
def test_bad_digest_is_one_line_exit_2_and_keeps_outputs(built: Path, tmp_path: Path,
                                                         digest: bytes, expected: str) -> None:
    feed = built / "public" / "feed.xml"
    before = feed.read_bytes()
    bad = tmp_path / "2099-01-01.txt"
    bad.write_bytes(digest)
    result = run_cli("build", built, "--digest", bad)
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and expected.lower() in lines[0].lower()
    assert feed.read_bytes() == before


def test_bad_show_setting_names_the_key(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml="\n[audio]\nbitrate = 7\n")
    result = run_cli("build", root)
    assert result.code == 2
    assert "audio.bitrate" in result.err and "Traceback" not in result.err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml="\n[audio]\nnot_a_key = 1\n")
    plain = run_cli("build", root)
    assert plain.code == 2 and "unknown key 'audio.not_a_key'" in plain.err
    debug = run_cli("build", root, "--debug")
    assert debug.code == 2 and "Traceback" in debug.err


def test_missing_ffmpeg_is_a_clear_error_and_the_feed_survives(tmp_path: Path,
                                                               shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    feed = root / "public" / "feed.xml"
    before = feed.read_bytes()
    script = root / "scripts" / "2026-11-20.md"
    script.write_text(script.read_text().replace("Memory prices", "DRAM prices"))
    result = run_cli("build", root, env={"AUDIODIGEST_FFMPEG": str(tmp_path / "no-ffmpeg")})
    assert result.code != 0 and "Traceback" not in result.err
    assert "ffmpeg" in result.err.lower()
    assert feed.read_bytes() == before
    # The segment made before the failure is reused by the next run.
    again = run_cli("build", root)
    assert again.code == 0 and "segments: 0 synthesized" in again.err


def test_second_build_of_the_same_show_is_refused(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from audiodigest.lock import ShowLock\n"
         "with ShowLock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
         str(root / ".audiodigest" / "lock")],
        stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = run_cli("build", root)
        assert result.code == 3
        assert "another audiodigest build" in result.err and str(holder.pid) in result.err
    finally:
        holder.kill()
        holder.wait()
    # The killed holder's lock is taken over.
    assert run_cli("build", root).code == 0


def test_sigkill_mid_build_then_rebuild_gives_a_correct_episode(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", cache=tmp_path / "cache")
    proc = subprocess.Popen([sys.executable, "-m", "audiodigest", "build", str(root)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Let it get into synthesis, then kill it without warning.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any((tmp_path / "cache").rglob("*.pcm")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (root / "public" / "feed.xml").exists() or \
        feedparser.parse((root / "public" / "feed.xml").read_bytes()).bozo == 0
    result = run_cli("build", root)
    assert result.code == 0, result.err
    mp3, episode = _enclosure(root / "public" / "feed.xml")
    assert mp3.stat().st_size == episode["enclosures"][0]["file_size"]
    assert len(ID3(mp3).getall("CHAP")) == 5
    assert not list((root / "public").rglob(".*.tmp*")), "temporary files left behind"


def test_status_and_remove(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    status = run_cli("status", root)
    assert status.code == 0
    row = next(line for line in status.out.splitlines() if line.startswith("2026-11-20"))
    assert "generated" in row and "up to date" in row and row.rstrip().endswith("yes")
    removed = run_cli("remove", root, "2026-11-20")
    assert removed.code == 0, removed.err
    parsed = podcastparser.parse("https://podcasts.example.com/test/feed.xml",
                                 (root / "public" / "feed.xml").open("rb"))
    assert parsed["episodes"] == []
    assert (root / "scripts" / "2026-11-20.md").is_file()  # the editor's script is kept
    assert run_cli("remove", root, "2026-11-20").code == 2


def test_new_show_scaffold_is_valid_and_refuses_to_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    result = run_cli("new", root, "--title", "Fresh Show")
    assert result.code == 0, result.err
    text = (root / "show.toml").read_text()
    assert 'title = "Fresh Show"' in text and "# bitrate = 64" in text
    dry = run_cli("build", root, "--dry-run")
    assert dry.code == 0, dry.err
    again = run_cli("new", root)
    assert again.code == 2 and "not overwriting" in again.err


def test_read_only_output_is_a_clear_error(tmp_path: Path, shared_cache: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; make the output folder a file instead
        root = make_show(tmp_path / "show", cache=shared_cache)
        (root / "public").write_text("not a folder")
    else:
        root = make_show(tmp_path / "show", cache=shared_cache)
        (root / "public").mkdir()
        (root / "public").chmod(0o500)
    result = run_cli("build", root)
    assert result.code != 0 and "Traceback" not in result.err
    assert "public" in result.err
    shutil.rmtree(root, ignore_errors=True)
