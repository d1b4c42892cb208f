"""Data-driven digest cases: tests/data/sources/<case>.<ext> with <case>.expected.json.

The expected file holds either the list of articles (every field, dates in ISO 8601), or, when
the reader learned more about the digest, ``{"title": ..., "summary": ..., "warnings": [...],
"articles": [...]}`` (a list alone checks only the articles), or ``{"error": "<substring of
the message>", "line": N}``. Adding a case is adding two files.

After an intended change, regenerate the expected files and review the diff:

    AUDIODIGEST_REGEN=1 .venv/bin/pytest tests/test_sources_cases.py
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from audiodigest.errors import SourceError
from audiodigest.fsutil import atomic_write
from audiodigest.models import Article
from audiodigest.sources import parse

DATA = Path(__file__).parent / "data" / "sources"
CASES = sorted(p for p in DATA.iterdir() if not p.name.endswith(".expected.json"))
REGEN = os.environ.get("AUDIODIGEST_REGEN") == "1"


def _as_json(article: Article) -> dict[str, Any]:
    record = dataclasses.asdict(article)
    record["published"] = article.published.isoformat() if article.published else None
    record["tags"] = list(article.tags)
    return record


def _outcome(case: Path) -> Any:
    try:
        digest = parse(case.read_bytes(), case.name)
    except SourceError as exc:
        return {"error": exc.message, "line": exc.line}
    articles = [_as_json(a) for a in digest.articles]
    if digest.title is None and digest.summary is None and not digest.warnings:
        return articles
    return {"title": digest.title, "summary": digest.summary,
            "warnings": list(digest.warnings), "articles": articles}


def test_every_case_has_an_expected_file() -> None:
    missing = [c.name for c in CASES if not c.with_name(c.name + ".expected.json").exists()]
    assert REGEN or not missing, f"cases without expected output: {missing}"
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path) -> None:
    expected_path = case.with_name(case.name + ".expected.json")
    actual = _outcome(case)
    if REGEN:
        text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
        atomic_write(expected_path, text.encode("utf-8"))
        return
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    if isinstance(expected, dict) and "error" in expected:
        assert isinstance(actual, dict) and "error" in actual, f"expected an error, got {actual}"
        assert expected["error"] in actual["error"]
        assert actual["line"] == expected.get("line")
        # Every error must fit the one-line rule the command line prints.
        assert "\n" not in actual["error"]
    elif isinstance(expected, list) and isinstance(actual, dict) and "articles" in actual:
        assert actual["articles"] == expected
    else:
        assert actual == expected
