"""Who may drive the studio: the page it served, from this machine (or with its token).

* Every request must name this server in ``Host`` (a loopback studio answers only to
  ``127.0.0.1``, ``localhost`` and ``[::1]`` at its port), which defeats DNS rebinding.
* A studio bound to another address requires the token it printed at start: as
  ``Authorization: Bearer TOKEN``, or once as ``?token=TOKEN`` on a page, which sets a cookie
  (``HttpOnly``, ``SameSite=Strict``) and redirects to the address without it.
* Every request that changes state or synthesizes (anything but GET and HEAD) must come from
  the studio's own origin: a browser's ``Origin`` header naming another site, or
  ``Sec-Fetch-Site: cross-site``, gets 403. Clients that send no ``Origin`` (scripts) pass.
* No response may be framed by another site, sniffed, or leak its address in a Referer.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import hdrs, web

COOKIE = "audiodigest_studio"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.1``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """The checks for a studio listening on ``host:port``."""

    host: str
    port: int
    token: str | None  # None: loopback, no token needed

    @classmethod
    def for_address(cls, host: str, port: int) -> Guard:
        return cls(host, port, None if is_loopback(host) else secrets.token_urlsafe(24))

    def host_allowed(self, value: str) -> bool:
        value = value.lower()
        if self.token is not None:  # reached by any name; the token is what counts
            return bool(value)
        names = {"127.0.0.1", "localhost", "::1", self.host.lower()}
        named = {f"[{n}]" if ":" in n else n for n in names}
        allowed = {f"{n}:{self.port}" for n in named}
        if self.port == 80:  # a browser leaves the default port out
            allowed |= named
        return value in allowed

    def _has_token(self, request: web.Request) -> bool:
        assert self.token is not None
        given = request.cookies.get(COOKIE, "")
        auth = request.headers.get(hdrs.AUTHORIZATION, "")
        if auth.startswith("Bearer "):
            given = auth[len("Bearer "):].strip()
        return hmac.compare_digest(given.encode(), self.token.encode())

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self.host_allowed(request.headers.get(hdrs.HOST, "")):
            raise _forbidden("this studio does not answer to that Host")
        if self.token is not None and not self._has_token(request):
            offered = request.query.get("token")
            if request.method == "GET" and offered is not None and \
                    hmac.compare_digest(offered.encode(), self.token.encode()):
                rest = [(k, v) for k, v in request.query.items() if k != "token"]
                redirect = web.HTTPSeeOther(str(request.rel_url.with_query(rest)))
                redirect.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
                raise redirect
            raise _forbidden("this studio needs the token it printed when it started")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get(hdrs.ORIGIN)
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                raise _forbidden(f"a request from {origin} may not change anything here")
            if request.headers.get("Sec-Fetch-Site") == "cross-site":
                raise _forbidden("a request from another site may not change anything here")
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; media-src 'self' blob:; "
                                    "frame-ancestors 'none'")
        return response


def _forbidden(message: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=json.dumps({"error": message}), content_type="application/json")
