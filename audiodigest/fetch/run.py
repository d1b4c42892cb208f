"""``audiodigest fetch``: the show's sources -> the day's digest, ``digests/DATE.txt``.

    download (concurrently)  ->  read (the digest readers)  ->  pick, merge, fit  ->  write

A URL is read exactly as the same bytes in a file would be (:func:`audiodigest.sources.parse`).
One source failing is a warning naming it; all failing is :class:`FetchFailed` (exit code 5)
and nothing is written. Nothing new is no digest, and says so.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp

from audiodigest.config import ShowConfig, Source
from audiodigest.errors import ConfigError, FetchFailed, SourceError
from audiodigest.fetch import http
from audiodigest.fetch.digest_text import render_digest
from audiodigest.fetch.pace import Pace, words
from audiodigest.fetch.select import Budget, fit, merge, pick
from audiodigest.fetch.state import FetchState
from audiodigest.fsutil import atomic_write, sha256_bytes
from audiodigest.models import Article

log = logging.getLogger(__name__)

Notify = Callable[[str], None]
MAX_EARLIER_DIGESTS = 60  # earlier digests read for their article ids, newest first
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[^0-9])")


@dataclass
class SourceReport:
    """One source's line in the report."""

    label: str
    seen: int = 0
    new: int = 0
    used: int = 0
    not_modified: bool = False
    error: str | None = None

    def line(self) -> str:
        if self.error is not None:
            return f"{self.label}: failed: {self.error}"
        counts = f"{self.seen} seen, {self.new} new, {self.used} used"
        return f"{self.label}: not modified ({counts})" if self.not_modified \
            else f"{self.label}: {counts}"


@dataclass
class FetchResult:
    day: date
    reports: list[SourceReport]
    path: Path | None = None  # the digest written, or None (nothing new)
    articles: tuple[Article, ...] = ()
    minutes: float = 0.0  # the estimated length of the episode it makes
    pace: Pace | None = None
    unchanged: bool = False  # the digest was already exactly this
    warnings: list[str] = field(default_factory=list)


def today(config: ShowConfig) -> date:
    """The show's day now, in its time zone."""
    return datetime.now(ZoneInfo(config.timezone)).date()


def digest_for(config: ShowConfig, day: date) -> list[Path]:
    """The digests already in the show's digest folder for ``day`` (any extension)."""
    from audiodigest.sources import EXTENSIONS, digest_stem

    folder = config.path(config.digests)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")
                  and p.suffix.lower() in EXTENSIONS and digest_stem(p) == day.isoformat())


# --- downloading -----------------------------------------------------------------------------


@dataclass
class _Got:
    """What one source gave: its articles, or an error."""

    articles: list[Article] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None


def _format_for(url: str, content_type: str | None, data: bytes) -> tuple[str, str]:
    """(name, format) to read a downloaded body by: as a file of the URL's name would be
    read; a name without a known extension goes by the Content-Type, then the content."""
    from audiodigest.sources import EXTENSIONS, detect_format
    from audiodigest.sources.jsonfeed import is_json_feed

    name = PurePosixPath(urlsplit(url).path).name or "index.html"
    if PurePosixPath(name).suffix.lower() in EXTENSIONS:
        return name, detect_format(data, name)
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
                "application/xml", "text/xml"):
        return name, "feed"
    if kind in ("application/feed+json", "application/json"):
        return name, "jsonfeed" if is_json_feed(data) else "json"
    if kind in ("text/html", "application/xhtml+xml"):
        return name, "html"
    return name, detect_format(data, name)


def _read_body(url: str, content_type: str | None, data: bytes) -> list[Article]:
    from audiodigest.sources import parse

    _, fmt = _format_for(url, content_type, data)
    return list(parse(data, url, fmt).articles)


