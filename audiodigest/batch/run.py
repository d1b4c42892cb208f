"""``audiodigest batch``: many shows, one shared segment store, synthesis spread over a cluster.

    plan every show -> the distinct segments no show has in the store -> make them (here, or
    as tasks on Dask distributed) -> each show's audio and publish stages

A sentence said by the same voice in two shows is one segment, made once for both (counted as
synthesized for the first show on the command line that needs it, reused by the others). A
show that fails (a bad show.toml, a digest that does not read, a segment its voice cannot say,
its build) is reported in its row and on one line of its own; the others go on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audiodigest.errors import AudioDigestError
from audiodigest.progress import Progress
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.synth import SpeechJob

log = logging.getLogger(__name__)

Notify = Callable[[str], None]


@dataclass(frozen=True)
class ShowRow:
    """One line of the batch summary. ``seconds`` is the episode's length."""

    show: str
    episode: str | None
    synthesized: int
    reused: int
    seconds: float
    ok: bool


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[ShowRow, ...]
    errors: dict[str, str]  # show -> its one-line error
    segments: int  # distinct segments the batch made
    wall_seconds: float
    synthesis_seconds: float  # of which making the segments

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)


@dataclass(frozen=True)
class BatchOptions:
    store: str | None = None  # --store; default: the first show's [cache] store
    scheduler: str | None = None  # --scheduler tcp://host:port; None: this machine
    progress: bool = True
    workers: int = 0  # local piper runs (as show.toml's jobs)


def resolve_store(options: BatchOptions, first_config: Any | None) -> tuple[str, SegmentCache]:
    """The store location and the store itself: ``--store``, else the first show's
    ``[cache] store``, else the first show's own cache folder (shared by the batch)."""
    from audiodigest.speech.store import is_url, open_store, store_location

    location = options.store
    if location is None and first_config is not None:
        location = store_location(first_config)
        if location is None:
            location = str(first_config.path(first_config.cache))
    if location is None:
        location = str(Path(".audiodigest/cache").resolve())
    if not is_url(location):
        location = str(Path(location).resolve())
    return location, open_store(location)


def run_batch(folders: Sequence[Path], options: BatchOptions = BatchOptions(),
              notify: Notify = log.info) -> BatchResult:
    """Build the next episode of every show in ``folders``; never raises for one show.

    Raises a UserError (before any work) for a scheduler that does not answer or a store that
    cannot be opened; Interrupted on Ctrl-C (what was made is in the store).
    """
    from audiodigest.batch.shows import ShowPlan, plan_show

    started = time.monotonic()
    client = _client(options)  # an unreachable scheduler fails the batch before any work
    names = list(dict.fromkeys(str(folder) for folder in folders))
    errors: dict[str, str] = {}
    plans: dict[str, ShowPlan] = {}
    for name in names:
        try:
            plans[name] = plan_show(Path(name), _prefixed(notify, name))
        except Exception as exc:  # noqa: BLE001 - one show's failure is its row, not the batch's
            errors[name] = _one_line(exc)
    try:
        location, store = _store_for(options, plans, notify)
    except BaseException:
        if client is not None:
            client.close()
        raise
    owner, work = _missing(plans, store)
    notify(f"batch: {len(plans)} show(s), {len(owner)} distinct segment(s), {len(work)} to "
           f"make, on {options.scheduler or 'this machine'}; store {store.describe()}")
    synthesis_started = time.monotonic()
    failed = _make(work, client, location, store, options)
    synthesis_seconds = time.monotonic() - synthesis_started
    made = {key for key, _job in work}
    rows = [_finish(name, plans.get(name), owner, made, failed, store, errors, notify)
            for name in names]
    return BatchResult(tuple(rows), errors, len(made) - len(failed),
                       time.monotonic() - started, synthesis_seconds)


def _store_for(options: BatchOptions, plans: dict[str, Any], notify: Notify
               ) -> tuple[str, SegmentCache]:
    """The batch's store; a bad ``[cache] store`` names the show.toml it came from."""
    from audiodigest import config as config_mod
    from audiodigest.speech.store import StoreError

    first = next(iter(plans.values()), None)
    if options.store is None and first is not None:
        _warn_other_stores(plans, first, notify)
    try:
        return resolve_store(options, first.config if first else None)
    except StoreError as exc:
        if options.store is None and first is not None:
            raise type(exc)(f"bad value for 'cache.store': {exc.message}",
                            path=first.folder / config_mod.SHOW_FILE) from None
        raise


