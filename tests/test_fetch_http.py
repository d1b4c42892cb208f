"""``audiodigest fetch`` against real HTTP servers on 127.0.0.1: conditional GET, retries,
Retry-After, redirects, size limits, timeouts, gzip, the User-Agent and the address policy."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
import zlib
from pathlib import Path

import pytest
from aiohttp import web

from audiodigest import __version__, cli
from audiodigest.fetch import http
from audiodigest.sources import read
from tests.fetch_support import DATA, Newsroom, feed_handler, rss, serve, source, write_show

DAY = "2026-12-01"
NEXT = "2026-12-02"
ITEMS = [
    ("Tidal turbines pass their first winter", "https://wire.example.com/tidal",
     "A 2 MW machine fed the grid for 140 days.", "Mon, 30 Nov 2026 08:00:00 GMT"),
    ("Heat pumps outsell gas boilers", "https://wire.example.com/heat-pumps",
     "Installations rose 40% year on year.", "Mon, 30 Nov 2026 07:00:00 GMT"),
]


def fetch(show: Path, day: str = DAY) -> int:
    return cli.main(["fetch", str(show), "--date", day])


def digest(show: Path, day: str = DAY) -> Path:
    return show / "digests" / f"{day}.txt"


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_an_unchanged_feed_costs_a_304_and_no_body(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], validator: str) -> None:
    room = Newsroom()
    if validator == "etag":
        handler, full = feed_handler(rss(ITEMS), etag='"v1"')
    else:
        handler, full = feed_handler(rss(ITEMS), last_modified="Mon, 30 Nov 2026 09:00:00 GMT")
    room.routes["/feed"] = handler
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed",
                                                    name="Wire"))
        assert fetch(show) == 0
        assert full == [len(rss(ITEMS))]
        assert fetch(show, NEXT) == 0
    second = room.requests("/feed")[1].headers
    assert second.get("If-None-Match" if validator == "etag" else "If-Modified-Since")
    assert full == [len(rss(ITEMS))]  # the second answer carried no body
    out = capsys.readouterr()
    assert "Wire: not modified (2 seen, 0 new, 0 used)" in out.err
    assert f"Nothing new from the sources for {NEXT}: no digest written." in out.out
    assert not digest(show, NEXT).exists()


def test_the_same_day_again_rewrites_nothing_and_a_304_still_reads_the_held_copy(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/feed"], full = feed_handler(rss(ITEMS), etag='"v1"')
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        assert fetch(show) == 0
        first = digest(show).read_bytes()
        assert fetch(show) == 0
    assert digest(show).read_bytes() == first
    assert len(full) == 1
    assert "Digest unchanged" in capsys.readouterr().out


def test_a_500_then_success_is_retried(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    calls: list[int] = []
    good, _ = feed_handler(rss(ITEMS))

    async def flaky(request: web.Request) -> web.StreamResponse:
        calls.append(1)
        if len(calls) == 1:
            return web.Response(status=500, text="oops")
        return await good(request)

    room.routes["/feed"] = flaky
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed",
                                                    name="Wire"))
        assert fetch(show) == 0
    assert len(calls) == 2
    assert "Wire: 2 seen, 2 new, 2 used" in capsys.readouterr().err
    assert "Tidal turbines" in digest(show).read_text()


def test_a_429_waits_what_retry_after_asks(tmp_path: Path) -> None:
    room = Newsroom()
    good, _ = feed_handler(rss(ITEMS))

    async def busy(request: web.Request) -> web.StreamResponse:
        if len(room.requests("/feed")) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return await good(request)

    room.routes["/feed"] = busy
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        assert fetch(show) == 0
    first, second = room.requests("/feed")
    assert second.at - first.at >= 0.95  # the backoff alone would be 0.5 s
    assert digest(show).is_file()


def test_a_retry_after_too_long_is_not_waited_for(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()

    async def busy(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, headers={"Retry-After": "3600"})

    room.routes["/feed"] = busy
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed",
                                                    name="Wire"))
        started = time.monotonic()
        assert fetch(show) == 5
        assert time.monotonic() - started < 60  # hang guard
    assert len(room.requests("/feed")) == 1
    err = capsys.readouterr().err
    assert "Wire: HTTP 503" in err and "3600 s" in err


def test_a_redirect_loop_is_one_failing_source_and_the_other_is_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()

    async def loop_a(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/b")

    async def loop_b(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/a")

    room.routes["/a"], room.routes["/b"] = loop_a, loop_b
    room.routes["/feed"], _ = feed_handler(rss(ITEMS))
    with serve(room, tmp_path) as server:
        base = f"http://127.0.0.1:{server.port}"
        show = write_show(tmp_path / "show", source(f"{base}/a", name="Loop")
                          + source(f"{base}/feed", name="Wire"))
        assert fetch(show) == 0
    err = capsys.readouterr().err
    assert "warning: Loop: failed: a redirect loop" in err
    assert "Wire: 2 seen, 2 new, 2 used" in err
    assert len(room.requests("/a")) == 1  # a loop is not retried
    assert "Heat pumps" in digest(show).read_text()


def test_redirects_are_followed_to_the_feed(tmp_path: Path) -> None:
    room = Newsroom()

    async def moved(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently("/feed.xml")

    room.routes["/old"] = moved
    room.routes["/feed.xml"], _ = feed_handler(rss(ITEMS))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/old"))
        assert fetch(show) == 0
    assert "Tidal turbines" in digest(show).read_text()


def test_more_redirects_than_the_limit_are_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()

    def hop(n: int):  # type: ignore[no-untyped-def]
        async def handler(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"/r{n + 1}")
        return handler

    for n in range(10):
        room.routes[f"/r{n}"] = hop(n)
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/r0",
                                                    name="Chain"))
        assert fetch(show) == 5
    assert f"Chain: more than {http.MAX_REDIRECTS} redirects" in capsys.readouterr().err
    assert len(room.seen) == http.MAX_REDIRECTS + 1


def test_every_source_failing_is_one_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    with serve(room, tmp_path) as server:  # every path answers 404
        base = f"http://127.0.0.1:{server.port}"
        show = write_show(tmp_path / "show", source(f"{base}/one", name="One")
                          + source(f"{base}/two", name="Two"))
        assert fetch(show) == 5
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("audiodigest: error:")]
    assert lines == ["audiodigest: error: no source could be fetched (One: HTTP 404 Not Found; "
                     "Two: HTTP 404 Not Found); nothing written"]
    assert not (show / "digests").exists()


def test_a_50_mb_body_is_refused_without_reading_it_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    chunk = b"<!-- " + b"x" * (1 << 20) + b" -->"

    async def huge(request: web.Request) -> web.StreamResponse:
        # Streamed without a Content-Length: only counting what arrives can stop it.
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        room.sent["/huge"] = 0
        try:
            for _ in range(50):
                await response.write(chunk)
                room.sent["/huge"] += len(chunk)
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml",
                                               "Content-Length": str(50 * 1024 * 1024)})
        await response.prepare(request)
        room.sent["/declared"] = 0
        try:
            for _ in range(50):
                await response.write(b"x" * (1 << 20))
                room.sent["/declared"] += 1 << 20
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    room.routes["/huge"], room.routes["/declared"] = huge, declared
    with serve(room, tmp_path) as server:
        base = f"http://127.0.0.1:{server.port}"
        show = write_show(tmp_path / "show", source(f"{base}/huge", name="Huge")
                          + source(f"{base}/declared", name="Declared"))
        assert fetch(show) == 5
        time.sleep(0.5)  # let the server notice the closed connections
    err = capsys.readouterr().err
    assert "Huge: the body is over 32 MB" in err
    assert "Declared: the body is 50.0 MB; at most 32 MB is read" in err
    assert room.sent["/huge"] < 45 * (1 << 20)
    assert room.sent["/declared"] < 45 * (1 << 20)
    assert len(room.requests("/huge")) == 1  # a body too large is not asked for again


def test_a_server_slower_than_the_timeout_fails_within_the_timeouts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)  # well past the timeout; short, so the server stops soon
        return web.Response(text="late")

    room.routes["/slow"] = slow
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show",
                          source(f"http://127.0.0.1:{server.port}/slow", name="Slow"),
                          fetch="allow_private_addresses = true\ntimeout = 0.3\n")
        started = time.monotonic()
        assert fetch(show) == 5
        assert time.monotonic() - started < 60  # hang guard: three tries of 0.3 s and backoff
    assert len(room.requests("/slow")) == http.ATTEMPTS
    assert "Slow: no complete answer within 0.3 s (after 3 attempts)" in capsys.readouterr().err


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_gzip_and_deflate_are_asked_for_and_read(tmp_path: Path, coding: str) -> None:
    room = Newsroom()
    body = rss(ITEMS)
    packed = gzip.compress(body) if coding == "gzip" else zlib.compress(body)

    async def zipped(request: web.Request) -> web.StreamResponse:
        if coding not in request.headers.get("Accept-Encoding", ""):
            return web.Response(status=406)
        return web.Response(body=packed, headers={
            "Content-Encoding": coding, "Content-Type": "application/rss+xml"})

    room.routes["/feed"] = zipped
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        assert fetch(show) == 0
    assert "Installations rose 40% year on year." in digest(show).read_text()


def test_the_user_agent_names_audiodigest_and_its_version(tmp_path: Path) -> None:
    room = Newsroom()
    room.routes["/feed"], _ = feed_handler(rss(ITEMS))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{server.port}/feed"))
        assert fetch(show) == 0
    assert room.seen[0].headers["User-Agent"].startswith(f"audiodigest/{__version__} ")


def test_a_private_address_is_refused_by_default(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    room = Newsroom()
    room.routes["/feed"], _ = feed_handler(rss(ITEMS))
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show",
                          source(f"http://127.0.0.1:{server.port}/feed", name="Literal")
                          + source(f"http://localhost:{server.port}/feed", name="Named"),
                          fetch="")
        assert fetch(show) == 5
    assert room.seen == []  # not one request reached the machine's own server
    err = capsys.readouterr().err
    assert "Literal: 127.0.0.1 is not a public address" in err
    assert "Named: localhost resolves to 127.0.0.1" in err


def test_a_redirect_to_a_private_address_is_refused(tmp_path: Path) -> None:
    # The policy holds on every hop: a public feed cannot redirect the fetcher inwards.
    with pytest.raises(http.FetchError, match="10.0.0.1 is not a public address"):
        http._check_url("http://10.0.0.1/admin", allow_private=False)
    with pytest.raises(http.FetchError, match="not an http"):
        http._check_url("file:///etc/passwd", allow_private=True)


def test_a_page_of_article_cards_reads_as_the_saved_page_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = DATA / "html_article_cards.html"
    room = Newsroom()
    room.routes["/news"], _ = feed_handler(page.read_bytes(), content_type="text/html")
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show",
                          source(f"http://127.0.0.1:{server.port}/news", name="Cards"))
        assert fetch(show) == 0
    saved = read(page).articles
    got = read(digest(show)).articles
    assert [(a.title, a.url) for a in got] == [(a.title, a.url) for a in saved]
    assert len(saved) >= 2
    assert f"Cards: {len(saved)} seen, {len(saved)} new, {len(saved)} used" in \
        capsys.readouterr().err


def test_a_refused_connection_is_retried_then_fails_the_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(Newsroom(), tmp_path) as server:
        port = server.port  # closed once the server stops: connections are refused
    show = write_show(tmp_path / "show", source(f"http://127.0.0.1:{port}/feed", name="Down"))
    started = time.monotonic()
    assert fetch(show) == 5
    assert time.monotonic() - started >= http.BACKOFF * 3 * 0.9  # two waits: 0.5 s and 1 s
    assert "Down: cannot connect" in capsys.readouterr().err


@pytest.mark.parametrize("day", ["2026-13-01", "tomorrow", "2026-1-1"])
def test_a_bad_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     day: str) -> None:
    show = write_show(tmp_path / "show", source("https://example.com/feed"))
    with pytest.raises(SystemExit) as caught:
        fetch(show, day)
    assert caught.value.code == 2
    assert f"--date: {day!r} is not a date (YYYY-MM-DD)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["feed_rss.xml", "feed_atom.atom", "jsonfeed_v11.json",
                                  "feed_wordpress_excerpt.rss", "html_hentry_classic.html",
                                  "html_article_cards.html"])
def test_a_url_reads_as_the_same_bytes_in_a_file_and_the_digest_reads_back_the_same(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """fetch -> digests/DATE.txt -> audiodigest read: the same titles, URLs and sources as
    reading the saved feed itself (served without an extension, by its Content-Type)."""
    body = (DATA / name).read_bytes()
    kind = {"xml": "application/rss+xml", "atom": "application/atom+xml",
            "json": "application/feed+json", "rss": "application/rss+xml",
            "html": "text/html"}[name.rsplit(".", 1)[1]]
    room = Newsroom()
    room.routes["/src"], _ = feed_handler(body, content_type=kind)
    with serve(room, tmp_path) as server:
        show = write_show(tmp_path / "show",
                          source(f"http://127.0.0.1:{server.port}/src", name="Served"))
        assert fetch(show) == 0
    capsys.readouterr()
    assert cli.main(["read", str(DATA / name), "--json"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert cli.main(["read", str(digest(show)), "--json"]) == 0
    back = json.loads(capsys.readouterr().out)

    def key(row: dict[str, object]) -> tuple[object, ...]:
        return (row["title"], row["url"], row["source"] or "Served", row["summary"])

    assert sorted(map(key, back)) == sorted(map(key, direct))
