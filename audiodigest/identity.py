"""Who the show is: its permanent ``podcast:guid``, its episodes' guids, and the placeholders
``audiodigest new`` writes until the producer replaces them.

The Podcasting 2.0 namespace says a show's guid is assigned once and follows the show when its
feed moves: it is the UUIDv5 of the feed URL when one is known, and a random UUID otherwise.
So it is worked out once and then kept in show.toml (``guid``), never computed again from a
``base_url`` that may change. Episode guids are derived from the show's guid, so two shows
never share one.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import tomllib
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from audiodigest.config import SHOW_FILE, ShowConfig
from audiodigest.errors import OutputError
from audiodigest.fsutil import atomic_write

log = logging.getLogger(__name__)

# What `audiodigest new` writes where only the producer knows the answer. A value still equal
# to one of these is a placeholder: builds warn about it, publishing refuses it.
PLACEHOLDERS: dict[str, str] = {
    "author": "Your Name",
    "owner.name": "Your Name",
    "owner.email": "you@example.com",
}
PLACEHOLDER_NOTE = "placeholder: replace before publishing"

_TABLE = re.compile(r"^\s*\[", re.MULTILINE)

# The namespace Podcasting 2.0 fixes for podcast:guid (UUIDv5 over the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def bare_feed_url(feed_url: str) -> str:
    """The feed URL without its scheme and trailing slashes, as podcast:guid hashes it.

    >>> bare_feed_url("https://podnews.net/rss/")
    'podnews.net/rss'
    """
    bare = feed_url.strip()
    if "://" in bare:
        bare = bare.split("://", 1)[1]
    return bare.rstrip("/")


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid`` of a feed: UUIDv5 of its URL without scheme.

    >>> podcast_guid("https://podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare_feed_url(feed_url)))


def is_local_url(url: str) -> bool:
    """True for a URL no listener can reach: loopback, unspecified or ``localhost``.

    >>> is_local_url("http://127.0.0.1:8000/"), is_local_url("https://pods.example.com/")
    (True, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _value(config: ShowConfig, key: str) -> str:
    target: object = config
    for part in key.split("."):
        target = getattr(target, part)
    return str(target)


def placeholders(config: ShowConfig) -> list[str]:
    """The settings still holding what ``new`` wrote for the producer to replace, by key."""
    return [key for key, value in PLACEHOLDERS.items() if _value(config, key) == value]


def publish_problems(config: ShowConfig) -> list[str]:
    """Why the show is not ready for an audience, one line each naming the key (empty: ready)."""
    problems = [f"{key} is still the placeholder {PLACEHOLDERS[key]!r}"
                for key in placeholders(config)]
    if is_local_url(config.base_url):
        problems.insert(0, f"base_url = {config.base_url!r} is only reachable from this machine;"
                           " set it to where the feed will be served (https://...)")
    return problems


def derived_guid(config: ShowConfig) -> str:
    """A new show's guid: UUIDv5 of its feed URL (as the spec derives it) when the show has a
    public ``base_url``, else a random UUID (a loopback URL is the same for every show)."""
    if is_local_url(config.base_url):
        return str(uuid.uuid4())
    return podcast_guid(config.feed_url)


def guid_line(guid: str) -> str:
    return (f"# The show's permanent podcast:guid: podcast apps follow the show by it. Never "
            f"change it, even when the feed moves.\nguid = \"{guid}\"\n")


def with_guid(config: ShowConfig) -> ShowConfig:
    """The config with its ``guid``: its own, or a new one (see :func:`derived_guid`) that
    :func:`record_guid` writes into show.toml once the build that used it has published."""
    return config if config.guid else config.model_copy(update={"guid": derived_guid(config)})


def record_guid(config: ShowConfig, notify: Callable[[str], None] = log.info) -> None:
    """Write ``config.guid`` into show.toml when the file has none yet.

    The line goes above the first table, where a top-level key must stand; nothing else in
    the file changes. When show.toml cannot be written, a warning says so and the next
    build tries again (with the same guid when it is derived from a public feed URL).
    """
    path = config.root / SHOW_FILE
    try:
        text = path.read_text(encoding="utf-8")
        if tomllib.loads(text).get("guid"):
            return
        table = _TABLE.search(text)
        at = table.start() if table else len(text)
        head = text[:at]
        if head and not head.endswith("\n"):
            head += "\n"
        atomic_write(path, head + guid_line(str(config.guid)) + ("\n" if table else "")
                     + text[at:])
        notify(f"note: {path}: gave the show its permanent podcast:guid = {config.guid}")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        notify(f"warning: {path}: cannot record the show's guid ({exc}); it is "
               f"{config.guid} for now")
    except OutputError as exc:
        notify(f"warning: cannot record the show's guid: {exc.one_line()}")


def episode_guid(show_guid: str, episode_id: str) -> str:
    """An episode's guid: UUIDv5 of its id within the show's guid (unique across shows).

    >>> episode_guid("b1c7f5a0-4f8e-4c5e-9d8e-2f1a3b4c5d6e", "2026-12-01")
    'e8281f1f-1ea2-544a-9aa2-efde2a1a2789'
    """
    return str(uuid.uuid5(uuid.UUID(show_guid), episode_id))
