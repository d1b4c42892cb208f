"""The studio's resident engine: voices stay loaded in this process, so a changed sentence is
heard at once; every preview goes through the segment cache, so the next build reuses it.

All speech runs on one worker thread: one synthesis at a time gets every core (as in a build),
and the page never waits behind a second model load.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import io
import logging
import wave
from collections.abc import Sequence
from dataclasses import dataclass

from audiodigest.models import Pcm
from audiodigest.speech.cache import SegmentCache
from audiodigest.speech.engines import get_engine
from audiodigest.speech.synth import SpeechJob, synthesize_jobs
from audiodigest.studio.plan import PlannedSentence, Show, plan_text

log = logging.getLogger(__name__)

#: Silence between the sentences of a paragraph's preview (a build lays them out itself).
SENTENCE_GAP = 0.3
WARM_TEXT = "Ready."


@dataclass(frozen=True)
class Preview:
    wav: bytes
    seconds: float
    synthesized: int  # segments an engine made for this preview
    reused: int  # segments taken from the cache


def to_wav(pcms: Sequence[Pcm], gap: float = SENTENCE_GAP) -> tuple[bytes, float]:
    """The segments one after another (``gap`` seconds apart) as a mono 16-bit WAV file."""
    rate = pcms[0].sample_rate
    silence = b"\x00\x00" * round(gap * rate)
    data = silence.join(p.data for p in pcms)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data)
    return out.getvalue(), len(data) / 2 / rate


class ResidentVoices:
    """Speech for the studio on one thread, through the show's segment cache."""

    def __init__(self, show: Show) -> None:
        self.show = show
        self.cache = SegmentCache(show.cache)
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-speech")

    def _run(self, jobs: Sequence[SpeechJob]) -> tuple[list[Pcm], int, int]:
        report = synthesize_jobs(jobs, self.cache)
        return list(report.pcms), report.synthesized, report.reused

    def warm(self) -> cf.Future[None]:
        """Load every local voice of the show now (in the background), and plan a sentence
        the way a preview does (the cover, the lexicon, the voice files' hashes), so the first
        preview waits for none of it. Network voices are not touched."""

        def load() -> None:
            for tag, voice in sorted(self.show.voices.items()):
                try:
                    if get_engine(voice.engine).concurrency != "threads":
                        continue
                    jobs = [p.job for p in plan_text(self.show, tag, WARM_TEXT) if p.job]
                    self._run(jobs)
                except Exception as exc:  # the preview itself reports a broken voice
                    log.warning("could not load the voice of %s: %s", tag, exc)

        return self._pool.submit(load)

    async def preview(self, planned: Sequence[PlannedSentence]) -> Preview:
        """The planned sentences spoken (from the cache, or synthesized and cached)."""
        jobs = [p.job for p in planned if p.job is not None]
        loop = asyncio.get_running_loop()
        pcms, made, reused = await loop.run_in_executor(self._pool, self._run, jobs)
        wav, seconds = to_wav(pcms)
        return Preview(wav, seconds, made, reused)

    def cached(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.cache}

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
