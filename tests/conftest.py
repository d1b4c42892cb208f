"""Shared fixtures: small real shows in temporary folders and a way to run the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_SHOW = REPO / "episodes"

THREE_ENTRIES = """\
Chips get a cooler
A lab in Zurich cooled a GPU rack with water at 45 degrees, saving 30% of the energy.
Read more → https://example.com/cooler-chips

Open voices ship
Twelve new offline voices were released. Each runs 20 times faster than real time.
Read more → https://example.com/open-voices

A quiet week for DRAM
Memory prices held steady. Analysts expect a rise in 2027.
Read more → https://example.com/dram-week
"""

SHOW_TOML = """\
title = "Test Show"
description = "A show made by the test suite."
author = "Test Desk"
base_url = "https://podcasts.example.com/test/"
category = "Technology"

[owner]
name = "Test Desk"
email = "desk@example.com"
"""


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """Run ``python -m audiodigest ARGS`` as a user would, capturing its output."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "audiodigest", *map(str, args)],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def make_show(root: Path, digest: str = THREE_ENTRIES, *, extra_toml: str = "",
              digest_name: str = "2026-11-20.txt", cache: Path | None = None) -> Path:
    """A show folder with one digest; ``cache`` shares a segment cache between tests."""
    root.mkdir(parents=True, exist_ok=True)
    toml = SHOW_TOML + extra_toml
    if cache is not None:
        toml = f'cache = "{cache.as_posix()}"\n' + toml
    (root / "show.toml").write_text(toml, encoding="utf-8")
    (root / "digests").mkdir(exist_ok=True)
    (root / "digests" / digest_name).write_text(digest, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A segment cache shared by tests that are not about caching, so speech is made once."""
    return tmp_path_factory.mktemp("segment-cache")


@pytest.fixture
def show(tmp_path: Path, shared_cache: Path) -> Path:
    return make_show(tmp_path / "show", cache=shared_cache)


@pytest.fixture
def sample_show(tmp_path: Path) -> Path:
    """A copy of the sample show the project ships, without anything generated."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE_SHOW, target, ignore=shutil.ignore_patterns("public", ".audiodigest"))
    return target
