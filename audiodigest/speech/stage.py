"""The speech stage of a build: every sentence of an :class:`~audiodigest.plan.EpisodePlan`
spoken into the segment cache (cached segments are reused, never made again)."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from audiodigest.config import ShowConfig
from audiodigest.paths import ShowPaths

if TYPE_CHECKING:
    from audiodigest.plan import EpisodePlan
    from audiodigest.speech.synth import SynthesisReport


def _preload(module: str) -> None:
    """Import ``module`` ahead of use; a failure shows up (properly) where it is used."""
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def speak(config: ShowConfig, paths: ShowPaths, plan: EpisodePlan, *, show_progress: bool = True,
          preload: Sequence[str] = ()) -> SynthesisReport:
    """Put every segment of ``plan`` in the show's cache; the report's ``pcms`` is empty (the
    next stage reads the segments from the cache, so a long episode's speech is never all in
    memory at once). The voices' memory is released before this returns.

    ``preload`` names modules the next stage needs: they are imported while the voice speaks.
    """
    from audiodigest.progress import Progress
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.engines import release_engines
    from audiodigest.speech.synth import synthesize_jobs

    # The audio modules pull in scipy.signal, whose import alone takes about half a second:
    # let it happen while the voice loads and speaks (the import lock makes the imports of
    # the next stage wait for it if it is not done yet).
    for module in preload:
        threading.Thread(target=_preload, args=(module,), name=f"import-{module}",
                         daemon=True).start()
    with Progress(len(plan.jobs), "synthesis", enabled=show_progress) as progress:
        report = synthesize_jobs(plan.jobs, SegmentCache(paths.cache), workers=config.jobs,
                                 progress=progress, keep_audio=False, keys=plan.segment_keys)
    release_engines()
    return report
