"""Real digests through the real command line into an episode: one chapter per article, and
no "Read more" (or other furniture) anywhere in what is heard or shown.

The first case is the layout most producers paste (issue 12): title, blank line, summary
paragraph(s), blank line, "Read more →". The others are layouts other readers accept: the
plain-text layout with title and summary on consecutive lines, and an RSS feed whose
descriptions carry two paragraphs, a code listing and "Continue reading" links.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from tests.conftest import make_show, run_cli

pytestmark = pytest.mark.slow

TITLES = ["Solar Sails Reach Mars Orbit", "The Cost of Cold Starts", "Tape Is Back in the Data Centre"]
URLS = ["https://example.com/sails", "https://example.com/cold-starts", "https://example.com/tape"]

PASTED = """\
Solar Sails Reach Mars Orbit

A team at the Jet Propulsion Laboratory reports that a forty square metre sail held a stable orbit for ninety days.

Read more →

The Cost of Cold Starts

Serverless platforms still lose up to a second on a cold start.

A new scheduler keeps warm pools for each tenant and cuts the wait by half.

Read more → https://example.com/cold-starts

Tape Is Back in the Data Centre

Archive operators are buying tape again because it costs less per terabyte than disks.

Read more »
"""

CONSECUTIVE = """\
Solar Sails Reach Mars Orbit
A team at the Jet Propulsion Laboratory reports that a forty square metre sail held a stable orbit for ninety days.
Read more → https://example.com/sails

The Cost of Cold Starts
Serverless platforms still lose up to a second on a cold start. A new scheduler keeps warm pools for each tenant.
Read more → https://example.com/cold-starts

Tape Is Back in the Data Centre
Archive operators are buying tape again because it costs less per terabyte than disks.

Read more → https://example.com/tape
"""

FEED = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example Weekly</title><link>https://example.com/</link>
<description>Weekly</description>
<item><title>Solar Sails Reach Mars Orbit</title><link>https://example.com/sails</link>
<description>Solar Sails Reach Mars Orbit</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[
<p>A team at the Jet Propulsion Laboratory reports that a forty square metre sail held a stable
orbit for ninety days.</p><p><a href="https://example.com/sails">Read more &rarr;</a></p>]]>
</content:encoded></item>
<item><title>The Cost of Cold Starts</title><link>https://example.com/cold-starts</link>
<description><![CDATA[<p>Serverless platforms still lose up to a second on a cold start.</p>
<pre><code>scheduler --warm-pool=tenant --size=4</code></pre>
<p>A new scheduler keeps warm pools for each tenant and cuts the wait by half.</p>
<p><a class="more-link" href="https://example.com/cold-starts">Continue reading &rarr;</a></p>]]>
</description></item>
<item><title>Tape Is Back in the Data Centre</title><link>https://example.com/tape</link>
<description><![CDATA[<p>Archive operators are buying tape again because it costs less per terabyte than
disks.</p><p>The post Tape Is Back in the Data Centre appeared first on Example Weekly.</p>]]>
</description></item>
</channel></rss>
"""

# (digest, file name, whether each article's URL is known, the article with two paragraphs)
CASES = {
    "pasted": (PASTED, "2026-11-20.txt", [False, True, False], 1),
    "consecutive": (CONSECUTIVE, "2026-11-20.txt", [True, True, True], None),
    "feed": (FEED, "2026-11-20.xml", [True, True, True], 1),
}
FURNITURE = re.compile(r"read more|continue reading|appeared first|warm-pool|→|»", re.IGNORECASE)


@pytest.fixture(scope="module", params=sorted(CASES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path]:
    digest, name, _, _ = CASES[request.param]
    root = make_show(tmp_path_factory.mktemp(f"digest-{request.param}") / "show", digest,
                     digest_name=name, cache=tmp_path_factory.getbasetemp() / "digest-cache")
    result = run_cli("build", root)
    assert result.code == 0, result.err
    return request.param, root


def _episode_dir(root: Path) -> Path:
    (mp3,) = (root / "public" / "episodes").glob("*/*.mp3")
    return mp3.parent


def test_read_sees_three_articles(built: tuple[str, Path]) -> None:
    case, root = built
    _, name, has_url, two_paragraphs = CASES[case]
    result = run_cli("read", root / "digests" / name, "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["title"] for r in rows] == TITLES
    assert [r["url"] for r in rows] == [u if known else None for u, known in zip(URLS, has_url,
                                                                                  strict=True)]
    for number, row in enumerate(rows):
        assert not FURNITURE.search(row["summary"]), row["summary"]
        assert row["summary"].count("\n\n") == (1 if number == two_paragraphs else 0)


def test_one_chapter_per_article_in_the_mp3_and_the_chapters_file(built: tuple[str, Path]) -> None:
    _, root = built
    episode = _episode_dir(root)
    (mp3,) = episode.glob("*.mp3")
    chaps = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    titles = [c.sub_frames["TIT2"].text[0] for c in chaps]
    assert titles == ["Introduction", *TITLES, "Wrap-up"]
    chapters = json.loads(next(episode.glob("chapters-*.json")).read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters["chapters"]] == titles
    assert [round(c["startTime"] * 1000) for c in chapters["chapters"]] == [
        c.start_time for c in chaps]


def test_no_furniture_in_any_transcript_or_in_what_the_voice_says(built: tuple[str, Path]) -> None:
    _, root = built
    episode = _episode_dir(root)
    for suffix in ("vtt", "srt", "json"):
        (transcript,) = episode.glob(f"transcript-*.{suffix}")
        text = transcript.read_text(encoding="utf-8")
        assert "Solar Sails Reach Mars Orbit" in text
        assert not FURNITURE.search(text), f"{transcript.name}: {FURNITURE.search(text)}"
    spoken = run_cli("script", root, "--spoken")
    assert spoken.code == 0, spoken.err
    assert not FURNITURE.search(spoken.out)
    # In each article's chapter the headline is said once, and the summary once.
    chapters = _spoken_chapters(spoken.out)
    assert list(chapters) == ["Introduction", *TITLES, "Wrap-up"]
    sails = chapters[TITLES[0]]
    assert sails.count("Solar Sails Reach Mars Orbit") == 1 and sails.count("ninety days") == 1
    assert chapters[TITLES[1]].count("keeps warm pools") == 1


def _spoken_chapters(spoken: str) -> dict[str, str]:
    """What the voice says in each chapter of `audiodigest script --spoken`."""
    chapters: dict[str, str] = {}
    current = ""
    for line in spoken.splitlines():
        if line.startswith("# "):
            current = line[2:]
            chapters[current] = ""
        elif current:
            chapters[current] += line + "\n"
    return chapters
