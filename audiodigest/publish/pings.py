"""After a publish: tell a WebSub hub and Podcast Index that the feed changed (opt-in).

A ping is a courtesy: it has a short timeout and never fails the publish. Each failure (an
error status, a refused connection, no answer in time) is one warning line.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request

from audiodigest import __version__
from audiodigest.config import ShowConfig

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds per ping
_AGENT = f"audiodigest/{__version__}"


def _send(request: urllib.request.Request, timeout: float) -> str | None:
    """None if the server answered 2xx, else why not (one line)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(65536)
            return None
    except urllib.error.HTTPError as exc:
        return f"it answered {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        return f"cannot reach it: {exc.reason}"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return f"cannot reach it: {exc.strerror or exc}"


def ping_all(config: ShowConfig, *, timeout: float | None = None) -> list[str]:
    """Send the pings show.toml asks for (each waiting at most ``timeout`` seconds, default
    :data:`TIMEOUT`); return one warning line per failed ping."""
    timeout = TIMEOUT if timeout is None else timeout
    feed_url = config.feed_url  # the feed this publish put up
    warnings: list[str] = []
    headers = {"User-Agent": _AGENT}
    if config.hub:
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()
        request = urllib.request.Request(
            config.hub, data=body, method="POST",
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        why = _send(request, timeout)
        if why:
            warnings.append(f"warning: the WebSub hub {config.hub} was not told of the new "
                            f"feed ({why}); the feed is published")
    if config.podcastindex_ping:
        base = config.podcastindex_pubnotify
        url = base + ("&" if "?" in base else "?") + urllib.parse.urlencode({"url": feed_url})
        why = _send(urllib.request.Request(url, headers=headers), timeout)
        if why:
            warnings.append(f"warning: Podcast Index ({base}) was not told of the new feed "
                            f"({why}); the feed is published")
    for line in warnings:
        log.debug(line)
    return warnings
