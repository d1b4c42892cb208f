"""What a digest says about the issue as a whole reaches the episode, through the real
`audiodigest script` command: the issue's own title titles the episode, its intro becomes the
episode's summary, and a feed's title (the publication) stays the articles' source."""

from __future__ import annotations

import json
from pathlib import Path

from audiodigest.script.format import parse_script
from tests.conftest import make_show, run_cli

MARKDOWN_ISSUE = """\
# The Compute Brief: Issue 42

> A short week: sails that hold an orbit, and servers that wake up faster.

## Solar Sails Reach Mars Orbit

A team at the Jet Propulsion Laboratory reports that a forty square metre sail held a stable
orbit for ninety days.

## The Cost of Cold Starts

Serverless platforms still lose up to a second on a cold start. A new scheduler keeps warm
pools for each tenant.
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Example Weekly",
    "description": "What the publication is about, the same in every issue.",
    "items": [
        {"id": "1", "url": "https://example.com/sails", "title": "Solar Sails Reach Mars Orbit",
         "summary": "Solar Sails Reach Mars Orbit",
         "content_html": "<p>A forty square metre sail held a stable orbit for ninety days.</p>"
                         "<pre><code>orbit --days 90</code></pre>"},
        {"id": "2", "url": "https://example.com/cold-starts", "title": "The Cost of Cold Starts",
         "content_text": "Serverless platforms still lose up to a second on a cold start."},
    ],
}


def _script(root: Path) -> str:
    result = run_cli("script", root)
    assert result.code == 0, result.err
    return Path(result.out.strip()).read_text(encoding="utf-8")


def test_the_issue_title_and_intro_title_and_describe_the_episode(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", MARKDOWN_ISSUE, digest_name="2026-11-20.md")
    script = parse_script(_script(root))
    assert script.title == "The Compute Brief: Issue 42"
    assert "sails that hold an orbit" in dict(script.meta)["summary"]
    assert [c.title for c in script.chapters][1:-1] == ["Solar Sails Reach Mars Orbit",
                                                         "The Cost of Cold Starts"]
    # The front matter reads back as written: a second run has nothing to do.
    again = run_cli("script", root)
    assert again.code == 0 and "up to date" in again.err


def test_a_json_feed_keeps_the_show_title_and_names_its_publication(tmp_path: Path) -> None:
    root = make_show(tmp_path / "show", json.dumps(JSON_FEED), digest_name="2026-11-20.json")
    text = _script(root)
    script = parse_script(text)
    # A feed's title names the publication, the same in every issue: not the episode's title.
    assert script.title == "Test Show — 20 November 2026"
    assert "summary" not in dict(script.meta)
    assert [c.title for c in script.chapters][1:-1] == ["Solar Sails Reach Mars Orbit",
                                                         "The Cost of Cold Starts"]
    assert [c.url for c in script.chapters][1:-1] == ["https://example.com/sails",
                                                       "https://example.com/cold-starts"]
    spoken = run_cli("script", root, "--spoken")
    assert spoken.code == 0, spoken.err
    assert "That's from Example Weekly." in spoken.out
    assert "orbit --days" not in text and "orbit --days" not in spoken.out
    # The summary that only repeated the title gave way to the content, read once.
    said = "\n".join(line for line in spoken.out.splitlines() if not line.startswith("# "))
    assert said.count("Solar Sails Reach Mars Orbit") == 2  # the preview and the headline
    assert said.count("held a stable orbit") == 1