def _read_path(config: ShowConfig, source: Source) -> _Got:
    from audiodigest.sources import EXTENSIONS, read

    path = config.path(source.path) if source.path else config.root
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if not p.name.startswith(".")
                           and p.suffix.lower() in EXTENSIONS and p.is_file())
            if not files:
                return _Got(error=f"{path}: no digest files in this folder")
            return _Got([a for file in files for a in read(file).articles])
        return _Got(list(read(path).articles))
    except SourceError as exc:
        return _Got(error=exc.one_line())


async def _download(client: aiohttp.ClientSession, source: Source, state: FetchState,
                    allow_private: bool) -> _Got:
    assert source.url is not None
    held = state.body(source.url)
    known = held[0].validators if held else None
    try:
        response = await http.get(client, source.url, known, allow_private=allow_private)
    except http.FetchError as exc:
        return _Got(error=exc.message)
    if response.not_modified:
        if held is None:  # a 304 for a copy we no longer hold cannot be: ask again in full
            try:
                response = await http.get(client, source.url, None,
                                          allow_private=allow_private)
            except http.FetchError as exc:
                return _Got(error=exc.message)
        else:
            kept, body = held
            try:
                return _Got(_read_body(kept.url or source.url, kept.content_type, body),
                            not_modified=True)
            except SourceError as exc:
                return _Got(error=exc.one_line())
    assert response.body is not None
    try:
        articles = _read_body(response.url, response.content_type, response.body)
    except SourceError as exc:
        return _Got(error=exc.one_line())
    state.hold(source.url, response.validators, response.body, response.content_type,
               response.url)
    return _Got(articles)


async def _download_all(config: ShowConfig, state: FetchState) -> list[_Got]:
    settings = config.fetch
    async with http.session(settings.timeout, settings.allow_private_addresses) as client:
        tasks = [_download(client, source, state, settings.allow_private_addresses)
                 if source.url else None for source in config.sources]
        done = await asyncio.gather(*(t for t in tasks if t is not None))
    results = iter(done)
    return [next(results) if task is not None else _read_path(config, source)
            for task, source in zip(tasks, config.sources, strict=True)]


# --- choosing --------------------------------------------------------------------------------


def _earlier_ids(config: ShowConfig, state: FetchState, day: date) -> set[str]:
    """Ids of articles in earlier episodes: what earlier fetches used, and what the earlier
    digests in the digest folder hold (made by hand, or edited)."""
    from audiodigest.sources import EXTENSIONS, digest_stem, read

    ids = state.earlier_ids(day)
    folder = config.path(config.digests)
    if not folder.is_dir():
        return ids
    earlier = sorted((p for p in folder.iterdir() if not p.name.startswith(".")
                      and p.suffix.lower() in EXTENSIONS and _DATED.match(p.name)
                      and digest_stem(p)[:10] < day.isoformat() and p.is_file()), reverse=True)
    for path in earlier[:MAX_EARLIER_DIGESTS]:
        try:
            ids.update(article.id for article in read(path).articles)
        except SourceError as exc:
            log.debug("earlier digest not read: %s", exc)
    return ids


