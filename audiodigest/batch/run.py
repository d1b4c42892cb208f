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
    """Build the next episode of every show in ``folders``; never raises for one show."""
    from audiodigest.batch.shows import ShowPlan, finish_show, plan_show
    from audiodigest.speech.store import StoreError

    started = time.monotonic()
    client = _client(options)  # an unreachable scheduler fails the batch before any work
    names = [str(folder) for folder in folders]
    errors: dict[str, str] = {}
    plans: dict[str, ShowPlan] = {}
    for name, folder in zip(names, folders, strict=True):
        try:
            plans[name] = plan_show(folder, _prefixed(notify, name))
        except Exception as exc:  # noqa: BLE001 - one show's failure is its row, not the batch's
            errors[name] = _one_line(exc)

    first: ShowPlan | None = next(iter(plans.values()), None)
    try:
        location, store = resolve_store(options, first.config if first else None)
    except StoreError as exc:
        if client is not None:
            client.close()
        if options.store is None and first is not None:
            from audiodigest import config as config_mod

            raise type(exc)(f"bad value for 'cache.store': {exc.message}",
                            path=first.folder / config_mod.SHOW_FILE) from None
        raise
    # The distinct segments missing from the store, each owned by the first show needing it.
    owner: dict[str, str] = {}
    work: list[tuple[str, SpeechJob]] = []
    for name, planned in plans.items():
        for key, job in zip(planned.keys, planned.jobs, strict=True):
            if key in owner:
                continue
            owner[key] = name
            if key not in store:
                work.append((key, job))
    made = {key for key, _job in work}
    notify(f"batch: {len(plans)} show(s), {len(owner)} distinct segment(s), {len(work)} to "
           f"make, on {options.scheduler or 'this machine'}; store {store.describe()}")

    failed: dict[str, str] = {}
    synthesis_started = time.monotonic()
    if work:
        with Progress(len(work), "batch synthesis", enabled=options.progress) as progress:
            if client is not None:
                from audiodigest.batch.cluster import run_cluster

                try:
                    failed = run_cluster(client, work, location, progress)
                finally:
                    client.close()
            else:
                from audiodigest.batch.executors import run_local

                failed = run_local(work, store, progress, options.workers)
    elif client is not None:
        client.close()
    synthesis_seconds = time.monotonic() - synthesis_started

    rows = []
    for name in names:
        plan = plans.get(name)
        if plan is None:
            rows.append(ShowRow(name, None, 0, 0, 0.0, False))
            continue
        mine = [key for key in dict.fromkeys(plan.keys) if owner.get(key) == name and key in made]
        distinct = len(set(plan.keys))
        broken = [failed[key] for key in dict.fromkeys(plan.keys) if key in failed]
        if broken:
            errors[name] = broken[0] + (f" (and {len(broken) - 1} more segment(s))"
                                        if len(broken) > 1 else "")
            ok_mine = len([key for key in mine if key not in failed])
            rows.append(ShowRow(name, plan.episode_id, ok_mine, 0, 0.0, False))
            continue
        try:
            built = finish_show(plan, store, _prefixed(notify, name))
        except Exception as exc:  # noqa: BLE001 - as above
            errors[name] = _one_line(exc)
            rows.append(ShowRow(name, plan.episode_id, len(mine), 0, 0.0, False))
            continue
        synthesized = len(mine) + built.synthesized
        rows.append(ShowRow(name, built.episode_id, synthesized, max(0, distinct - synthesized),
                            round(built.seconds, 3), True))
    return BatchResult(tuple(rows), errors, len(made) - len(failed),
                       time.monotonic() - started, synthesis_seconds)


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
