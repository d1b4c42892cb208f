"""The podcast feed: RSS 2.0 with the iTunes tags Apple requires, Podcasting 2.0 and Podlove
Simple Chapters.

:func:`build_feed` is pure (records in, bytes out); :func:`write_feed` checks the files the feed
points at and writes ``feed.xml`` atomically. feedgen builds the document (it escapes all text);
:mod:`audiodigest.publish.podcastindex` adds what feedgen lacks.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from audiodigest import __version__
from audiodigest.categories import parse_category
from audiodigest.config import SHOW_FILE, ShowConfig
from audiodigest.errors import OutputError
from audiodigest.fsutil import atomic_write
from audiodigest.identity import podcast_guid
from audiodigest.models import EpisodeRecord, PublishedChapter
from audiodigest.publish.podcastindex import (
    Funding,
    License,
    Person,
    PodcastIndexEntryExtension,
    PodcastIndexExtension,
    PscChapter,
    Transcript,
    Txt,
)
from audiodigest.timefmt import seconds_to_clock, seconds_to_psc
from audiodigest.urls import safe_url

log = logging.getLogger(__name__)

FEED_FILE = "feed.xml"
GENERATOR_URI = "https://pypi.org/project/audiodigest/"
MAX_DESCRIPTION_BYTES = 4000  # Apple's limit for channel and item descriptions

# Characters XML 1.0 forbids; lxml refuses them, so they are dropped from user text.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Which podcast:transcript rel each transcript type gets: VTT and SRT are caption files.
_TRANSCRIPT_REL = {"text/vtt": "captions", "application/x-subrip": "captions"}


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_ILLEGAL.sub("", value)


def public_url(config: ShowConfig, path: str) -> str:
    """The public URL of ``path`` (relative to the output folder, '/'-separated)."""
    return config.base_url.rstrip("/") + "/" + quote(path.lstrip("/"), safe="/-._~")


def _esc(value: str) -> str:
    return html.escape(xml_text(value), quote=True)


def _chapter_html(chapter: PublishedChapter) -> str:
    title = _esc(chapter.title)
    url = safe_url(chapter.url)
    if url:
        title = f'<a href="{_esc(url)}">{title}</a>'
    return f"<li>{seconds_to_clock(chapter.start)} {title}</li>"


def show_notes(config: ShowConfig, record: EpisodeRecord) -> str:
    """The item's ``content:encoded``: the summary, every chapter with its start time and link,
    and a link to the episode page (player and transcript)."""
    parts = [f"<p>{_esc(record.summary)}</p>"]
    if record.chapters:
        parts.append("<ol>" + "".join(_chapter_html(c) for c in record.chapters) + "</ol>")
    page = _esc(public_url(config, record.page))
    parts.append(f'<p><a href="{page}">Transcript and player</a></p>')
    return "\n".join(parts)


def item_description(record: EpisodeRecord) -> str:
    """The item's short ``description``: the summary and the linked article titles, kept within
    Apple's 4000-byte limit (links are dropped first, then the summary is shortened)."""
    links = [f'<li><a href="{_esc(url)}">{_esc(c.title)}</a></li>'
             for c in record.chapters if (url := safe_url(c.url))]
    summary = xml_text(record.summary)
    while True:
        body = f"<p>{_esc(summary)}</p>"
        if links:
            body += "<ul>" + "".join(links) + "</ul>"
        if len(body.encode("utf-8")) <= MAX_DESCRIPTION_BYTES:
            return body
        if links:
            links.pop()
        else:
            summary = summary[: max(0, len(summary) - 200)].rsplit(" ", 1)[0] + "…"


def _newest(records: Sequence[EpisodeRecord], limit: int) -> list[EpisodeRecord]:
    ordered = sorted(records, key=lambda r: (r.pub_date, r.number, r.id), reverse=True)
    return ordered[:limit]


def _show_file(config: ShowConfig) -> Path:
    return config.root / SHOW_FILE


