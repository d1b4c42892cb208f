"""Downloading a source politely and safely: one GET with everything a feed host expects.

aiohttp, not httpx: it is already a dependency (edge-tts runs on it), so the fetcher adds no
package, and its resolver hook lets one check every address a connection is about to use,
redirects and DNS answers included, which is what keeps a feed from pointing the fetcher at
this machine's own services. The rules (:func:`get`):

* only ``http`` and ``https``, on every hop; redirects followed by hand, at most
  :data:`MAX_REDIRECTS`, a loop refused;
* loopback, private, link-local and other non-public addresses refused unless allowed, for
  IP literals here and for names in the resolver, after resolution (so DNS cannot smuggle one);
* a timeout per attempt; retries with exponential backoff on connection errors, 429 and 5xx,
  waiting what ``Retry-After`` asks (up to :data:`MAX_RETRY_AFTER`);
* conditional GET (``If-None-Match`` / ``If-Modified-Since``): a 304 downloads no body;
* gzip/deflate accepted, and a limit on the body as it arrives, after decompression (a
  declared ``Content-Length`` over the limit is refused before any of the body is read);
* a User-Agent naming audiodigest and its version.

Every failure is a :class:`FetchError` with a one-line reason; aiohttp's exceptions stay here.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from audiodigest import __version__
from audiodigest.errors import AudioDigestError
from audiodigest.sources.common import MAX_DIGEST_BYTES
from audiodigest.urls import safe_url

log = logging.getLogger(__name__)

USER_AGENT = f"audiodigest/{__version__} (podcast digest fetcher)"
# What a source may be, in the order the readers prefer it.
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, "
          "text/plain;q=0.7, */*;q=0.5")
MAX_REDIRECTS = 5
ATTEMPTS = 3  # one try and two retries
BACKOFF = 0.5  # seconds before the first retry, doubled for each next one
MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait is not waited for
MAX_BYTES = MAX_DIGEST_BYTES  # a URL is read like a file: the same limit as a digest file
_MB = 1024 * 1024
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})


class FetchError(AudioDigestError):
    """A source could not be downloaded; ``message`` says why in one line."""


class _Refused(OSError):
    """An address the policy refuses (raised inside the resolver, seen here)."""


@dataclass(frozen=True)
class Validators:
    """What the last response said about its version, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Response:
    """A finished download: ``body`` is None when the server said 304 Not Modified."""

    url: str  # where the body came from, after redirects
    body: bytes | None
    validators: Validators
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


def public_address(address: str) -> bool:
    """True for an address on the public internet (not loopback, private, link-local, ...).

    >>> public_address("93.184.216.34"), public_address("127.0.0.1"), public_address("10.1.2.3")
    (True, False, False)
    >>> public_address("::ffff:127.0.0.1"), public_address("169.254.169.254")
    (False, False)
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _GuardedResolver(AbstractResolver):
    """The system resolver, keeping only public addresses (all of them refused: an error)."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        public = [answer for answer in answers if public_address(answer["host"])]
        if not public:
            shown = ", ".join(sorted({answer["host"] for answer in answers})) or "nothing"
            raise _Refused(f"{host} resolves to {shown}, not a public address "
                           "(set [fetch] allow_private_addresses = true for an intranet feed)")
        return public

    async def close(self) -> None:
        await self._inner.close()


def session(timeout: float, allow_private: bool) -> aiohttp.ClientSession:
    """A client session for :func:`get`; close it when done (``async with``)."""
    connector = aiohttp.TCPConnector(
        limit_per_host=4, resolver=None if allow_private else _GuardedResolver())
    return aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False,
        # Cookies from one feed must not travel to another.
        cookie_jar=aiohttp.DummyCookieJar())


def _check_url(url: str, allow_private: bool) -> str:
    if safe_url(url) != url:
        raise FetchError(f"{url!r} is not an http:// or https:// URL")
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return url  # a name: the resolver checks what it resolves to
    if not allow_private and not public_address(host):
        raise FetchError(f"{host} is not a public address (set [fetch] "
                         "allow_private_addresses = true for an intranet feed)")
    return url


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number or an HTTP date), or None.

    >>> retry_after("3"), retry_after("soon")
    (3.0, None)
    >>> retry_after("Tue, 01 Dec 2026 12:00:10 GMT", datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC))
    10.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


