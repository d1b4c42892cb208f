"""The sources and script stages of a build: read the digest, then render, refresh or keep
the episode's script (see :mod:`audiodigest.script.store`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from audiodigest.config import ShowConfig
from audiodigest.fsutil import sha256_file
from audiodigest.models import EpisodeRecord
from audiodigest.paths import ShowPaths

if TYPE_CHECKING:
    from audiodigest.script.store import ScriptOutcome

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


def episode_id_for(digest: Path) -> str:
    """The episode id is the digest's name without its extensions (``2026-12-01.rss.xml`` is
    ``2026-12-01``), made safe as a folder and file name."""
    from audiodigest.sources import digest_stem

    stem = _SAFE_ID.sub("-", digest_stem(digest)).strip("-._")
    return stem[:80] or "episode"


def episode_date_for(digest: Path, today: date | None = None) -> date:
    """A digest named like a date (``2026-11-27.txt``) is that day's episode; else today."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", digest.stem)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return today or datetime.now(UTC).date()


@dataclass(frozen=True)
class ScriptStage:
    """What the sources and script stages hand on: the episode and its (possibly edited) script."""

    episode_id: str
    records: list[EpisodeRecord]  # the published index as it was
    existing: EpisodeRecord | None  # this episode's published record, if any
    number: int
    outcome: ScriptOutcome


def script_stage(config: ShowConfig, paths: ShowPaths, digest: Path | None = None, *,
                 force: bool = False, dry_run: bool = False,
                 notify: Callable[[str], None] = log.warning) -> ScriptStage:
    """sources -> script: read ``digest`` (default: the newest in the show's digest folder)
    and render, refresh or keep the episode's script.

    With ``dry_run`` nothing is written; the outcome says what a build would do.
    """
    from audiodigest.publish.index import load_index, next_number
    from audiodigest.script.store import prepare_script, recorded_number
    from audiodigest.sources import newest_digest, read

    digest = digest or newest_digest(config.path(config.digests))
    episode_id = episode_id_for(digest)
    contents = read(digest)
    for warning in contents.warnings:
        notify(f"warning: {warning}")
    records = load_index(paths.index)
    existing = next((r for r in records if r.id == episode_id), None)
    # An episode's number is fixed when it is first built: the published record's, else the
    # one its script already carries (an episode removed and built again), else the next.
    number = (existing.number if existing else None) or recorded_number(config, episode_id) \
        or next_number(records)
    outcome = prepare_script(config, contents.articles, sha256_file(digest), episode_id,
                             episode_date=episode_date_for(digest), number=number,
                             force=force, dry_run=dry_run,
                             digest_title=contents.title, digest_summary=contents.summary)
    # The script is what the narration says: an editor's `episode:` is the number everywhere.
    number = outcome.script.episode or number
    return ScriptStage(episode_id, records, existing, number, outcome)
