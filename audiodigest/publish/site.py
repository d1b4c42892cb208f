"""The show's web site: an index of episodes and one page per episode with a player, chapters,
the articles and the transcript.

Pages are Jinja2 templates with autoescaping on. A show overrides any template (or the CSS/JS)
by putting a file of the same name in ``<templates>/site/``; the packaged defaults fill in the
rest. Everything a reader needs is in the HTML itself: the small script only adds seeking and
highlighting of the current transcript cue.
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from audiodigest import __version__
from audiodigest.config import ShowConfig
from audiodigest.errors import UserError
from audiodigest.fsutil import atomic_write
from audiodigest.models import EpisodeRecord, PublishedChapter
from audiodigest.publish.feed import clock
from audiodigest.publish.podcastindex import bare_feed_url
from audiodigest.script.speakdate import written_date
from audiodigest.template_files import ShowTemplateLoader
from audiodigest.urls import safe_url

log = logging.getLogger(__name__)

SITE_TEMPLATES = "site"  # sub-folder of the show's templates folder
ASSETS = ("style.css", "player.js")
_TRANSCRIPT_LABELS = {"text/vtt": "WebVTT", "application/x-subrip": "SRT",
                      "application/json": "JSON"}


def seconds_attr(value: float) -> str:
    """Seconds for ``#t=`` and ``data-start``: at most millisecond precision, no trailing zeros.

    >>> seconds_attr(12.5), seconds_attr(3.0), seconds_attr(0.1234)
    ('12.5', '3', '0.123')
    """
    text = f"{max(0.0, value):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def file_size(size: int) -> str:
    """``12.3 MB`` / ``640 kB`` for people.

    >>> file_size(12_345_678), file_size(64_000)
    ('12.3 MB', '64 kB')
    """
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"


def human_date(value: datetime) -> str:
    """``27 November 2026`` (English, whatever the machine's locale)."""
    return written_date(value.date())


def podcast_app_url(feed_url: str) -> str:
    """The ``podcast://`` link podcast apps register for: the feed URL without its scheme."""
    return "podcast://" + bare_feed_url(feed_url)


@dataclass(frozen=True)
class Cue:
    start: str
    end: str
    label: str
    speaker: str
    body: str


@dataclass(frozen=True)
class Paragraph:
    speaker: str
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class TranscriptSection:
    title: str | None
    paragraphs: tuple[Paragraph, ...]


def read_transcript(path: Path) -> list[dict[str, Any]]:
    """The segments of a Podcasting 2.0 JSON transcript, checked; errors name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except json.JSONDecodeError as exc:
        raise UserError(f"the transcript is not valid JSON ({exc.msg})", path=path,
                        line=exc.lineno, column=exc.colno) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the transcript: {exc}", path=path) from exc
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise UserError("the transcript has no 'segments' list", path=path)
    out = []
    for pos, seg in enumerate(segments, start=1):
        ok = (isinstance(seg, dict) and isinstance(seg.get("body"), str)
              and all(isinstance(seg.get(k), int | float) and not isinstance(seg.get(k), bool)
                      for k in ("startTime", "endTime")))
        if not ok:
            raise UserError(f"transcript segment #{pos} needs a text 'body' and numeric "
                            "'startTime' and 'endTime'", path=path)
        speaker = seg.get("speaker")
        out.append({"speaker": speaker if isinstance(speaker, str) else "",
                    "startTime": float(seg["startTime"]), "endTime": float(seg["endTime"]),
                    "body": seg["body"]})
    return out


def transcript_sections(segments: Sequence[dict[str, Any]],
                        chapters: Sequence[PublishedChapter]) -> list[TranscriptSection]:
    """Group cues under the chapter they start in, and into paragraphs by speaker."""
    bounds = sorted(chapters, key=lambda c: c.start)
    groups: list[tuple[str | None, list[dict[str, Any]]]] = (
        [(c.title, []) for c in bounds] if bounds else [(None, [])])
    for seg in sorted(segments, key=lambda s: s["startTime"]):
        index = 0
        for i, chapter in enumerate(bounds):
            if seg["startTime"] + 1e-6 >= chapter.start:
                index = i
        groups[index][1].append(seg)
    sections = []
    for title, segs in groups:
        paragraphs: list[Paragraph] = []
        run: list[Cue] = []
        speaker = None
        for seg in segs:
            if run and seg["speaker"] != speaker:
                paragraphs.append(Paragraph(speaker or "", tuple(run)))
                run = []
            speaker = seg["speaker"]
            run.append(Cue(start=seconds_attr(seg["startTime"]), end=seconds_attr(seg["endTime"]),
                           label=clock(seg["startTime"]), speaker=seg["speaker"],
                           body=seg["body"]))
        if run:
            paragraphs.append(Paragraph(speaker or "", tuple(run)))
        if paragraphs:
            sections.append(TranscriptSection(title, tuple(paragraphs)))
    return sections


def make_environment(config: ShowConfig) -> jinja2.Environment:
    """Jinja2 environment: the show's ``templates/site`` first, then the packaged defaults."""
    loader = jinja2.ChoiceLoader([
        ShowTemplateLoader(config.path(config.templates) / SITE_TEMPLATES, UserError),
        jinja2.PackageLoader("audiodigest.publish", "site_templates"),
    ])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"template error: {exc.message}", path=exc.filename or name,
                        line=exc.lineno) from exc
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        raise UserError(f"template error in {name}: {exc}", path=where) from exc


