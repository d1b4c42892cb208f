"""Scripts edited down to (almost) nothing, built through the real command line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from audiodigest.audio.ffmpeg import find_ffmpeg
from tests.conftest import make_show, run_cli

pytestmark = pytest.mark.slow

SCRIPT = "2026-11-20.md"


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Path:
    root = make_show(tmp_path_factory.mktemp("degenerate") / "show", cache=shared_cache)
    result = run_cli("build", root)
    assert result.code == 0, result.err
    return root


@pytest.fixture
def built(first_build: Path, tmp_path: Path) -> Path:
    """A copy of a built show (its own output, pieces and index; the shared speech cache)."""
    return Path(shutil.copytree(first_build, tmp_path / "show", symlinks=True))


def _edit(root: Path, body: str) -> Path:
    """Keep the script's front matter, replace everything after it with ``body``."""
    path = root / "scripts" / SCRIPT
    _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def _published(root: Path) -> Path:
    (mp3,) = (root / "public" / "episodes").glob("*/*.mp3")
    return mp3


@pytest.mark.parametrize("body", [
    "",
    "\n# Only a title\n",
    "\n# Pauses\n\n[pause 2s]\n\n[pause 500ms]\n\n# Punctuation\n\n...\n\n!!! ?? — …\n",
])
def test_a_script_with_nothing_to_say_is_a_one_line_error(built: Path, body: str) -> None:
    feed = built / "public" / "feed.xml"
    before = feed.read_bytes(), _published(built).read_bytes()
    script = _edit(built, body)
    result = run_cli("build", built)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    (line,) = [ln for ln in result.err.splitlines() if "error" in ln]
    assert str(script) in line and "nothing to say" in line
    assert (feed.read_bytes(), _published(built).read_bytes()) == before
    assert run_cli("build", built, "--dry-run").code == 2


def test_pause_only_and_punctuation_only_chapters_are_fine_audio(built: Path) -> None:
    _edit(built, "\n# Silence first\n\n[pause 3s]\n\n"
                 "# Dots\n\n...\n\n!!! ?? — …\n\n"
                 "# Words\n\nHello there.\n\n. , ;\n\n[pause 1s]\n")
    result = run_cli("build", built)
    assert result.code == 0, result.err
    mp3 = _published(built)
    decoded = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "null", "-"],
                             capture_output=True, text=True)
    assert decoded.returncode == 0 and decoded.stderr == ""
    # 3 s of pause, the sentence, then the closing pause.
    assert 4.5 < MP3(mp3).info.length < 8.0
