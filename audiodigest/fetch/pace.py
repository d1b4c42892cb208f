"""How long an episode of the show will be, for sizing a digest: the voice's pace, measured
on the show's own output, and the episode's script.

:func:`measure`: the words of each sentence of the show's newest scripts, against the length
of that sentence's segment in the speech cache, give the words per minute of the voice as this
show sets it up (engine, voice, rate); a show with nothing cached yet gets :data:`DEFAULT_WPM`.
:func:`episode_seconds`: the script the articles would get (the show's own templates: intro,
transitions, outro), its sentences at that pace plus the show's pauses and gaps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from audiodigest.config import ShowConfig
from audiodigest.errors import AudioDigestError
from audiodigest.models import Article, Pause, Sentence

log = logging.getLogger(__name__)

DEFAULT_WPM = 160.0  # a usual pace for narration, until the show has spoken something
MAX_SCRIPTS = 5  # the newest scripts say enough about the voice
MAX_SEGMENTS = 400
MIN_WORDS = 50  # fewer measured words than this is no measure


@dataclass(frozen=True)
class Pace:
    """Words per minute, and whether they were measured (else the default)."""

    wpm: float
    measured: bool
    words: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        if self.measured:
            return f"{self.wpm:.0f} words a minute, measured on {self.words} words the show's " \
                   "voice spoke"
        return f"{self.wpm:.0f} words a minute, the default until the show has spoken"


def words(text: str) -> int:
    """The words in ``text``, as the pace counts them."""
    return len(text.split())


def measure(config: ShowConfig) -> Pace:
    """The show's pace from its scripts and segment cache (never fails: the default then)."""
    from audiodigest.pipeline import ShowPaths
    from audiodigest.script.format import parse_script
    from audiodigest.script.store import read_script_text

    try:  # where the planning helpers live once the pipeline is split into stages
        from audiodigest.plan import sentences, speech_jobs
    except ImportError:
        from audiodigest.pipeline import sentences, speech_jobs  # type: ignore[no-redef]
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken
    from audiodigest.speech.cache import SegmentCache
    from audiodigest.speech.synth import job_keys

    paths = ShowPaths(config)
    cache = SegmentCache(paths.cache)
    total_words, total_seconds, segments = 0, 0.0, 0
    try:
        lexicon = load_lexicon(paths.lexicon_file())
        scripts = sorted(paths.scripts.glob("*.md"), reverse=True)[:MAX_SCRIPTS]
    except (AudioDigestError, OSError) as exc:
        log.debug("no pace measured: %s", exc)
        return Pace(DEFAULT_WPM, False)
    for path in scripts:
        try:
            chapters = plan_spoken(parse_script(read_script_text(path), path), lexicon)
            jobs = speech_jobs(chapters, config, path)
            keys = job_keys(jobs)
        except (AudioDigestError, OSError) as exc:
            log.debug("%s: not used for the pace: %s", path, exc)
            continue
        for (_, _, sentence), key in zip(sentences(chapters), keys, strict=True):
            if segments >= MAX_SEGMENTS:
                break
            shape = cache.shape(key)
            if shape is None or shape[0] == 0:
                continue
            segments += 1
            total_words += words(sentence.text)
            total_seconds += shape[0] / shape[1]
    if total_words < MIN_WORDS or total_seconds <= 0:
        return Pace(DEFAULT_WPM, False)
    return Pace(total_words / total_seconds * 60, True, total_words, total_seconds)


def episode_seconds(config: ShowConfig, pace: Pace, day: date) -> Callable[[Sequence[Article]], float]:
    """A function giving the estimated length, in seconds, of the episode ``articles`` make:
    their script rendered with the show's templates, each sentence at ``pace`` plus the
    show's sentence, paragraph and chapter gaps and the script's pauses."""
    from audiodigest.pipeline import ShowPaths
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.render import render_script
    from audiodigest.script.spoken import plan_spoken

    lexicon = load_lexicon(ShowPaths(config).lexicon_file())
    gaps = config.audio

    def seconds(articles: Sequence[Article]) -> float:
        if not articles:
            return 0.0
        script = render_script(articles, config, episode_date=day, number=None)
        total = 0.0
        for chapter in plan_spoken(script, lexicon):
            total += gaps.chapter_gap
            paragraphs = set()
            for item in chapter.items:
                if isinstance(item, Pause):
                    total += item.seconds
                elif isinstance(item, Sentence):
                    total += words(item.text) / pace.wpm * 60 + gaps.sentence_gap
                    paragraphs.add(item.paragraph)
            total += len(paragraphs) * gaps.paragraph_gap
        return total

    return seconds
