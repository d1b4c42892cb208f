"""Every file the tool reads back is untrusted: a tampered index, cache entry, publish manifest
or script front matter is a one-line error or a miss, never an action outside the show.

These run the real CLI on real shows (real Piper, real ffmpeg) and tamper the real files.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from audiodigest.errors import UserError
from audiodigest.fsutil import remove_inside
from audiodigest.publish.deploy import MANIFEST, publish_to
from audiodigest.publish.index import is_episode_id
from audiodigest.script.stage import episode_id_for
from tests.conftest import REPO, make_show, run_cli
from tests.test_publish_deploy import built_site

EPISODE = "2026-11-20"
ONE_ENTRY = """\
Chips get a cooler
A lab in Zurich cooled a GPU rack with water at 45 degrees, saving 30% of the energy.
Read more → https://example.com/cooler-chips
"""


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victimdir"
    victim.mkdir()
    (victim / "db.sqlite").write_text("precious")
    return victim


def _index(root: Path) -> Path:
    return root / ".audiodigest" / "episodes.json"


def _set_id(root: Path, new_id: str) -> None:
    data = json.loads(_index(root).read_text())
    data["episodes"][0]["id"] = new_id
    _index(root).write_text(json.dumps(data))


def _one_line_error(result, path: Path) -> None:
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in result.err, result.err


# --- 1. the episode index ------------------------------------------------------------------


@pytest.mark.slow
def test_a_tampered_episode_id_deletes_nothing_outside_the_show(tmp_path: Path,
                                                                shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    victim = _victim(tmp_path)
    # show/public/episodes/../../../victimdir is tmp_path/victimdir
    _set_id(root, "../../../victimdir")
    (victim / "stale.mp3").write_text("a file a build would call stale")
    results = [run_cli(*args) for args in (("build", root), ("remove", root, EPISODE),
                                           ("status", root), ("remove", root, "../../../victimdir"))]
    assert sorted(p.name for p in victim.iterdir()) == ["db.sqlite", "stale.mp3"]
    for result in results[:3]:
        _one_line_error(result, _index(root))
    assert results[3].code == 2 and "is not an episode id" in results[3].err
    assert (root / "public" / "episodes" / EPISODE).is_dir()  # nothing of the show lost either


@pytest.mark.slow
def test_an_episode_folder_linked_out_of_the_show_is_never_followed(tmp_path: Path,
                                                                    shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    victim = _victim(tmp_path)
    folder = root / "public" / "episodes" / EPISODE
    for path in folder.iterdir():
        os.replace(path, victim / path.name)  # the episode's own files, now outside the show
    folder.rmdir()
    folder.symlink_to(victim, target_is_directory=True)
    build = run_cli("build", root)  # the stale-file sweep must not reach through the link
    assert build.code == 2 and "refusing to delete" in build.err, build.err
    assert (victim / "db.sqlite").read_text() == "precious"
    removed = run_cli("remove", root, EPISODE)
    assert removed.code == 0, removed.err
    assert not folder.is_symlink() and (victim / "db.sqlite").read_text() == "precious"


def test_remove_inside_refuses_paths_out_of_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    victim = _victim(tmp_path)
    (root / "out").symlink_to(victim, target_is_directory=True)
    for path in (root / ".." / "victimdir", root / "out" / "db.sqlite", root, tmp_path):
        with pytest.raises(UserError, match="refusing to delete"):
            remove_inside(root, path)
    assert remove_inside(root, root / "out")  # the link itself goes, not what it points at
    assert (victim / "db.sqlite").read_text() == "precious"
    assert remove_inside(root, root / "sub") and not (root / "sub").exists()
    assert not remove_inside(root, root / "sub")


@pytest.mark.parametrize("stem", ["2026-11-27", "..", ".hidden", "a/../b", "ü" * 90, "-._",
                                  "x" * 79 + "-y", "my digest (final)", "...."])
def test_every_id_a_build_makes_is_a_valid_index_id(stem: str) -> None:
    assert is_episode_id(episode_id_for(Path(f"{stem}.txt")))


# --- 2. the segment cache's header ---------------------------------------------------------


def _tamper_rates(cache: Path, rate: int) -> int:
    entries = sorted(cache.rglob("*.pcm"))
    for entry in entries:
        blob = bytearray(entry.read_bytes())
        struct.pack_into("<I", blob, 8, rate)
        entry.write_bytes(bytes(blob))
    return len(entries)


def _rebuild_audio(root: Path) -> None:
    """Make the next build assemble the audio again from the cached segments."""
    import shutil

    shutil.rmtree(root / "public")
    shutil.rmtree(root / ".audiodigest" / "pieces")
    (root / ".audiodigest" / "published.json").unlink()


def _duration(root: Path) -> float:
    return float(json.loads(_index(root).read_text())["episodes"][0]["duration"])


def _limit_memory() -> None:
    # The 24 GB a rate of 1 Hz once asked for must fail here, not take the machine down.
    limit = 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.slow
def test_a_flipped_sample_rate_in_the_cache_is_synthesized_again(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", ONE_ENTRY, cache=tmp_path / "cache")
    assert run_cli("build", root).code == 0
    before = _duration(root)
    for rate, preexec in ((44100, None), (1, _limit_memory)):
        count = _tamper_rates(tmp_path / "cache", rate)
        assert count > 0
        _rebuild_audio(root)
        proc = subprocess.run([sys.executable, "-m", "audiodigest", "build", str(root)],
                              capture_output=True, text=True, timeout=300, cwd=REPO,
                              preexec_fn=preexec)
        assert proc.returncode == 0, proc.stderr
        # Piper's timing varies a little from run to run; double speed would lose about half.
        assert abs(_duration(root) - before) < 0.1 * before, (rate, _duration(root), before)
        assert f"{count} segments synthesized, 0 reused" in proc.stdout + proc.stderr


# --- 3. the publish manifest ---------------------------------------------------------------


def test_a_manifest_nested_too_deep_is_a_clear_error_for_prune(tmp_path: Path) -> None:
    out, _records = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    (dest / MANIFEST).write_text('{"version": 1, "files": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run_cli("publish", tmp_path / "show", "--to", dest, "--prune")
    _one_line_error(result, dest / MANIFEST)
    publish_to(out, dest)  # a plain publish still works, and writes a sound manifest
    assert json.loads((dest / MANIFEST).read_text())["version"] == 1


def test_a_manifest_of_another_version_blocks_prune(tmp_path: Path) -> None:
    out, _records = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    manifest = json.loads((dest / MANIFEST).read_text())
    (dest / MANIFEST).write_text(json.dumps({**manifest, "version": 2}))
    with pytest.raises(UserError, match="not a version 1 manifest"):
        publish_to(out, dest, prune=True)


def test_bad_manifest_entries_are_dropped_not_carried_on(tmp_path: Path) -> None:
    out, _records = built_site(tmp_path)
    dest = tmp_path / "www"
    publish_to(out, dest)
    (dest / "old.txt").write_text("published by hand")
    manifest = json.loads((dest / MANIFEST).read_text())
    manifest["files"]["old.txt"] = {"size": "big", "sha256": "x"}
    manifest["files"]["episodes//x.mp3"] = {"size": 1, "sha256": "0" * 64}
    (dest / MANIFEST).write_text(json.dumps(manifest))
    publish_to(out, dest, prune=True)
    files = json.loads((dest / MANIFEST).read_text())["files"]
    assert "old.txt" not in files and "episodes//x.mp3" not in files
    assert (dest / "old.txt").read_text() == "published by hand"  # not ours to delete


# --- 3. the script's front matter ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("value", ["not-a-hash", "ZZ" * 32, "0" * 10_000])
def test_a_generated_hash_that_is_not_hex_is_named_and_the_script_kept(
        tmp_path: Path, shared_cache: Path, value: str) -> None:
    key = "generated"
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    script = root / "scripts" / f"{EPISODE}.md"
    lines = script.read_text().splitlines()
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
    script.write_text("\n".join(lines) + "\n")
    kept = script.read_bytes()
    result = run_cli("build", root)
    assert result.code == 0, result.err
    assert f"{script}: front matter '{key}' is not a hash audiodigest wrote" in result.out + result.err
    assert script.read_bytes() == kept  # treated as the editor's: never overwritten


# --- 4. remove, killed half-way ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("step", ["remove:index-saved", "remove:published"])
def test_remove_killed_half_way_is_finished_by_the_next_remove(tmp_path: Path, step: str,
                                                               shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    killed = run_cli("remove", root, EPISODE, env={"AUDIODIGEST_KILL_AT": step})
    assert killed.code == -signal.SIGKILL, killed.err
    assert json.loads(_index(root).read_text())["episodes"] == []  # the index was saved
    folder = root / "public" / "episodes" / EPISODE
    assert folder.is_dir()  # ... and the episode's files are still there
    again = run_cli("remove", root, EPISODE)
    assert again.code == 0, again.err
    assert "<item>" not in (root / "public" / "feed.xml").read_text()
    assert not folder.exists() and not (root / ".audiodigest" / "pieces" / EPISODE).exists()
    assert (root / "scripts" / f"{EPISODE}.md").is_file()
    assert run_cli("remove", root, EPISODE).code == 2  # now it is really gone


@pytest.mark.slow
@pytest.mark.parametrize("stamp", ["[]", '"stamp"', "[" * 100_000, "\xff"])
def test_a_damaged_publish_stamp_means_publish_again(tmp_path: Path, shared_cache: Path,
                                                     stamp: str) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    (root / ".audiodigest" / "published.json").write_text(stamp, encoding="latin-1")
    (root / "show.toml").write_text((root / "show.toml").read_text().replace(
        "A show made by the test suite.", "A show the test suite changed."))
    result = run_cli("build", root)
    assert result.code == 0, result.err
    assert "A show the test suite changed." in (root / "public" / "feed.xml").read_text()
