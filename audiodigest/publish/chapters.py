"""Chapter files: Podcasting 2.0 JSON chapters and Podlove Simple Chapters start times."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from audiodigest.models import ChapterMark, PublishedChapter
from audiodigest.urls import safe_url

JSON_CHAPTERS_VERSION = "1.2.0"


def _ms(seconds: float) -> float:
    return round(seconds, 3)


def published_chapters(marks: Sequence[ChapterMark],
                       sample_rate: int) -> tuple[PublishedChapter, ...]:
    """Chapter marks (sample positions at ``sample_rate``) as seconds, rounded to the ms."""
    return tuple(PublishedChapter(title=m.title, start=_ms(m.start / sample_rate),
                                  end=_ms(m.end / sample_rate), url=m.url) for m in marks)


def with_images(chapters: Sequence[PublishedChapter],
                images: Sequence[str | None]) -> tuple[PublishedChapter, ...]:
    """``chapters`` with the script's chapter images (one per script chapter, in order, as the
    audio makes one chapter per script chapter); only URLs the URL policy allows are kept."""
    if len(images) != len(chapters):
        images = [None] * len(chapters)
    return tuple(replace(ch, img=safe_url(img)) for ch, img in zip(chapters, images, strict=True))


def chapters_json(chapters: Sequence[PublishedChapter]) -> str:
    """The Podcasting 2.0 JSON chapters document (version 1.2.0), sorted by start time."""
    items = []
    for ch in sorted(chapters, key=lambda c: c.start):
        item: dict[str, object] = {"startTime": _ms(ch.start), "endTime": _ms(ch.end),
                                   "title": ch.title}
        if url := safe_url(ch.url):
            item["url"] = url
        if img := safe_url(ch.img):
            item["img"] = img
        items.append(item)
    return json.dumps({"version": JSON_CHAPTERS_VERSION, "chapters": items},
                      ensure_ascii=False, indent=2) + "\n"


def psc_start(seconds: float) -> str:
    """A Podlove Simple Chapters start time, zero-padded ``HH:MM:SS.mmm``.

    >>> psc_start(65.25), psc_start(0), psc_start(3599.9996)
    ('00:01:05.250', '00:00:00.000', '01:00:00.000')
    """
    if seconds < 0 or seconds != seconds:
        raise ValueError(f"chapter start must be a non-negative time, not {seconds!r}")
    total_ms = int(round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"
