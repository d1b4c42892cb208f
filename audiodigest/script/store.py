"""The editable script file on disk: render it once, and never lose an editor's changes.

A script lives at ``SCRIPTS/<episode-id>.md``. When the tool writes it, the front matter records

* ``generated: <sha256>`` — the hash of the script as written, i.e. of the canonical text of the
  script without the ``generated`` line itself (title, date, episode, other keys and body all
  count, so an editor who only retitles the episode is an editor too);
* ``digest: <hash>`` — the digest the script was rendered from.

On a rebuild (:func:`prepare_script`):

* no file: render and write it (``new``);
* the file still matches ``generated``: nobody edited it, so it is re-rendered (template and
  digest changes flow in) and written only if the bytes differ (``unchanged`` / ``rerendered``);
* edited: left alone and used as it is (``edited``), with a warning if the digest has changed;
* ``force``: the old file is copied to ``SCRIPTS/.backup/<id>.<UTC timestamp>.md`` (a new name
  every time) and the script is re-rendered (``rerendered``).

A script that does not parse is a ScriptError naming the file, line and column; it is never
silently replaced.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from audiodigest.config import ShowConfig
from audiodigest.errors import ScriptError
from audiodigest.fsutil import atomic_write, read_regular
from audiodigest.models import Article, Script
from audiodigest.script.format import parse_script, write_script
from audiodigest.script.render import render_script

logger = logging.getLogger(__name__)

GENERATED_KEY = "generated"
DIGEST_KEY = "digest"
BACKUP_DIR = ".backup"
_HASH_RE = re.compile(r"[0-9a-f]{64}")
MAX_SCRIPT_BYTES = 16 * 1024 * 1024  # an hour of narration is about 60 kB
DIGEST_CHANGED = ("the digest changed since this script was written; building the edited "
                  "script (use --force to re-render)")

State = Literal["new", "unchanged", "edited", "rerendered"]


@dataclass(frozen=True)
class ScriptOutcome:
    """What :func:`prepare_script` did, and the Script to build from."""

    path: Path
    script: Script
    state: State
    backup: Path | None = None
    warnings: tuple[str, ...] = ()


def script_path(config: ShowConfig, episode_id: str) -> Path:
    """Where the episode's editable script lives."""
    return config.path(config.scripts) / f"{episode_id}.md"


def _without(script: Script, *keys: str) -> Script:
    return replace(script, meta=tuple((k, v) for k, v in script.meta if k not in keys))


def fingerprint(script: Script) -> str:
    """sha256 of the script's canonical text, ignoring any ``generated`` key."""
    text = write_script(_without(script, GENERATED_KEY))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp(script: Script, digest_hash: str) -> Script:
    """The script with ``generated`` and ``digest`` recorded first in its front matter."""
    base = _without(script, GENERATED_KEY, DIGEST_KEY)
    with_digest = replace(base, meta=((DIGEST_KEY, digest_hash), *base.meta))
    return replace(with_digest, meta=((GENERATED_KEY, fingerprint(with_digest)),
                                      *with_digest.meta))


def is_generated(script: Script) -> bool:
    """True if the script is exactly as the tool wrote it (its ``generated`` hash matches)."""
    recorded = dict(script.meta).get(GENERATED_KEY)
    return recorded is not None and recorded == fingerprint(script)


def _hash_warnings(script: Script) -> tuple[str, ...]:
    """A warning if the recorded ``generated`` hash is not one (someone changed it): the script
    then counts as edited, the safe reading, but the user should know why it is not refreshed."""
    recorded = dict(script.meta).get(GENERATED_KEY)
    if recorded is None or _HASH_RE.fullmatch(recorded):
        return ()
    return (f"front matter '{GENERATED_KEY}' is not a hash audiodigest wrote; the script is "
            "treated as edited",)


def read_script_text(path: Path) -> str:
    """A script's text; one-line ScriptErrors for a missing, special, huge or non-UTF-8 file."""
    data = read_regular(path, MAX_SCRIPT_BYTES, "the script", ScriptError)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(f"the script is not UTF-8 text (byte {exc.start})", path=path) from None


def _read(path: Path) -> str | None:
    """The file's text, or None if it does not exist."""
    if not os.path.lexists(path):
        return None
    return read_script_text(path)


def script_state(path: Path) -> Literal["missing", "generated", "edited"]:
    """Whether the script file is absent, as generated, or edited by someone.

    Raises ScriptError (file, line, column) if the file exists but does not parse.
    """
    text = _read(path)
    if text is None:
        return "missing"
    return "generated" if is_generated(parse_script(text, path)) else "edited"


def _backup(path: Path, old: bytes, episode_id: str) -> Path:
    """Copy the old script to a new backup file; an existing backup is never overwritten."""
    folder = path.parent / BACKUP_DIR
    stem = f"{episode_id}.{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    target = folder / f"{stem}.md"
    n = 1
    while target.exists():
        target = folder / f"{stem}-{n}.md"
        n += 1
    atomic_write(target, old)
    logger.info("backed up %s to %s", path, target)
    return target


def recorded_number(config: ShowConfig, episode_id: str) -> int | None:
    """The episode number the episode's script already carries (``episode:``), if any.

    An episode keeps the number it was first built with, even after it was removed from the
    feed and built again. A missing or unreadable script gives None (the build reports a
    script that does not parse when it reads it properly).
    """
    text = _read(script_path(config, episode_id))
    if text is None:
        return None
    try:
        return parse_script(text).episode
    except ScriptError:
        return None


def prepare_script(config: ShowConfig, articles: Sequence[Article],
                   digest_hash: str, episode_id: str, *, episode_date: date,
                   number: int | None, force: bool = False,
                   dry_run: bool = False, digest_title: str | None = None,
                   digest_summary: str | None = None) -> ScriptOutcome:
    """Make sure the episode's script file exists and return the Script to build from.

    Never overwrites an edited script unless ``force`` (which backs it up first). Writes are
    atomic. Raises ScriptError for a template problem or an existing script that does not parse.
    ``dry_run`` reports the same outcome without writing anything (``backup`` is then None).
    """
    path = script_path(config, episode_id)
    rendered = stamp(render_script(articles, config, episode_date=episode_date, number=number,
                                   digest_title=digest_title, digest_summary=digest_summary),
                     digest_hash)
    text = write_script(rendered)
    old_text = _read(path)

    if old_text is None:
        if not dry_run:
            atomic_write(path, text)
            logger.info("wrote new script %s", path)
        return ScriptOutcome(path, rendered, "new")

    if force:
        if dry_run:
            return ScriptOutcome(path, rendered, "rerendered")
        backup = _backup(path, old_text.encode("utf-8"), episode_id)
        atomic_write(path, text)
        return ScriptOutcome(path, rendered, "rerendered", backup=backup)

    old = parse_script(old_text, path)
    if not is_generated(old):
        warnings = _hash_warnings(old)
        recorded = dict(old.meta).get(DIGEST_KEY)
        if recorded is not None and recorded != digest_hash:
            warnings += (DIGEST_CHANGED,)
        return ScriptOutcome(path, old, "edited", warnings=warnings)

    if old_text == text:
        return ScriptOutcome(path, rendered, "unchanged")
    if not dry_run:
        atomic_write(path, text)
        logger.info("refreshed unedited script %s", path)
    return ScriptOutcome(path, rendered, "rerendered")
