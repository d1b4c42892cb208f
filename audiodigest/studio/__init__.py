"""The studio: edit an episode's script in the browser and hear each sentence as it changes.

    plan          the one door into the build (the spoken plan, speech jobs, the build)
    document      the script as the API's JSON, its version (ETag), what changed
    voices        the resident engine: voices kept loaded, previews through the segment cache
    security      Host, Origin and token checks
    lexicon_file  adding entries to the show's lexicon
    app           the pages, the JSON API, previews and builds (server-sent events)
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from audiodigest.errors import UserError


def serve_studio(show_dir: Path, host: str = "127.0.0.1", port: int = 8765,
                 say: Callable[[str], None] = print) -> None:
    """Serve the studio of ``show_dir`` on ``host:port`` (0: any free port) until Ctrl-C or
    SIGTERM; ``say`` gets the address to open (with the token when one is needed)."""
    from aiohttp import web

    from audiodigest.studio.app import make_app
    from audiodigest.studio.security import Guard

    # Bind first: the guard must know the port (``--port 0`` picks one) before any request.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    bound = sock.getsockname()[1]
    guard = Guard.for_address(host, bound)

    async def main() -> None:
        runner = web.AppRunner(make_app(show_dir, guard), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        shown = f"[{host}]" if ":" in host else host
        token = f"?token={guard.token}" if guard.token else ""
        say(f"studio for {show_dir} at http://{shown}:{bound}/{token}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())


__all__ = ["serve_studio"]
