"""An episode's number is fixed at its first build and the same everywhere it is said."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

from tests.conftest import make_show, run_cli

SECOND = """\
Second day news
Something else happened on the second day of the test.
Read more → https://example.com/second
"""


def _numbers(root: Path, episode_id: str) -> dict[str, object]:
    script = (root / "scripts" / f"{episode_id}.md").read_text(encoding="utf-8")
    feed = feedparser.parse((root / "public" / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if episode_id in e.link or episode_id in e.id)
    mp3 = next((root / "public" / "episodes" / episode_id).glob("*.mp3"))
    return {"front matter": int(re.search(r"^episode: (\d+)$", script, re.M)[1]),
            "narration": re.search(r"this is episode (\w+)", script)[1],
            "feed": int(entry.itunes_episode), "tags": ID3(mp3)["TRCK"].text[0]}


@pytest.mark.slow
def test_an_episode_built_again_after_remove_keeps_its_number(tmp_path: Path,
                                                              shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root, "--quiet").code == 0
    (root / "digests" / "2026-11-21.txt").write_text(SECOND, encoding="utf-8")
    assert run_cli("build", root, "--quiet").code == 0
    assert _numbers(root, "2026-11-21") == {"front matter": 2, "narration": "two", "feed": 2,
                                            "tags": "2"}
    assert run_cli("remove", root, "2026-11-20").code == 0
    again = run_cli("build", root, "--digest", root / "digests" / "2026-11-20.txt", "--quiet")
    assert again.code == 0, again.err
    assert _numbers(root, "2026-11-20") == {"front matter": 1, "narration": "one", "feed": 1,
                                            "tags": "1"}
