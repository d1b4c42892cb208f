"""When an episode is published: its publication time, and which records' time has come.

Only released records are in the feed and pages; one still scheduled joins at the first
build, publish or remove after its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as dtime

from audiodigest.config import ShowConfig
from audiodigest.models import EpisodeRecord


def publication_time(day: date, now: datetime | None = None, *, at: str | None = None,
                     timezone: str = "UTC") -> datetime:
    """When an episode is published, in the show's time zone.

    With ``at`` (``publish_time``, HH:MM) it is that time on its day, even when that is still
    to come: the episode then waits outside the feed. Without, it is 06:00 on its day, or the
    moment of the build when that is earlier; an episode dated after today still waits for
    06:00 on its day (its narration names that day).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    now = (now or datetime.now(UTC)).replace(microsecond=0).astimezone(zone)
    if at is not None:
        hour, minute = (int(part) for part in at.split(":"))
        return datetime.combine(day, dtime(hour, minute), tzinfo=zone)
    planned = datetime.combine(day, dtime(6, 0), tzinfo=zone)
    return planned if day > now.date() else min(planned, now)


def released(records: Sequence[EpisodeRecord], now: datetime | None = None
             ) -> list[EpisodeRecord]:
    """The records whose publication time has come: only these are in the feed and pages."""
    now = now or datetime.now(UTC)
    return [r for r in records if r.pub_date <= now]


def pub_date(config: ShowConfig, existing: EpisodeRecord | None, day: date) -> datetime:
    """A published episode keeps its date; one still waiting follows the schedule as it is now."""
    now = datetime.now(UTC)
    if existing is not None and existing.pub_date <= now:
        return existing.pub_date
    return publication_time(day, now, at=config.publish_time, timezone=config.timezone)
