"""A real studio on 127.0.0.1 in a background thread, for the studio tests."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
from pathlib import Path
from typing import Any

from aiohttp import web

from audiodigest.studio.app import STUDIO, Studio, make_app
from audiodigest.studio.security import Guard


class StudioServer:
    """``make_app(show)`` on a free port of 127.0.0.1; ``guard_host`` pretends another bind
    address (e.g. ``0.0.0.0``) for the guard, to test the token without leaving loopback;
    ``warm=False`` leaves the voices unloaded until a preview needs them."""

    def __init__(self, show: Path, guard_host: str = "127.0.0.1", warm: bool = True) -> None:
        self.show = show
        self.warm = warm
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.guard = Guard.for_address(guard_host, self.port)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.app: web.Application | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def studio(self) -> Studio:
        assert self.app is not None
        return self.app[STUDIO]

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.app = make_app(self.show, self.guard, warm=self.warm)
        runner = web.AppRunner(self.app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.SockSite(runner, self.sock).start())
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> StudioServer:
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """One request with a real HTTP client; a non-bytes body is sent as JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def events(self, path: str, timeout: float = 300) -> list[tuple[str, dict[str, Any]]]:
        """POST ``path`` and read its server-sent events to the end of the stream."""
        status, headers, body = self.request("POST", path, timeout=timeout)
        assert status == 200, body
        assert headers["content-type"].startswith("text/event-stream")
        out = []
        for raw in body.decode().split("\n\n"):
            if raw.strip():
                fields = dict(line.split(": ", 1) for line in raw.splitlines())
                out.append((fields["event"], json.loads(fields["data"])))
        return out
