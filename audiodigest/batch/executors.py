"""Where the batch's segments are made: on this machine, or on a Dask distributed cluster
(:mod:`audiodigest.batch.cluster`, imported only when a scheduler is named).

Both take the deduplicated segments to make (a key and its :class:`SpeechJob` each), write every
finished segment into the shared store the moment it is done, and return the keys that failed
with the reason, so a bad segment fails only the shows that need it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Sequence
from typing import Any

from audiodigest.errors import AudioDigestError, UserError
from audiodigest.progress import Progress
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.synth import SpeechJob, synthesize_jobs

log = logging.getLogger(__name__)

Work = Sequence[tuple[str, SpeechJob]]
CONNECT_TIMEOUT = "10s"
PROBE_SECONDS = 5.0


class SchedulerUnreachable(UserError):
    """``--scheduler`` names no scheduler that answers."""


class ClusterMissing(UserError):
    """``--scheduler`` without dask distributed installed."""


# --- this machine ----------------------------------------------------------------------------


def run_local(work: Work, store: SegmentCache, progress: Progress, workers: int = 0
              ) -> dict[str, str]:
    """Make ``work`` here with the same runner as ``build`` (threads sharing one loaded voice).

    A failure makes the rest be tried one at a time, so every segment that can be made is.
    """
    jobs = [job for _key, job in work]
    try:
        synthesize_jobs(jobs, store, workers=workers, progress=progress, keep_audio=False,
                        keys=[key for key, _job in work])
        return {}
    except AudioDigestError as exc:
        log.debug("local synthesis stopped (%s); going on one segment at a time", exc)
    failed: dict[str, str] = {}
    progress.set_total(len(work))
    progress.done = 0
    for key, job in work:
        try:
            synthesize_jobs([job], store, keep_audio=False, keys=[key])
        except AudioDigestError as exc:
            failed[key] = exc.one_line()
        progress.advance()
    return failed


# --- a Dask cluster --------------------------------------------------------------------------


def connect(address: str) -> Any:
    """A client of the scheduler at ``address``; one-line UserErrors when it cannot be.

    A ``tcp://`` address is first asked who it is over one connection of its own, so a refused
    connection, a silent host or something that is no Dask scheduler is reported at once (and
    never read as a message the client would try to allocate) instead of after the client's
    retries.
    """
    try:
        from distributed import Client
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port
    except ImportError:
        raise ClusterMissing("--scheduler needs dask distributed: pip install "
                             "'audiodigest[cluster]'") from None
    try:
        scheme, _location = parse_address(address, strict=True)
    except (ValueError, TypeError) as exc:
        raise SchedulerUnreachable(f"--scheduler {address!r}: not a scheduler address "
                                   f"(tcp://HOST:PORT): {exc}") from None
    if scheme == "tcp":
        host, port = parse_host_port(_location)
        try:  # a refused connection at once, not after the comm's retries
            socket.create_connection((host, int(port)), timeout=PROBE_SECONDS).close()
            who = asyncio.run(_identity(address))
        except (OSError, TimeoutError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SchedulerUnreachable(f"--scheduler {address}: no scheduler answers there "
                                       f"({' '.join(why.split())[:200] or 'timed out'})") from None
        except Exception:  # noqa: BLE001 - a reply that does not parse as a Dask message
            who = None
        if not (isinstance(who, dict) and who.get("type") == "Scheduler"):
            raise SchedulerUnreachable(f"--scheduler {address}: what answers there is not a "
                                       "Dask scheduler")
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - the client's own errors, as one line
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise SchedulerUnreachable(f"--scheduler {address}: no scheduler answers there "
                                   f"({why[:200]})") from None


async def _identity(address: str) -> Any:
    """What the server at ``address`` says it is (its ``identity`` reply)."""
    from distributed.comm import connect as open_comm

    comm = await open_comm(address, timeout=PROBE_SECONDS)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await asyncio.wait_for(comm.read(), PROBE_SECONDS)
    finally:
        comm.abort()
