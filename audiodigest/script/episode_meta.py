"""Front-matter keys that describe the episode in the feed, not what is said.

A script may carry, besides ``title``/``date``/``episode``::

    season: 2
    episode_type: bonus
    guests: Ada Lovelace; Alan Turing

They stay in ``Script.meta`` (so the script round-trips unchanged) and are checked when the
script is read (:func:`meta_problem`, called by the parser with the line at hand) and read by
:func:`episode_meta`. None of them shapes the audio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from audiodigest.errors import ScriptError

EPISODE_TYPES = ("full", "trailer", "bonus")
MAX_SEASON = 999_999_999
MAX_GUESTS = 32
MAX_NAME = 128

EpisodeType = Literal["full", "trailer", "bonus"]

_SEASON_RE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class EpisodeMeta:
    """What the script's front matter says about the episode for the feed."""

    season: int | None = None
    episode_type: EpisodeType | None = None
    guests: tuple[str, ...] = ()


def _guests(value: str) -> tuple[str, ...]:
    if not value.strip():
        return ()
    return tuple(" ".join(name.split()) for name in value.split(";"))


def meta_problem(key: str, value: str) -> str | None:
    """Why ``key: value`` is not a valid front-matter line, or None (unknown keys are free).

    >>> meta_problem("season", "two"), meta_problem("season", "2")
    ("expected a whole season number from 1 to 999999999, not 'two'", None)
    """
    if key == "season":
        if not _SEASON_RE.fullmatch(value) or not 1 <= int(value) <= MAX_SEASON:
            return f"expected a whole season number from 1 to {MAX_SEASON}, not {value!r}"
    elif key == "episode_type":
        if value not in EPISODE_TYPES:
            return f"expected an episode type {', '.join(EPISODE_TYPES)}, not {value!r}"
    elif key == "guests":
        names = _guests(value)
        if any(not name for name in names):
            return "expected guest names separated by ';', e.g. 'Ada Lovelace; Alan Turing' " \
                   "(a name is empty)"
        if len(names) > MAX_GUESTS:
            return f"expected at most {MAX_GUESTS} guests, not {len(names)}"
        if long := next((n for n in names if len(n) > MAX_NAME), None):
            return f"the guest name {long[:20]!r}... is longer than {MAX_NAME} characters"
    return None


def episode_meta(meta: tuple[tuple[str, str], ...]) -> EpisodeMeta:
    """The feed's episode details from a (checked) script's ``meta``."""
    values = dict(meta)
    for key, value in values.items():
        if problem := meta_problem(key, value):
            raise ScriptError(f"front matter {key!r}: {problem}")
    season = values.get("season")
    kind = values.get("episode_type")
    return EpisodeMeta(season=int(season) if season is not None else None,
                       episode_type=cast(EpisodeType, kind) if kind is not None else None,
                       guests=_guests(values.get("guests", "")))
