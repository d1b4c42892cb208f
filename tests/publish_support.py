"""Builders shared by the tests/test_publish_*.py files: a show config, episode records and an
output folder holding the files those records point at (a real MP3 made by ffmpeg)."""

from __future__ import annotations

import asyncio
import http.client
import json
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import imageio_ffmpeg
from aiohttp import web

from audiodigest.config import ShowConfig, parse
from audiodigest.models import EpisodeRecord, PublishedChapter, PublishedFile
from audiodigest.publish.server import make_app

SHOW_TOML = """\
title = "Signal & Noise"
description = "Five minutes of machine-learning news, read by an offline voice."
author = "The Test Desk"
base_url = "https://podcasts.example.com/signal/"
category = "News > Tech News"
copyright = "© 2026 The Test Desk"
{extra}
[owner]
name = "Desk Owner"
email = "owner@example.com"
"""


def make_config(root: Path, extra: str = "") -> ShowConfig:
    """A validated show config rooted at ``root`` (extra TOML lines go before [owner])."""
    root.mkdir(parents=True, exist_ok=True)
    text = SHOW_TOML.format(extra=extra)
    (root / "show.toml").write_text(text, encoding="utf-8")
    return parse(text, root, root / "show.toml")


@cache
def sine_mp3(seconds: float = 4.0) -> bytes:
    """A short real MP3 (mono 44.1 kHz sine) made by ffmpeg, cached per process."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    proc = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1", "-ar", "44100",
         "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "pipe:1"],
        capture_output=True, check=True, timeout=60)
    return proc.stdout


CHAPTERS = (
    PublishedChapter("Welcome", 0.0, 1.0),
    PublishedChapter("Chips get a cooler", 1.0, 2.5, "https://example.com/cooler-chips"),
    PublishedChapter("Open voices ship", 2.5, 4.0, "https://example.com/open-voices?a=1&b=2"),
)

SEGMENTS = (
    {"speaker": "HOST", "startTime": 0.0, "endTime": 0.9, "body": "Welcome to Signal and Noise."},
    {"speaker": "HOST", "startTime": 1.0, "endTime": 1.8, "body": "A lab in Zurich cooled a rack."},
    {"speaker": "HOST", "startTime": 1.9, "endTime": 2.4, "body": "It saved 30% of the energy."},
    {"speaker": "HOST", "startTime": 2.5, "endTime": 3.9, "body": "Twelve open voices shipped."},
)


def make_record(episode_id: str = "2026-11-27", *, number: int = 1, title: str | None = None,
                summary: str = "Cooler chips and open voices.", audio_size: int = 1000,
                chapters: tuple[PublishedChapter, ...] = CHAPTERS,
                pub_date: datetime | None = None, guid: str | None = None,
                duration: float = 4.0) -> EpisodeRecord:
    folder = f"episodes/{episode_id}"
    return EpisodeRecord(
        id=episode_id,
        guid=guid or f"urn:uuid:guid-{episode_id}",
        number=number,
        title=title or f"News for {episode_id}",
        pub_date=pub_date or datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
        summary=summary,
        audio=PublishedFile(f"{folder}/{episode_id}.mp3", "audio/mpeg"),
        audio_size=audio_size,
        duration=duration,
        chapters=chapters,
        chapters_file=PublishedFile(f"{folder}/chapters.json", "application/json+chapters"),
        transcripts=(
            PublishedFile(f"{folder}/transcript.vtt", "text/vtt"),
            PublishedFile(f"{folder}/transcript.srt", "application/x-subrip"),
            PublishedFile(f"{folder}/transcript.json", "application/json"),
        ),
        page=f"{folder}/index.html",
    )


def write_episode_files(output: Path, record: EpisodeRecord,
                        segments: tuple[dict[str, object], ...] = SEGMENTS) -> EpisodeRecord:
    """Write the audio, chapters and transcripts ``record`` names; return it with the real size."""
    from dataclasses import replace

    audio = output / record.audio.path
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(sine_mp3())
    chapters = {"version": "1.2.0", "chapters": [
        {"startTime": c.start, "endTime": c.end, "title": c.title,
         **({"url": c.url} if c.url else {})} for c in record.chapters]}
    (output / record.chapters_file.path).write_text(json.dumps(chapters), encoding="utf-8")
    transcript = {"version": "1.0.0", "segments": list(segments)}
    for t in record.transcripts:
        target = output / t.path
        if t.mime_type == "application/json":
            target.write_text(json.dumps(transcript), encoding="utf-8")
        elif t.mime_type == "text/vtt":
            target.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n<v HOST>Welcome\n",
                              encoding="utf-8")
        else:
            target.write_text("1\n00:00:00,000 --> 00:00:00,900\nWelcome\n", encoding="utf-8")
    return replace(record, audio_size=audio.stat().st_size)


def daily_records(count: int, start: datetime | None = None) -> list[EpisodeRecord]:
    """``count`` records one day apart, oldest first, numbered from 1."""
    start = start or datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    out = []
    for i in range(count):
        day = start + timedelta(days=i)
        out.append(make_record(day.date().isoformat(), number=i + 1, pub_date=day))
    return out


class Server:
    """make_app(root) (or ``app``) served by aiohttp's runner on a free port, in a background
    thread."""

    def __init__(self, root: Path, app: web.Application | None = None) -> None:
        self.root = root
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app if self.app is not None else make_app(self.root))
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self.runner = runner
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> Server:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        """A raw request: the path goes on the wire exactly as given (no normalisation)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()
