"""Safe failures: a build that cannot finish says why in one line and publishes nothing half-done."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from audiodigest.errors import OutputError
from audiodigest.fsutil import atomic_path, atomic_write
from tests.conftest import REPO, make_show, run_cli


def test_atomic_write_replaces_whole_files_only(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    atomic_write(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml"]


def test_disk_full_is_named_and_the_old_file_kept(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "feed.xml"
    atomic_write(target, "old")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError) as caught:
        atomic_write(target, "new")
    assert "no space left on device" in caught.value.one_line()
    assert str(target) in caught.value.one_line()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml"]


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_a_file_too_large_for_the_disk_fails_cleanly(tmp_path: Path, shared_cache: Path) -> None:
    """With the file size capped (as a full disk would), the MP3 cannot be written."""
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    feed = root / "public" / "feed.xml"
    before = feed.read_bytes()
    script = root / "scripts" / "2026-11-20.md"
    script.write_text(script.read_text().replace("Memory prices", "Chip prices"))
    proc = subprocess.run([sys.executable, "-m", "audiodigest", "build", str(root)],
                          capture_output=True, text=True, cwd=REPO,
                          preexec_fn=_limit_file_size(300_000))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, proc.stderr
    assert "file too large" in errors[0].lower() or "file size limit" in errors[0].lower()
    assert feed.read_bytes() == before
    assert not list((root / "public").rglob(".*.tmp*")), "temporary files left behind"


@pytest.mark.slow
def test_corrupt_cache_entry_is_remade(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = make_show(tmp_path / "show", cache=cache)
    assert run_cli("build", root).code == 0
    entry = sorted(cache.rglob("*.pcm"))[0]
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    script = root / "scripts" / "2026-11-20.md"
    script.write_text(script.read_text().replace("Memory prices", "Chip prices"))
    result = run_cli("build", root)
    assert result.code == 0, result.err
    # The edited sentence and the damaged entry are made again; the rest is reused.
    assert "segments: 2 synthesized" in result.err


@pytest.mark.slow
def test_broken_ffmpeg_is_a_clear_error(tmp_path: Path, shared_cache: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'ffmpeg: broken build' >&2\nexit 1\n")
    fake.chmod(0o755)
    root = make_show(tmp_path / "show", cache=shared_cache)
    result = run_cli("build", root, env={"AUDIODIGEST_FFMPEG": str(fake)})
    assert result.code != 0 and "Traceback" not in result.err
    assert "ffmpeg" in result.err.splitlines()[-1].lower()
    assert not (root / "public" / "feed.xml").exists()