def _reference_time(config: ShowConfig, day: date) -> datetime:
    """``since`` counts back from now, or from the end of ``day`` when that is earlier."""
    zone = ZoneInfo(config.timezone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return min(datetime.now(zone), end)


def fetch(config: ShowConfig, day: date | None = None, notify: Notify = log.info) -> FetchResult:
    """Fetch the show's sources and write the digest for ``day`` (default: the show's today).

    The caller holds the show's build lock. Raises :class:`FetchFailed` when every source
    failed, :class:`ConfigError` when the show has no sources, and a :class:`SourceError` when
    the day's digest exists and is not one this command wrote (or was edited since).
    """
    from audiodigest.fetch.pace import episode_seconds, measure
    from audiodigest.pipeline import STATE_DIR
    from audiodigest.script.normalize import split_sentences

    if not config.sources:
        raise ConfigError("no [[sources]] to fetch; add a [[sources]] table with a url or path",
                          path=config.root / "show.toml")
    day = day or today(config)
    target = config.path(config.digests) / f"{day.isoformat()}.txt"
    state = FetchState.load(config.root / STATE_DIR / "fetch")
    for warning in state.warnings:
        notify(f"warning: {warning}")
    _check_target(config, day, target, state)

    got = asyncio.run(_download_all(config, state))
    reports = [SourceReport(source.label, len(g.articles), not_modified=g.not_modified,
                            error=g.error) for source, g in zip(config.sources, got, strict=True)]
    result = FetchResult(day, reports)
    if all(g.error is not None for g in got):
        problems = "; ".join(f"{r.label}: {r.error}" for r in reports)
        raise FetchFailed(f"no source could be fetched ({problems}); nothing written")

    now = _reference_time(config, day)
    picked = [pick(g.articles, source, now) for source, g in zip(config.sources, got, strict=True)]
    merged = merge(picked, _earlier_ids(config, state, day))
    origin = {id(article): index for index, articles in enumerate(picked)
              for article in articles}
    for article in merged.articles:
        reports[origin[id(article)]].new += 1
    pace = measure(config)
    result.pace = pace
    seconds = episode_seconds(config, pace, day)
    target_seconds = config.fetch.target_minutes * 60 if config.fetch.target_minutes else None
    by_id = {article.id: origin[id(article)] for article in merged.articles}
    chosen = fit(merged.articles, config.fetch.max_articles, Budget(seconds, target_seconds),
                 split_sentences, words)
    rendered = render_digest(chosen, str(target))
    for article, why in rendered.left_out:
        notify(f"warning: {article.origin or article.source}: {why}")
    for article in rendered.articles:
        if article.id in by_id:
            reports[by_id[article.id]].used += 1
    if not rendered.articles:
        state.save()  # the copies held are still the newest seen
        return result
    data = rendered.text.encode("utf-8")
    result.articles = rendered.articles
    result.minutes = seconds(rendered.articles) / 60
    result.path = target
    result.unchanged = target.is_file() and target.read_bytes() == data
    if not result.unchanged:
        atomic_write(target, data)
    state.record(day, [a.id for a in rendered.articles], sha256_bytes(data))
    state.save()
    return result


def _check_target(config: ShowConfig, day: date, target: Path, state: FetchState) -> None:
    """Refuse to replace a digest for ``day`` this command did not write as it is now."""
    for existing in digest_for(config, day):
        if existing != target:
            raise SourceError(f"a digest for {day.isoformat()} is already here; fetch writes "
                              f"{target.name}, and two digests for one day cannot both be "
                              "built: remove one", path=existing)
        try:
            sha = sha256_bytes(existing.read_bytes())
        except OSError as exc:
            raise SourceError(f"cannot read it: {exc.strerror}", path=existing) from None
        if state.written.get(day.isoformat()) != sha:
            raise SourceError("this digest was not written by 'audiodigest fetch', or was "
                              "edited since; fetch will not replace it (remove it to fetch "
                              "again)", path=existing)


def fetch_show(show_dir: Path, day: date | None = None,
               notify: Notify = log.info) -> FetchResult:
    """``audiodigest fetch SHOW_DIR``: load the show, hold its build lock, :func:`fetch`."""
    from audiodigest import config as config_mod
    from audiodigest.lock import ShowLock
    from audiodigest.pipeline import ShowPaths

    config = config_mod.load(show_dir)
    with ShowLock(ShowPaths(config).lock):
        return fetch(config, day, notify)


def report_lines(result: FetchResult) -> Sequence[str]:
    """What ``fetch`` prints after the per-source lines."""
    day = result.day.isoformat()
    if result.path is None:
        return [f"Nothing new from the sources for {day}: no digest written."]
    count = len(result.articles)
    pace = f"; {result.pace.describe()}" if result.pace else ""
    done = "Digest unchanged" if result.unchanged else "Wrote"
    return [f"{done}: {result.path} ({count} {'article' if count == 1 else 'articles'}, about "
            f"{result.minutes:.1f} minutes of speech{pace})"]
