"""A newsroom for the fetch tests: a real aiohttp server on 127.0.0.1 whose routes the test
sets, recording every request it gets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tests.conftest import SHOW_TOML
from tests.publish_support import Server

DATA = Path(__file__).parent / "data" / "sources"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Newsroom:
    """``routes[path]`` answers ``path``; ``seen`` lists the requests, ``sent`` the body bytes
    each streamed answer managed to send."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)

    def app(self) -> web.Application:
        async def any_path(request: web.Request) -> web.StreamResponse:
            self.seen.append(Seen(request.path, dict(request.headers), time.monotonic()))
            handler = self.routes.get(request.path)
            if handler is None:
                return web.Response(status=404)
            return await handler(request)

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", any_path)
        return app

    def requests(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def feed_handler(body: Callable[[], bytes] | bytes, *, etag: Callable[[], str] | str | None = None,
                 last_modified: str | None = None,
                 content_type: str = "application/rss+xml") -> tuple[Handler, list[int]]:
    """A feed that answers conditional GETs; the list counts the full bodies it sent."""
    full: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        data = body() if callable(body) else body
        tag = etag() if callable(etag) else etag
        headers = {}
        if tag:
            headers["ETag"] = tag
        if last_modified:
            headers["Last-Modified"] = last_modified
        if tag and request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers=headers)
        if last_modified and request.headers.get("If-Modified-Since") == last_modified:
            return web.Response(status=304, headers=headers)
        full.append(len(data))
        return web.Response(body=data, headers=headers, content_type=content_type)

    return handler, full


def rss(items: list[tuple[str, str, str, str]], title: str = "Example Wire") -> bytes:
    """An RSS 2.0 feed of (title, link, description, RFC 2822 date) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>{when}</pubDate></item>" for t, link, d, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>https://wire.example.com/</link>"
            f"<description>News</description>{entries}</channel></rss>").encode()


def write_show(root: Path, sources: str, fetch: str = "allow_private_addresses = true\n",
               extra: str = "") -> Path:
    """A show folder whose show.toml has ``sources`` ([[sources]] tables) and ``[fetch]``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "show.toml").write_text(f"{extra}{SHOW_TOML}\n[fetch]\n{fetch}\n{sources}",
                                    encoding="utf-8")
    return root


def source(url: str, **settings: object) -> str:
    lines = ["[[sources]]", f'url = "{url}"']
    for key, value in settings.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"


def serve(newsroom: Newsroom, tmp_path: Path) -> Server:
    return Server(tmp_path, app=newsroom.app())


async def sleep_then(seconds: float, response: web.StreamResponse) -> web.StreamResponse:
    await asyncio.sleep(seconds)
    return response