def build_feed(config: ShowConfig, records: Sequence[EpisodeRecord], artwork: str) -> bytes:
    """The feed document for the newest ``config.feed_items`` of ``records`` (UTF-8 XML bytes).

    ``artwork`` is the cover's path relative to the output folder. Pure: no file is read, and
    the same inputs give the same bytes (lastBuildDate is the newest episode's date).
    """
    parent, child = parse_category(config.category, source=_show_file(config))
    items = _newest(records, config.feed_items)

    fg = FeedGenerator()
    fg.load_extension("podcast", atom=False)
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension,
                          atom=False)
    ext: PodcastIndexExtension = fg.podcastindex  # type: ignore[attr-defined]

    fg.title(xml_text(config.title))
    fg.description(xml_text(config.description))
    # feedgen takes the channel <link> from the last link given: the self link goes first.
    fg.link(href=config.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=config.site_link, rel="alternate")
    fg.language(config.language)
    if config.copyright:
        fg.copyright(xml_text(config.copyright))
    fg.generator(f"audiodigest {__version__}", uri=GENERATOR_URI)
    cover_url = public_url(config, artwork)
    fg.image(url=cover_url, title=xml_text(config.title), link=config.site_link)
    if items:
        fg.lastBuildDate(items[0].pub_date)
    else:
        ext.drop_last_build_date()

    fg.podcast.itunes_author(xml_text(config.author))  # type: ignore[attr-defined]
    fg.podcast.itunes_owner(name=xml_text(config.owner.name),  # type: ignore[attr-defined]
                            email=config.owner.email)
    category = {"cat": parent, "sub": child} if child else {"cat": parent}
    fg.podcast.itunes_category(category)  # type: ignore[attr-defined]
    fg.podcast.itunes_type(config.type)  # type: ignore[attr-defined]
    ext.itunes_image(cover_url)
    ext.itunes_explicit(config.explicit)
    # The show's guid is assigned once and kept in show.toml (see audiodigest.identity); the
    # feed URL's UUIDv5 only stands in for a show that was never built.
    ext.guid(config.guid or podcast_guid(config.feed_url))
    if config.feed_moved_to:
        fg.podcast.itunes_new_feed_url(config.feed_moved_to)  # type: ignore[attr-defined]
    ext.locked(config.locked, owner=config.owner.email)
    ext.medium("podcast")
    _add_show_extras(ext, config)
    if config.hub:
        ext.hub(config.hub)

    for record in items:
        _add_item(fg, config, record)
    data: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def show_people(config: ShowConfig) -> list[Person]:
    """show.toml's ``people`` as podcast:person tags (text cleaned for XML)."""
    return [Person(name=xml_text(p.name), role=xml_text(p.role), group=xml_text(p.group),
                      href=safe_url(p.href), img=safe_url(p.img)) for p in config.people]


def _add_show_extras(ext: PodcastIndexExtension, config: ShowConfig) -> None:
    """Channel tags from show.toml: people, funding, licence, itunes:block, txt."""
    ext.persons(show_people(config))
    ext.funding([Funding(url=f.url, text=xml_text(f.text)) for f in config.funding])
    if config.license is not None:
        ext.license(License(identifier=config.license.identifier, url=config.license.url))
    ext.itunes_block(config.block)
    ext.txt([Txt(text=xml_text(t.text), purpose=t.purpose) for t in config.txt])


def _add_item_extras(fe: object, ext: PodcastIndexEntryExtension, config: ShowConfig,
                     record: EpisodeRecord) -> None:
    """Item tags from the episode's record: season, and its people when it has guests (an
    item's people replace the show's in apps, so the show's are listed again)."""
    if record.season is not None:
        fe.podcast.itunes_season(record.season)  # type: ignore[attr-defined]
        ext.season(record.season)
    if record.guests:
        guests = [Person(name=xml_text(g), role="guest") for g in record.guests]
        ext.persons(show_people(config) + guests)


def _add_item(fg: FeedGenerator, config: ShowConfig, record: EpisodeRecord) -> None:
    if record.audio_size <= 0:
        raise OutputError(f"episode {record.id} has no audio size; rebuild it",
                          path=record.audio.path)
    fe = fg.add_entry(order="append")
    # Apple needs a title; one that is blank once cleaned falls back to the episode id.
    fe.title(xml_text(record.title).strip() or record.id)
    fe.guid(xml_text(record.guid), permalink=False)
    fe.pubDate(record.pub_date)
    fe.link(href=public_url(config, record.page))
    fe.enclosure(public_url(config, record.audio.path), str(record.audio_size),
                 record.audio.mime_type)
    fe.description(xml_text(record.summary))
    fe.content(show_notes(config, record), type="CDATA")

    fe.podcast.itunes_duration(str(round(record.duration)))
    fe.podcast.itunes_episode(record.number)
    fe.podcast.itunes_episode_type(record.episode_type)

    ext: PodcastIndexEntryExtension = fe.podcastindex
    ext.description_html(item_description(record))
    ext.chapters(public_url(config, record.chapters_file.path))
    for t in record.transcripts:
        ext.transcript(Transcript(url=public_url(config, t.path), type=t.mime_type,
                                  language=config.language, rel=_TRANSCRIPT_REL.get(t.mime_type)))
    ext.episode(record.number)
    ext.psc_chapters([
        PscChapter(start=seconds_to_psc(c.start), title=xml_text(c.title),
                   href=safe_url(c.url), image=safe_url(c.img))
        for c in record.chapters
    ])
    _add_item_extras(fe, ext, config, record)


def _check_files(output_dir: Path, records: Sequence[EpisodeRecord]) -> None:
    """Every enclosure must exist with the size the feed announces (Apple checks it)."""
    for record in records:
        audio = output_dir / record.audio.path
        try:
            size = audio.stat().st_size
        except FileNotFoundError as exc:
            raise OutputError(f"episode {record.id}: its audio file is missing; rebuild the "
                              "episode or remove it", path=audio) from exc
        if size != record.audio_size:
            raise OutputError(f"episode {record.id}: the audio file has {size} bytes but the "
                              f"episode index says {record.audio_size}; rebuild the episode",
                              path=audio)


def write_feed(config: ShowConfig, records: Sequence[EpisodeRecord], output_dir: Path,
               artwork: str) -> Path:
    """Write ``output_dir/feed.xml`` atomically after checking the audio files it lists."""
    output_dir = Path(output_dir)
    listed = _newest(records, config.feed_items)
    _check_files(output_dir, listed)
    data = build_feed(config, records, artwork)
    target = output_dir / FEED_FILE
    log.info("writing feed %s (%d episodes)", target, len(listed))
    return atomic_write(target, data)
