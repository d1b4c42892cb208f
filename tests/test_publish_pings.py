"""After publishing: the WebSub hub and Podcast Index are told (opt-in), against a real local
HTTP server; a hub that fails or never answers costs a warning line, never the publish. And
``serve`` answers a moved feed with 301."""

from __future__ import annotations

import asyncio
import http.client
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

from audiodigest import cli
from audiodigest.errors import ConfigError
from audiodigest.publish import pings, write_outputs
from audiodigest.publish.server import make_app
from tests.publish_support import Server, daily_records, make_config, write_episode_files

FEED = "https://podcasts.example.com/signal/feed.xml"


def ping_server(status: int = 204, delay: float = 0.0) -> tuple[web.Application, list]:
    """A hub (POST /hub) and a pubnotify endpoint (GET /pubnotify) recording what they got."""
    seen: list[tuple[str, str, dict[str, str]]] = []

    async def hub(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append(("hub", request.headers.get("Content-Type", ""),
                     {k: str(v) for k, v in form.items()}))
        await asyncio.sleep(delay)
        return web.Response(status=status)

    async def pubnotify(request: web.Request) -> web.Response:
        seen.append(("pubnotify", "", dict(request.query)))
        await asyncio.sleep(delay)
        return web.Response(status=status if status != 204 else 200, text="{}")

    app = web.Application()
    app.router.add_post("/hub", hub)
    app.router.add_get("/pubnotify", pubnotify)
    return app, seen


def show_with_pings(root: Path, port: int) -> Path:
    extra = (f'hub = "http://127.0.0.1:{port}/hub"\npodcastindex_ping = true\n'
             f'podcastindex_pubnotify = "http://127.0.0.1:{port}/pubnotify"\n')
    config = make_config(root, extra)
    out = root / "public"
    write_outputs(config, [write_episode_files(out, r) for r in daily_records(1)], out)
    return out


def publish(root: Path, dest: Path) -> int:
    return cli.main(["publish", str(root), "--to", str(dest)])


def test_feed_names_the_hub_beside_its_self_link(tmp_path: Path) -> None:
    out = show_with_pings(tmp_path / "show", 9)
    channel = etree.parse(str(out / "feed.xml")).find("channel")
    links = [(e.get("rel"), e.get("href")) for e in channel
             if e.tag == "{http://www.w3.org/2005/Atom}link"]
    assert links == [("self", FEED), ("hub", "http://127.0.0.1:9/hub")]


def test_a_hub_that_is_not_an_http_url_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hub"):
        make_config(tmp_path / "show", 'hub = "javascript:alert(1)"\n')


def test_publish_tells_the_hub_and_podcast_index(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    app, seen = ping_server()
    with Server(tmp_path, app=app) as server:
        show_with_pings(tmp_path / "show", server.port)
        assert publish(tmp_path / "show", tmp_path / "www") == 0
        assert sorted(seen) == [
            ("hub", "application/x-www-form-urlencoded",
             {"hub.mode": "publish", "hub.url": FEED}),
            ("pubnotify", "", {"url": FEED})]
        assert "warning" not in capsys.readouterr().err
        # Nothing changed: nobody is told again.
        assert publish(tmp_path / "show", tmp_path / "www") == 0
        assert len(seen) == 2


def test_a_failing_hub_costs_a_warning_not_the_publish(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app, seen = ping_server(status=500)
    with Server(tmp_path, app=app) as server:
        show_with_pings(tmp_path / "show", server.port)
        assert publish(tmp_path / "show", tmp_path / "www") == 0
    err = capsys.readouterr().err
    assert (tmp_path / "www" / "feed.xml").is_file()
    assert len(seen) == 2
    assert err.count("warning:") == 2 and "500" in err and "WebSub hub" in err \
        and "Podcast Index" in err


def test_a_hub_that_never_answers_times_out_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pings, "TIMEOUT", 0.5)
    app, _seen = ping_server(delay=2.0)
    with Server(tmp_path, app=app) as server:
        show_with_pings(tmp_path / "show", server.port)
        assert publish(tmp_path / "show", tmp_path / "www") == 0
    err = capsys.readouterr().err
    assert (tmp_path / "www" / "feed.xml").is_file()
    assert err.count("warning:") == 2
    assert "timed out" in err or "no answer within" in err


def test_an_unreachable_hub_costs_a_warning(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    show_with_pings(tmp_path / "show", 9)  # the discard port: nothing listens there
    assert publish(tmp_path / "show", tmp_path / "www") == 0
    assert capsys.readouterr().err.count("warning:") == 2


def test_no_ping_unless_asked(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show")
    assert pings.ping_all(config) == []


def test_serve_answers_a_moved_feed_with_301(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_outputs(make_config(tmp_path / "show"),
                  [write_episode_files(out, r) for r in daily_records(1)], out)
    new = "https://new.example.net/signal/feed.xml"
    with Server(out, app=make_app(out, new)) as server:
        for method in ("GET", "HEAD"):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request(method, "/feed.xml")
            response = conn.getresponse()
            response.read()
            conn.close()
            assert (response.status, response.getheader("Location")) == (301, new)
        status, _, _ = server.request("GET", "/episodes/2026-11-01/transcript.vtt")
        assert status == 200  # everything else is still served
    with Server(out) as server:  # not moved: the feed itself
        status, _, body = server.request("GET", "/feed.xml")
        assert status == 200 and body == (out / "feed.xml").read_bytes()
