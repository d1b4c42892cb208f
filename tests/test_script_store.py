"""The script file on disk: editors' edits survive rebuilds; --force backs up; atomic writes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from audiodigest.config import ShowConfig, parse
from audiodigest.errors import ScriptError
from audiodigest.models import Article
from audiodigest.script.format import parse_script
from audiodigest.script.store import DIGEST_CHANGED, ScriptOutcome, prepare_script, script_state

TOML = """\
title = "The Compute Brief"
description = "Compute news, read aloud."
author = "Desk Nine"
[owner]
name = "Desk Nine"
email = "desk@example.com"
"""
DAY = date(2026, 11, 27)
ARTICLES = [
    Article(id="example.com/a", title="Chips get a cooler", summary="A lab cooled a GPU rack.",
            url="https://example.com/a"),
    Article(id="example.com/b", title="Open voices ship", summary="Twelve voices were released.",
            url="https://example.com/b"),
]


@pytest.fixture
def config(tmp_path: Path) -> ShowConfig:
    root = tmp_path / "show"
    root.mkdir()
    return parse(TOML, root)


def prepare(config: ShowConfig, articles: list[Article] = ARTICLES, digest: str = "d1",
            **kw: bool) -> ScriptOutcome:
    return prepare_script(config, articles, digest, "2026-11-27", episode_date=DAY, number=3,
                          **kw)


def backups(config: ShowConfig) -> list[Path]:
    return sorted((config.path(config.scripts) / ".backup").glob("*.md"))


def test_first_build_writes_a_new_script_recording_its_hashes(config: ShowConfig) -> None:
    outcome = prepare(config)
    assert outcome.state == "new" and outcome.backup is None and outcome.warnings == ()
    assert outcome.path == config.root / "scripts" / "2026-11-27.md"
    on_disk = parse_script(outcome.path.read_text(encoding="utf-8"))
    assert on_disk == outcome.script
    meta = dict(on_disk.meta)
    assert len(meta["generated"]) == 64 and meta["digest"] == "d1"
    assert script_state(outcome.path) == "generated"
    assert script_state(outcome.path.with_name("other.md")) == "missing"


def test_rebuild_without_changes_leaves_the_file_alone(config: ShowConfig) -> None:
    path = prepare(config).path
    os.utime(path, (1_000_000, 1_000_000))
    outcome = prepare(config)
    assert outcome.state == "unchanged"
    assert path.stat().st_mtime == 1_000_000  # not even rewritten


def test_unedited_script_is_refreshed_when_the_digest_changes(config: ShowConfig) -> None:
    prepare(config)
    changed = [ARTICLES[0], Article(id="example.com/c", title="A quiet week for DRAM",
                                    summary="Memory prices held steady.")]
    outcome = prepare(config, changed, digest="d2")
    assert outcome.state == "rerendered" and outcome.backup is None
    text = outcome.path.read_text(encoding="utf-8")
    assert "A quiet week for DRAM" in text and "Open voices ship" not in text
    assert dict(parse_script(text).meta)["digest"] == "d2"
    assert script_state(outcome.path) == "generated"


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def test_an_edited_script_survives_a_rebuild(config: ShowConfig) -> None:
    path = prepare(config).path
    edited = _edit(path, "A lab cooled a GPU rack.",
                   "A lab cooled a {GPU|G P U} rack.\n\nHOST: Impressive.")
    assert script_state(path) == "edited"
    outcome = prepare(config)
    assert outcome.state == "edited" and outcome.warnings == ()
    assert path.read_text(encoding="utf-8") == edited
    assert outcome.script == parse_script(edited)
    assert backups(config) == []


def test_editing_only_the_front_matter_counts_as_an_edit(config: ShowConfig) -> None:
    path = prepare(config).path
    _edit(path, "title: The Compute Brief — 27 November 2026", "title: Our special episode")
    outcome = prepare(config)
    assert outcome.state == "edited" and outcome.script.title == "Our special episode"


def test_edited_script_and_changed_digest_warns_but_keeps_the_edit(config: ShowConfig) -> None:
    path = prepare(config).path
    edited = _edit(path, "Twelve voices were released.", "Twelve voices shipped.")
    outcome = prepare(config, digest="d2")
    assert outcome.state == "edited"
    assert outcome.warnings == (DIGEST_CHANGED,)
    assert "use --force to re-render" in outcome.warnings[0]
    assert path.read_text(encoding="utf-8") == edited


def test_force_backs_up_every_time_and_rerenders(config: ShowConfig) -> None:
    path = prepare(config).path
    first_edit = _edit(path, "Twelve voices were released.", "First edit.")
    one = prepare(config, force=True)
    assert one.state == "rerendered" and one.backup is not None
    assert one.backup.read_text(encoding="utf-8") == first_edit
    assert one.backup.parent == path.parent / ".backup"
    assert one.backup.name.startswith("2026-11-27.")
    assert "Twelve voices were released." in path.read_text(encoding="utf-8")

    second_edit = _edit(path, "Twelve voices were released.", "Second edit.")
    two = prepare(config, force=True)
    assert two.backup is not None and two.backup != one.backup
    assert one.backup.read_text(encoding="utf-8") == first_edit  # older backup untouched
    assert two.backup.read_text(encoding="utf-8") == second_edit
    assert len(backups(config)) == 2
    assert script_state(path) == "generated"


def test_a_broken_script_is_an_error_and_is_never_rerendered(config: ShowConfig) -> None:
    path = prepare(config).path
    broken = _edit(path, "A lab cooled a GPU rack.", "A lab cooled a {GPU rack.")
    with pytest.raises(ScriptError) as info:
        prepare(config, digest="d2")
    message = str(info.value)
    assert message == (f"{path}:27:26: expected '|' or '}}' to close the pronunciation hint "
                       "opened at column 16")
    assert path.read_text(encoding="utf-8") == broken
    with pytest.raises(ScriptError):
        script_state(path)


def test_a_script_that_is_not_utf8_is_a_one_line_error(config: ShowConfig) -> None:
    path = prepare(config).path
    path.write_bytes(b"---\ntitle: \xff\n")
    with pytest.raises(ScriptError, match="not UTF-8"):
        prepare(config)


def test_a_hand_written_script_without_hashes_counts_as_edited(config: ShowConfig) -> None:
    path = config.root / "scripts" / "2026-11-27.md"
    path.parent.mkdir()
    path.write_text("---\ntitle: Mine\ndate: 2026-11-27\n---\n\n# Intro\n\nHello.\n",
                    encoding="utf-8")
    outcome = prepare(config, digest="d9")
    assert outcome.state == "edited" and outcome.warnings == ()
    assert outcome.script.title == "Mine"


def test_writes_leave_no_temporary_files(config: ShowConfig) -> None:
    prepare(config)
    prepare(config, digest="d2")
    prepare(config, force=True)
    names = sorted(p.name for p in (config.root / "scripts").rglob("*") if p.is_file())
    assert all(n.endswith(".md") and not n.startswith(".") for n in names), names


def test_dry_run_reports_the_outcome_without_touching_the_folder(config: ShowConfig) -> None:
    folder = config.root / "scripts"
    assert prepare(config, dry_run=True).state == "new" and not folder.exists()
    path = prepare(config).path
    before = path.read_bytes()
    assert prepare(config, digest="d2", dry_run=True).state == "rerendered"
    assert prepare(config, force=True, dry_run=True).backup is None
    assert path.read_bytes() == before and not (folder / ".backup").exists()
