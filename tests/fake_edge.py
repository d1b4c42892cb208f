"""A local stand-in for Microsoft's edge-tts websocket service, for tests.

edge-tts really connects to it (point ``edge_tts.communicate.WSS_URL`` at :attr:`FakeEdge.url`)
and gets the same message shapes as from the real service: ``turn.start``, word-boundary
``audio.metadata``, binary ``audio`` frames carrying MP3, ``turn.end``.

Each new connection takes the next behaviour from :attr:`FakeEdge.script` (then ``"ok"``):
``"ok"``; an HTTP status as a string (``"403"``, ``"429"``, ...) answered instead of the
websocket upgrade; ``"drop"`` (close the websocket half-way through the audio); ``"abort"``
(cut the TCP connection half-way); ``"noaudio"`` (end the turn without audio).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import uuid
from pathlib import Path

from aiohttp import WSMsgType, web

WORDS = ("Hello", "from", "the", "fake", "service")


def make_mp3(path: Path, seconds: float = 1.0, rate: int = 24000) -> bytes:
    """A sine tone encoded like the service's audio (24 kHz mono 48 kbit/s MP3, no Xing
    header) with the real ffmpeg."""
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", "-write_xing", "0", "-f", "mp3",
         str(path)],
        check=True,
    )
    return path.read_bytes()


def _text_message(path: str, body: str, request_id: str) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\n"
            f"Path:{path}\r\n\r\n{body}")


def _audio_frame(chunk: bytes, request_id: str) -> bytes:
    headers = (f"X-RequestId:{request_id}\r\nContent-Type:audio/mpeg\r\n"
               "X-StreamId:1\r\nPath:audio\r\n").encode()
    return len(headers).to_bytes(2, "big") + headers + chunk


class FakeEdge:
    """The fake service, running its own event loop on a background thread."""

    def __init__(self, mp3: bytes, chunk_size: int = 2048, delay: float = 0.0) -> None:
        self.mp3 = mp3
        self.chunk_size = chunk_size
        self.delay = delay  # seconds to wait before answering, to observe concurrency
        self.script: list[str] = []
        self.requests: list[str] = []  # the SSML of every synthesis request
        self.connections = 0
        self.active = 0
        self.max_active = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/consumer/speech/synthesize/readaloud/edge/v1?TrustedClientToken=x"

    def start(self) -> FakeEdge:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.connections += 1
        behaviour = self.script.pop(0) if self.script else "ok"
        if behaviour.isdigit():
            return web.Response(status=int(behaviour), text="refused by the fake")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT or "Path:ssml" not in msg.data:
                    continue
                self.requests.append(msg.data)
                if self.delay:
                    await asyncio.sleep(self.delay)
                if not await self._answer(ws, request, behaviour):
                    break
        finally:
            self.active -= 1
        return ws

    async def _answer(self, ws: web.WebSocketResponse, request: web.Request, behaviour: str) -> bool:
        rid = uuid.uuid4().hex
        await ws.send_str(_text_message("turn.start", "{}", rid))
        if behaviour != "noaudio":
            for i, word in enumerate(WORDS):
                meta = {"Metadata": [{"Type": "WordBoundary", "Data": {
                    "Offset": 1_000_000 + i * 1_500_000, "Duration": 1_200_000,
                    "text": {"Text": word, "Length": len(word), "BoundaryType": "WordBoundary"}}}]}
                await ws.send_str(_text_message("audio.metadata", json.dumps(meta), rid))
            chunks = [self.mp3[i:i + self.chunk_size] for i in range(0, len(self.mp3), self.chunk_size)]
            for i, chunk in enumerate(chunks):
                if i == len(chunks) // 2 and behaviour == "drop":
                    await ws.close()
                    return False
                if i == len(chunks) // 2 and behaviour == "abort":
                    assert request.transport is not None
                    request.transport.abort()
                    return False
                await ws.send_bytes(_audio_frame(chunk, rid))
        await ws.send_str(_text_message("turn.end", "{}", rid))
        return True
