"""`audiodigest read FILE [--json]`: the articles as a build would read them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from audiodigest.cli import main

DIGEST = """Solar sails reach Mars orbit
A team reports that a 40 m² sail held a stable orbit for 90 days.
Source: Space Weekly
Read more → https://example.com/sails

The cost of cold starts
Serverless platforms still pay 200–900 ms on a cold start.
"""


@pytest.fixture
def digest(tmp_path: Path) -> Path:
    path = tmp_path / "2026-12-01.txt"
    path.write_text(DIGEST, encoding="utf-8")
    return path


def test_json_has_exactly_the_documented_keys(digest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(digest), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [set(r) for r in rows] == [{"title", "summary", "url", "source", "published", "tags",
                                       "origin"}] * 2
    assert rows[0]["title"] == "Solar sails reach Mars orbit"
    assert rows[0]["source"] == "Space Weekly"
    assert rows[0]["url"] == "https://example.com/sails"
    assert rows[0]["origin"] == f"{digest}:1"
    assert rows[1]["url"] is None and rows[1]["tags"] == [] and rows[1]["published"] is None


def test_plain_output_names_each_article_and_where_it_came_from(
        digest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", str(digest)]) == 0
    out = capsys.readouterr().out
    assert "2 articles (text)" in out
    assert "1. Solar sails reach Mars orbit" in out and "2. The cost of cold starts" in out
    assert f"from: {digest}:6" in out
    assert "source: Space Weekly" in out


def test_bad_digest_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe not text")
    done = subprocess.run([sys.executable, "-m", "audiodigest", "read", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr
    assert "Traceback" not in done.stderr
