"""Chapter files: Podcasting 2.0 JSON chapters (Podlove Simple Chapters times are
:func:`audiodigest.timefmt.seconds_to_psc`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from audiodigest.models import ChapterMark, PublishedChapter
from audiodigest.timefmt import round_ms
from audiodigest.urls import safe_url

JSON_CHAPTERS_VERSION = "1.2.0"


def published_chapters(marks: Sequence[ChapterMark],
                       sample_rate: int) -> tuple[PublishedChapter, ...]:
    """Chapter marks (sample positions at ``sample_rate``) as seconds, rounded to the ms."""
    return tuple(PublishedChapter(title=m.title, start=round_ms(m.start / sample_rate),
                                  end=round_ms(m.end / sample_rate), url=m.url) for m in marks)


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
        item: dict[str, object] = {"startTime": round_ms(ch.start), "endTime": round_ms(ch.end),
                                   "title": ch.title}
        if url := safe_url(ch.url):
            item["url"] = url
        if img := safe_url(ch.img):
            item["img"] = img
        items.append(item)
    return json.dumps({"version": JSON_CHAPTERS_VERSION, "chapters": items},
                      ensure_ascii=False, indent=2) + "\n"
