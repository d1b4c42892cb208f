"""A test hook: die at a named step, as a power cut or ``kill -9`` would.

Setting ``AUDIODIGEST_KILL_AT=<step>`` makes the process SIGKILL itself when it reaches
:func:`kill_point` with that step name, so tests can prove that a command killed at its most
dangerous moment leaves state the next run finishes. Unset (always, outside tests) it does nothing.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "AUDIODIGEST_KILL_AT"


def kill_point(step: str) -> None:
    """SIGKILL this process if ``AUDIODIGEST_KILL_AT`` names ``step``."""
    if os.environ.get(ENV_VAR) == step:
        os.kill(os.getpid(), signal.SIGKILL)
