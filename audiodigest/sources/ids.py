"""Stable article ids.

An article's id names its cached audio and its chapter, so it must not change when a digest is
re-exported with different whitespace or a newsletter adds tracking parameters to its links.
The id comes from the normalised URL when there is one, else from the normalised title, and is
a short hex digest so it is safe in file names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the article.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})
DEFAULT_PORTS = {"http": 80, "https": 443}
ID_HEX_CHARS = 16

_PORT = re.compile(r":(\d*)$")


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def _port_number(port: str) -> int | None:
    try:
        return int(port)
    except ValueError:  # absurdly long digit strings exceed int()'s limit
        return None


def normalise_url(url: str) -> str:
    """The URL in a canonical form: the same article gives the same string.

    Lower-cases the scheme and host, drops a default port, the fragment, trailing slashes of
    the path and tracking parameters (``utm_*``, ``fbclid``, ...), and sorts the remaining query
    parameters. A string that does not parse as a URL comes back stripped.

    >>> normalise_url(" HTTPS://Example.COM:443/a/b/?utm_source=x&b=2&a=1#top ")
    'https://example.com/a/b?a=1&b=2'
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host = hostport
    match = _PORT.search(hostport)
    # An IPv6 literal ends in "]", so a trailing ":digits" is always a port here.
    if match and not hostport.endswith("]"):
        host = hostport[: match.start()]
        port = match.group(1)
        if port and _port_number(port) != DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port.lstrip('0') or '0'}"
    netloc = host.lower()
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = parts.path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def normalise_title(title: str) -> str:
    """The title folded for comparison: NFKC, case-folded, whitespace collapsed.

    >>> normalise_title("  The  ＤelTA\\tModel ")
    'the delta model'
    """
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def article_id(url: str | None, title: str) -> str:
    """A stable, file-name-safe id: 16 hex digits of SHA-256.

    Taken from the normalised URL when ``url`` is non-blank, else from the normalised title;
    the two are hashed in separate namespaces so a title can never collide with a URL.
    """
    if url is not None and url.strip():
        key = "url:" + normalise_url(url)
    else:
        key = "title:" + normalise_title(title)
    # surrogatepass: ids must never fail, even for text that cannot be stored as UTF-8.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:ID_HEX_CHARS]
