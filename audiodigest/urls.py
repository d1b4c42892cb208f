"""The one URL policy: which links the tool writes into anything it publishes.

Every URL that reaches the feed, the pages, the JSON chapters, the ID3 tags or the
transcripts goes through :func:`safe_url`, and show.toml's URL settings are checked by
:func:`check_setting_url` when the file is loaded. A URL from a digest or a script is untrusted:
a ``javascript:`` or ``data:`` link would run code in a browser or a podcast app that shows it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

SCHEMES = ("http", "https")


def _clean(url: str) -> bool:
    # Control, format and separator characters are refused rather than removed: browsers drop
    # some of them inside a scheme ("java\tscript:"), so removing them here could make one.
    return not any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url)


def safe_url(url: str | None, *, relative: bool = False) -> str | None:
    """``url`` (without surrounding whitespace) if it may be written, else None.

    Allowed: an absolute ``http`` or ``https`` URL with a host; with ``relative``, also a
    relative reference (no scheme, not ``//host``) for formats that resolve one against
    their own address (HTML pages).

    >>> safe_url("https://example.com/a?b=1"), safe_url("javascript:alert(1)//")
    ('https://example.com/a?b=1', None)
    >>> safe_url("JavaScript:x"), safe_url("http:/nohost"), safe_url("//evil.example/x")
    (None, None, None)
    >>> safe_url("episodes/x/", relative=True), safe_url("//evil.example/x", relative=True)
    ('episodes/x/', None)
    """
    if not url:
        return None
    url = url.strip()
    if not url or not _clean(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an invalid IPv6 literal or port
        return None
    if parts.scheme:
        return url if parts.scheme.lower() in SCHEMES and host else None
    if relative and not url.startswith(("//", "\\", "/\\")) and ":" not in url.split("/")[0]:
        return url
    return None


def check_setting_url(value: str | None) -> str | None:
    """A show.toml URL setting: ``value`` if :func:`safe_url` allows it, else ValueError (the
    settings loader names the key)."""
    if value is None:
        return None
    if safe_url(value) != value:
        raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
    return value
