"""The preview server, exercised over real HTTP on 127.0.0.1 the way podcast apps use a host."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.publish_support import Server, sine_mp3

MP3 = "episodes/2026-11-27/2026-11-27.mp3"


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("public")
    files = {
        "feed.xml": b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>",
        "index.html": b"<!doctype html><title>home</title>",
        MP3: sine_mp3(),
        "episodes/2026-11-27/episode.m4a": b"\x00" * 64,
        "episodes/2026-11-27/chapters.json": b'{"version": "1.2.0", "chapters": []}',
        "episodes/2026-11-27/chapters-abc123.json": b'{"version": "1.2.0", "chapters": []}',
        "episodes/2026-11-27/transcript.json": b'{"version": "1.0.0", "segments": []}',
        "episodes/2026-11-27/transcript.vtt": b"WEBVTT\n",
        "episodes/2026-11-27/transcript.srt": b"1\n",
        "episodes/2026-11-27/index.html": b"<!doctype html><title>episode</title>",
        "assets/style.css": b"body{}",
        "cover-0123abcd.png": b"\x89PNG fake",
        ".audiodigest-published.json": b"{}",
        ".git/config": b"[core]",
        "empty/keep.txt": b"x",
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "empty" / "keep.txt").unlink()  # a folder without index.html
    secret = root.parent / "secret.txt"
    secret.write_text("do not serve")
    os.symlink(secret, root / "leak.txt")
    return root


@pytest.fixture(scope="module")
def server(site_root: Path) -> Iterator[Server]:
    with Server(site_root) as srv:
        yield srv


def test_range_requests_get_206_with_content_range(server: Server, site_root: Path) -> None:
    data = (site_root / MP3).read_bytes()
    size = len(data)
    for header, start, end in [("bytes=0-99", 0, 99), ("bytes=100-", 100, size - 1),
                               ("bytes=-100", size - 100, size - 1),
                               (f"bytes=10-{size + 500}", 10, size - 1)]:
        status, headers, body = server.request("GET", "/" + MP3, {"Range": header})
        assert status == 206, header
        assert headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert body == data[start:end + 1]
        assert headers["content-type"] == "audio/mpeg"


def test_full_get_advertises_ranges_and_validators(server: Server, site_root: Path) -> None:
    status, headers, body = server.request("GET", "/" + MP3)
    assert status == 200
    assert body == (site_root / MP3).read_bytes()
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"] and headers["last-modified"]
    assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=-0"])
def test_unsatisfiable_ranges_get_416(server: Server, site_root: Path, header: str) -> None:
    size = (site_root / MP3).stat().st_size
    status, headers, _ = server.request("GET", "/" + MP3, {"Range": header})
    assert status == 416
    assert headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=50-10", "bytes=abc"])
def test_ranges_we_cannot_or_must_not_honour_give_the_whole_file(
        server: Server, site_root: Path, header: str) -> None:
    status, _headers, body = server.request("GET", "/" + MP3, {"Range": header})
    assert status == 200
    assert body == (site_root / MP3).read_bytes()


def test_if_range_with_a_stale_etag_gives_the_whole_file(server: Server) -> None:
    _, headers, _ = server.request("HEAD", "/" + MP3)
    status, _, body = server.request("GET", "/" + MP3, {"Range": "bytes=0-9",
                                                        "If-Range": headers["etag"]})
    assert status == 206 and len(body) == 10
    status, _, body = server.request("GET", "/" + MP3, {"Range": "bytes=0-9",
                                                        "If-Range": '"stale-etag"'})
    assert status == 200 and len(body) > 10


def test_head_gives_headers_without_a_body(server: Server, site_root: Path) -> None:
    status, headers, body = server.request("HEAD", "/" + MP3)
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == (site_root / MP3).stat().st_size
    assert headers["content-type"] == "audio/mpeg"


def test_conditional_gets_answer_304(server: Server, site_root: Path) -> None:
    _, headers, _ = server.request("GET", "/feed.xml")
    status, _, body = server.request("GET", "/feed.xml", {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    status, _, _ = server.request("GET", "/feed.xml", {"If-None-Match": '"other"'})
    assert status == 200
    later = formatdate((site_root / "feed.xml").stat().st_mtime + 60, usegmt=True)
    status, _, body = server.request("GET", "/feed.xml", {"If-Modified-Since": later})
    assert status == 304 and body == b""
    earlier = formatdate(time.time() - 86400 * 400, usegmt=True)
    status, _, _ = server.request("GET", "/feed.xml", {"If-Modified-Since": earlier})
    assert status == 200


@pytest.mark.parametrize(("path", "kind"), [
    ("/feed.xml", "application/rss+xml"),
    ("/" + MP3, "audio/mpeg"),
    ("/episodes/2026-11-27/episode.m4a", "audio/x-m4a"),
    ("/episodes/2026-11-27/chapters.json", "application/json+chapters"),
    ("/episodes/2026-11-27/chapters-abc123.json", "application/json+chapters"),
    ("/episodes/2026-11-27/transcript.json", "application/json"),
    ("/episodes/2026-11-27/transcript.vtt", "text/vtt"),
    ("/episodes/2026-11-27/transcript.srt", "application/x-subrip"),
    ("/index.html", "text/html"),
    ("/assets/style.css", "text/css"),
    ("/cover-0123abcd.png", "image/png"),
])
def test_content_types(server: Server, path: str, kind: str) -> None:
    status, headers, _ = server.request("GET", path)
    assert status == 200
    assert headers["content-type"].split(";")[0] == kind


def test_folders_serve_their_index_page(server: Server) -> None:
    status, _, body = server.request("GET", "/")
    assert status == 200 and b"home" in body
    status, _, body = server.request("GET", "/episodes/2026-11-27/")
    assert status == 200 and b"episode" in body
    status, headers, _ = server.request("GET", "/episodes/2026-11-27")
    assert status == 301 and headers["location"] == "/episodes/2026-11-27/"


@pytest.mark.parametrize("path", [
    "/missing.mp3",
    "/empty/",  # a folder without index.html: no listing
    "/episodes/",
    "/../secret.txt",
    "/episodes/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/episodes%2F2026-11-27%2Fchapters.json",
    "/..%5csecret.txt",
    "//etc/passwd",
    "/" + "/".join([".."] * 12) + "/etc/passwd",
    "/.audiodigest-published.json",
    "/.git/config",
    "/leak.txt",  # a symlink pointing out of the folder
    "/feed.xml%00.png",
])
def test_nothing_outside_the_folder_or_hidden_is_served(server: Server, path: str) -> None:
    status, _, body = server.request("GET", path)
    assert status == 404, path
    assert b"do not serve" not in body and b"root:" not in body and b"[core]" not in body


def test_absolute_form_request_target_cannot_escape(server: Server) -> None:
    status, _, body = server.request("GET", "http://127.0.0.1/../secret.txt")
    assert status in (400, 404)
    assert b"do not serve" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_writing_methods_are_refused_with_405(server: Server, site_root: Path,
                                              method: str) -> None:
    before = (site_root / "feed.xml").read_bytes()
    status, headers, _ = server.request(method, "/feed.xml", body=b"<rss/>")
    assert status == 405
    assert "GET" in headers.get("allow", "")
    assert (site_root / "feed.xml").read_bytes() == before


@pytest.mark.parametrize("path", ["//episodes/2026-11-27", "///episodes/2026-11-27",
                                  "//episodes//2026-11-27?next=//evil.example/"])
def test_redirects_stay_on_this_server(server: Server, path: str) -> None:
    status, headers, _ = server.request("GET", path)
    assert status == 301
    location = headers["location"]
    assert location.startswith("/episodes/2026-11-27/")
    assert not location.startswith("//")  # '//host/...' would leave for another host


def test_ranges_are_answered_cleanly_on_one_kept_alive_connection(
        server: Server, site_root: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every kind of Range a client may send gets a proper answer, no traceback on the server,
    and the client goes on using the same connection."""
    import http.client

    data = (site_root / MP3).read_bytes()
    size = len(data)
    _, head, _ = server.request("HEAD", "/" + MP3)
    cases = [
        ({"Range": "bytes=0-1,2-3"}, 200, data),
        ({"Range": "items=0-1"}, 200, data),
        ({"Range": "bytes=100-10"}, 200, data),
        ({"Range": "bytes=0-9", "If-Range": '"stale"'}, 200, data),
        ({"Range": "bytes=0-9", "If-Range": "Tue, 01 Jan 1980 00:00:00 GMT"}, 200, data),
        ({"Range": "bytes=0-9", "If-Range": head["etag"]}, 206, data[:10]),
        ({"Range": "bytes=0-9", "If-Range": head["last-modified"]}, 206, data[:10]),
        ({"Range": "bytes=0-" + "9" * 4400}, 200, data),
        ({"Range": "bytes=" + "0" * 4400 + "1-"}, 200, data),
        ({"Range": "bytes=10-" + "9" * 40}, 206, data[10:]),
        ({"Range": "bytes=" + "9" * 40 + "-"}, 416, b""),
        ({"Range": "bytes=-" + "9" * 40}, 206, data),
        ({"Range": f"bytes={size}-"}, 416, b""),
        ({"Range": "bytes=-0"}, 416, b""),
    ]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    caplog.set_level("ERROR")
    try:
        conn.connect()
        sock = conn.sock
        for headers, status, body in cases:
            conn.request("GET", "/" + MP3, headers=headers)
            resp = conn.getresponse()
            got = resp.read()
            assert resp.status == status, headers
            assert got == body, headers
            if status == 416:
                assert resp.getheader("Content-Range") == f"bytes */{size}"
            assert not resp.will_close, headers
            # The same connection answers the next request.
            conn.request("GET", "/feed.xml")
            follow = conn.getresponse()
            assert follow.status == 200 and follow.read().startswith(b"<?xml"), headers
            assert conn.sock is sock, f"the connection was dropped after {headers}"
    finally:
        conn.close()
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