async def _read_body(response: aiohttp.ClientResponse, limit: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > limit:
        raise FetchError(f"the body is {declared / _MB:.1f} MB; at most {limit / _MB:.0f} MB "
                         "is read")
    parts: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:  # no length given, or more arrived (after decompression) than declared
            raise FetchError(f"the body is over {limit / _MB:.0f} MB; at most that is read")
        parts.append(chunk)
    return b"".join(parts)


async def _once(client: aiohttp.ClientSession, url: str, headers: dict[str, str],
                allow_private: bool, limit: int) -> Response:
    """One attempt: the redirects followed by hand, each hop checked."""
    seen = {url}
    for _ in range(MAX_REDIRECTS + 1):
        _check_url(url, allow_private)
        async with client.get(url, headers=headers, allow_redirects=False) as response:
            status = response.status
            if status in _REDIRECT_STATUS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location header")
                url = urljoin(url, location)
                if url in seen:
                    raise FetchError(f"a redirect loop (back to {url})")
                seen.add(url)
                continue
            if status == 304:
                return Response(url, None, _validators(response, headers))
            if status == 429 or 500 <= status <= 599:
                raise _Retry(f"HTTP {status} {response.reason or ''}".strip(),
                             retry_after(response.headers.get("Retry-After")))
            if status != 200:
                raise FetchError(f"HTTP {status} {response.reason or ''}".strip())
            body = await _read_body(response, limit)
            return Response(url, body, _validators(response, {}),
                            response.headers.get("Content-Type"))
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _validators(response: aiohttp.ClientResponse, sent: dict[str, str]) -> Validators:
    # A 304 may leave out the validators; the ones sent still name the version we hold.
    return Validators(response.headers.get("ETag") or sent.get("If-None-Match"),
                      response.headers.get("Last-Modified") or sent.get("If-Modified-Since"))


async def get(client: aiohttp.ClientSession, url: str, known: Validators | None = None, *,
              allow_private: bool = False, limit: int = MAX_BYTES,
              attempts: int = ATTEMPTS, backoff: float = BACKOFF) -> Response:
    """GET ``url`` with ``client`` (from :func:`session`), following the module's rules.

    ``known`` are the validators of the copy held: with them an unchanged resource answers
    304 and :attr:`Response.body` is None. Raises :class:`FetchError` with the reason.
    """
    headers: dict[str, str] = {}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    reason = ""
    for attempt in range(1, attempts + 1):
        wait = backoff * 2 ** (attempt - 1)
        try:
            return await _once(client, url, headers, allow_private, limit)
        except _Retry as exc:
            reason = exc.reason
            if exc.wait is not None:
                if exc.wait > MAX_RETRY_AFTER:
                    raise FetchError(f"{reason}; the server asks to wait {exc.wait:.0f} s, "
                                     f"more than {MAX_RETRY_AFTER:.0f} s") from None
                wait = max(wait, exc.wait)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, _Refused):
                raise FetchError(str(exc.os_error)) from None
            reason = f"cannot connect: {exc.os_error.strerror or exc.os_error}"
        except TimeoutError:
            reason = f"no complete answer within {_seconds(client)} s"
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError,
                aiohttp.ClientOSError) as exc:
            reason = f"the connection failed: {exc}"
        except aiohttp.InvalidURL as exc:
            raise FetchError(f"not a URL the fetcher can use: {exc}") from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from None
        if attempt < attempts:
            log.info("%s: %s; trying again in %.1f s", url, reason, wait)
            await asyncio.sleep(wait)
    raise FetchError(f"{reason} (after {attempts} attempts)")


def _seconds(client: aiohttp.ClientSession) -> Any:
    total = client.timeout.total
    return f"{total:g}" if total is not None else "?"