def _missing(plans: dict[str, Any], store: SegmentCache
             ) -> tuple[dict[str, str], list[tuple[str, SpeechJob]]]:
    """Each distinct segment's owner (the first show needing it) and those the store lacks."""
    owner: dict[str, str] = {}
    work: list[tuple[str, SpeechJob]] = []
    for name, plan in plans.items():
        for key, job in zip(plan.keys, plan.jobs, strict=True):
            if key not in owner:
                owner[key] = name
                if key not in store:
                    work.append((key, job))
    return owner, work


def _make(work: list[tuple[str, SpeechJob]], client: Any | None, location: str,
          store: SegmentCache, options: BatchOptions) -> dict[str, str]:
    """Make the work on the cluster or here; the failed keys with their reasons."""
    try:
        if not work:
            return {}
        with Progress(len(work), "batch synthesis", enabled=options.progress) as progress:
            if client is not None:
                from audiodigest.batch.cluster import run_cluster

                return run_cluster(client, work, location, progress)
            from audiodigest.batch.executors import run_local

            return run_local(work, store, progress, options.workers)
    finally:
        if client is not None:
            client.close()


def _finish(name: str, plan: Any | None, owner: dict[str, str], made: set[str],
            failed: dict[str, str], store: SegmentCache, errors: dict[str, str],
            notify: Notify) -> ShowRow:
    """Build one planned show (unless it failed already) and say how it went."""
    from audiodigest.batch.shows import finish_show

    if plan is None:
        return ShowRow(name, None, 0, 0, 0.0, False)
    keys = list(dict.fromkeys(plan.keys))
    mine = [key for key in keys if owner.get(key) == name and key in made and key not in failed]
    broken = [failed[key] for key in keys if key in failed]
    if broken:
        more = f" (and {len(broken) - 1} more segment(s))" if len(broken) > 1 else ""
        errors[name] = broken[0] + more
        return ShowRow(name, plan.episode_id, len(mine), 0, 0.0, False)
    try:
        built = finish_show(plan, store, _prefixed(notify, name))
    except Exception as exc:  # noqa: BLE001 - as above
        errors[name] = _one_line(exc)
        return ShowRow(name, plan.episode_id, len(mine), 0, 0.0, False)
    synthesized = len(mine) + built.synthesized
    return ShowRow(name, built.episode_id, synthesized, max(0, len(keys) - synthesized),
                   round(built.seconds, 3), True)


def _warn_other_stores(plans: dict[str, Any], first: Any, notify: Notify) -> None:
    """The batch has one store: say so when shows name others in their [cache] store."""
    from audiodigest.speech.store import store_location

    mine = store_location(first.config)
    for name, plan in plans.items():
        theirs = store_location(plan.config)
        if theirs is not None and theirs != mine:
            notify(f"warning: {name}: its [cache] store {theirs} is not used; the batch uses "
                   f"the first show's ({mine or 'its cache folder'}); pass --store to choose")


def _prefixed(notify: Notify, name: str) -> Notify:
    return lambda message: notify(f"{name}: {message}")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, AudioDigestError):
        return exc.one_line()
    log.debug("internal error", exc_info=exc)
    return f"internal error: {type(exc).__name__}: {exc} (run again with --debug)"


def _client(options: BatchOptions) -> Any | None:
    if options.scheduler is None:
        return None
    from audiodigest.batch.executors import connect

    return connect(options.scheduler)


def to_json(result: BatchResult) -> str:
    """``{"shows": [{"show", "episode", "synthesized", "reused", "seconds", "ok"}, ...]}``."""
    return json.dumps({"shows": [asdict(row) for row in result.rows]}, indent=2)


def to_table(result: BatchResult) -> str:
    """The summary as aligned text, one row per show."""
    head = ("show", "episode", "synthesized", "reused", "seconds", "ok")
    lines = [head] + [
        (r.show, r.episode or "-", str(r.synthesized), str(r.reused), f"{r.seconds:.1f}",
         "yes" if r.ok else "NO")
        for r in result.rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
