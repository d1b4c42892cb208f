"""Apple Podcasts categories: the list (packaged data) and the check of a ``category`` setting.

Its own module so that both the settings (:mod:`audiodigest.config`, which validates the value at
load time) and the feed (:mod:`audiodigest.publish.feed`, which writes ``itunes:category``) can use
it without importing each other.
"""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from audiodigest.errors import ConfigError

_DATA_FILE = "apple_categories.toml"


@cache
def apple_categories() -> dict[str, tuple[str, ...]]:
    """Apple's podcast categories: parent -> its subcategories (``audiodigest/data``)."""
    text = resources.files("audiodigest").joinpath("data", _DATA_FILE).read_text("utf-8")
    raw = tomllib.loads(text)["categories"]
    return {parent: tuple(children) for parent, children in raw.items()}


def parse_category(value: str, *, source: str | Path | None = None) -> tuple[str, str | None]:
    """Split ``"Parent > Child"`` and check it against Apple's list; return the canonical names.

    Letter case and spacing are forgiven; anything else unknown raises :class:`ConfigError`
    naming the setting ``category`` and the closest valid choices.

    >>> parse_category("news >  tech news")
    ('News', 'Tech News')
    """
    parts = [" ".join(p.split()) for p in value.split(">")]
    table = apple_categories()
    by_lower = {p.lower(): p for p in table}
    every = [p for p in table] + [f"{p} > {c}" for p, cs in table.items() for c in cs]
    if 1 <= len(parts) <= 2 and parts[0].lower() in by_lower:
        parent = by_lower[parts[0].lower()]
        if len(parts) == 1:
            return parent, None
        children = {c.lower(): c for c in table[parent]}
        if parts[1].lower() in children:
            return parent, children[parts[1].lower()]
    close = difflib.get_close_matches(" > ".join(parts), every, n=3, cutoff=0.5)
    if not close:  # a bare subcategory name ("Tech News") deserves its parent as a hint
        close = [e for e in every if e.lower().endswith("> " + parts[-1].lower())][:3]
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else (
        "; see Apple's list of podcast categories")
    raise ConfigError(f"bad value for 'category': {value!r} is not an Apple Podcasts "
                      f"category{hint}", path=source)