def _write_if_changed(path: Path, text: str) -> Path:
    # Unchanged pages keep their mtime, so HTTP caches and publish --to skip them.
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return path
    return atomic_write(path, data)


def _rel(from_page: str, target: str) -> str:
    """Link from one output-relative page to another output-relative path."""
    start = posixpath.dirname(from_page) or "."
    return posixpath.relpath(target, start=start)


def _show_context(config: ShowConfig, artwork: str, page: str) -> dict[str, Any]:
    root = _rel(page, ".")
    return {
        "show": {
            "title": config.title, "description": config.description, "author": config.author,
            "language": config.language, "feed_url": config.feed_url,
            "podcast_url": podcast_app_url(config.feed_url), "link": config.site_link,
            "copyright": config.copyright, "cover": _rel(page, artwork),
        },
        "root": "" if root == "." else root + "/",
        "index_url": _rel(page, "index.html"),
        "generator": f"audiodigest {__version__}",
    }


def _episode_summary(record: EpisodeRecord, page: str) -> dict[str, Any]:
    return {
        "id": record.id, "title": record.title, "number": record.number,
        "summary": record.summary, "date": human_date(record.pub_date),
        "iso_date": record.pub_date.isoformat(), "duration": clock(record.duration),
        "url": _rel(page, record.page), "type": record.episode_type,
    }


def _episode_context(config: ShowConfig, record: EpisodeRecord, output_dir: Path,
                     segments: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    page = record.page
    chapters = [{"title": c.title, "start": seconds_attr(c.start), "label": clock(c.start),
                 "url": safe_url(c.url)} for c in record.chapters]
    json_file = next((t for t in record.transcripts if t.mime_type == "application/json"), None)
    if segments is None:
        segments = read_transcript(output_dir / json_file.path) if json_file else []
    downloads = [{"label": f"Transcript ({_TRANSCRIPT_LABELS.get(t.mime_type, t.mime_type)})",
                  "url": _rel(page, t.path), "type": t.mime_type} for t in record.transcripts]
    downloads.append({"label": "Chapters (JSON)", "url": _rel(page, record.chapters_file.path),
                      "type": record.chapters_file.mime_type})
    speakers = {s["speaker"] for s in segments}
    return {
        "episode": _episode_summary(record, page),
        "audio": {"url": _rel(page, record.audio.path), "type": record.audio.mime_type,
                  "size": file_size(record.audio_size)},
        "chapters": chapters,
        "articles": [c for c in chapters if c["url"]],
        "transcript": transcript_sections(segments, record.chapters),
        "show_speakers": len(speakers) > 1,
        "downloads": downloads,
    }


def write_site(config: ShowConfig, records: Sequence[EpisodeRecord], output_dir: Path,
               artwork: str,
               transcripts: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> list[Path]:
    """Write ``index.html``, one page per episode (at ``record.page``) and the CSS/JS assets.

    Returns every file of the site. An episode's transcript comes from ``transcripts`` (by
    episode id: the segments a build just wrote), else from its JSON file in ``output_dir``.
    Template problems raise :class:`UserError` naming the template file and line.
    """
    output_dir = Path(output_dir)
    env = make_environment(config)
    ordered = sorted(records, key=lambda r: (r.pub_date, r.number, r.id), reverse=True)
    written: list[Path] = []

    for name in ASSETS:
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound as exc:  # only if the package is broken
            raise UserError(f"site asset {name} not found") from exc
        written.append(_write_if_changed(output_dir / "assets" / name, source))

    index_ctx = {**_show_context(config, artwork, "index.html"),
                 "episodes": [_episode_summary(r, "index.html") for r in ordered]}
    written.append(_write_if_changed(output_dir / "index.html",
                                     _render(env, "index.html.j2", index_ctx)))

    for record in ordered:
        if PurePosixPath(record.page).is_absolute() or ".." in PurePosixPath(record.page).parts:
            raise UserError(f"episode {record.id}: page path {record.page!r} leaves the output "
                            "folder")
        ctx = {**_show_context(config, artwork, record.page),
               **_episode_context(config, record, output_dir,
                                  (transcripts or {}).get(record.id))}
        written.append(_write_if_changed(output_dir / record.page,
                                         _render(env, "episode.html.j2", ctx)))
    log.info("wrote site: %d pages", len(ordered) + 1)
    return written
