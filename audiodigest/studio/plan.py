"""The studio's one door into the build: every call into the pipeline and its episode plan
is here.

The studio says a sentence the way a build will because both plan it with
:func:`audiodigest.plan.plan_episode`: the same lexicon, spoken chapters, speech jobs and
cache keys. A build from the studio is :func:`audiodigest.pipeline.build` itself, run in this
process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from audiodigest import config as config_mod
from audiodigest import pipeline
from audiodigest.config import ShowConfig
from audiodigest.errors import ConfigError
from audiodigest.models import Paragraph, Pause, Script, ScriptChapter, Sentence, Voice
from audiodigest.paths import ShowPaths
from audiodigest.plan import check_voices, plan_episode, sentences, speaker_voices
from audiodigest.script.lexicon import Lexicon, load_lexicon
from audiodigest.script.spoken import plan_spoken
from audiodigest.script.stage import episode_id_for
from audiodigest.speech.synth import SpeechJob

if TYPE_CHECKING:
    from audiodigest.publish.artwork import Cover

PREVIEW_ID = "preview"


@dataclass
class Show:
    """A show as the studio holds it: its settings, where its files are, and what planning
    needs that does not change between edits (the cover; the lexicon until its file does)."""

    config: ShowConfig
    voices: dict[str, Voice]  # speaker tag -> voice
    _cover: Cover | None = None
    _lexicon: tuple[tuple[int, int] | None, Lexicon] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def paths(self) -> ShowPaths:
        return ShowPaths(self.config)

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def scripts(self) -> Path:
        return self.paths.scripts

    @property
    def cache(self) -> Path:
        return self.paths.cache

    @property
    def output(self) -> Path:
        return self.paths.output

    @property
    def index(self) -> Path:
        return self.paths.index

    def lexicon_file(self) -> Path | None:
        return self.paths.lexicon_file()

    def lexicon(self) -> Lexicon:
        """The show's lexicon, read again whenever its file changed."""
        path = self.lexicon_file()
        try:
            st = path.stat() if path is not None else None
            stamp = (st.st_mtime_ns, st.st_size) if st is not None else None
        except OSError:
            stamp = None
        with self._lock:
            if self._lexicon is None or self._lexicon[0] != stamp:
                self._lexicon = (stamp, load_lexicon(path))
            return self._lexicon[1]

    def cover(self) -> Cover:
        with self._lock:
            if self._cover is None:
                from audiodigest.publish.artwork import cover_file

                self._cover = cover_file(self.config)
            return self._cover


def open_show(show_dir: Path) -> Show:
    """Load show.toml (ConfigError naming the key when a setting is bad)."""
    config = config_mod.load(show_dir)
    return Show(config, speaker_voices(config))


@dataclass(frozen=True)
class PlannedSentence:
    """One sentence as the build will speak it, its speech job and cache key (None when
    the episode cannot be planned for speech, e.g. a speaker without a voice)."""

    sentence: Sentence
    job: SpeechJob | None
    key: str | None


Planned = list[list[list[PlannedSentence]]]  # chapter -> block -> sentences


def plan_paragraphs(show: Show, episode_id: str, script: Script,
                    script_path: Path) -> tuple[Planned, str | None]:
    """For each chapter, for each block (pauses get an empty list), its planned sentences,
    from the episode plan a build makes; and the problem that keeps the script from being
    planned for speech (the sentences then come without jobs), if any.

    Raises ScriptError for bad inline markup.
    """
    problem = None
    try:
        plan = plan_episode(show.config, episode_id, script, script_path,
                            lexicon=show.lexicon(), cover=show.cover())
        spoken = plan.chapters
        jobs: Sequence[SpeechJob | None] = plan.jobs
        keys: Sequence[str | None] = plan.segment_keys
    except ConfigError as exc:  # a speaker without a voice, say: show the words anyway
        problem = exc.one_line()
        spoken = plan_spoken(script, show.lexicon())
        jobs, keys = [None] * len(sentences(spoken)), [None] * len(sentences(spoken))
    out: Planned = []
    for chapter in script.chapters:
        out.append([[] for _ in chapter.blocks])
    paragraph_blocks = [[i for i, b in enumerate(ch.blocks) if not isinstance(b, Pause)]
                        for ch in script.chapters]
    for (index, _chapter, sentence), job, key in zip(sentences(spoken), jobs, keys,
                                                     strict=True):
        block = paragraph_blocks[index][sentence.paragraph]
        out[index][block].append(PlannedSentence(sentence, job, key))
    return out, problem


def plan_text(show: Show, speaker: str, text: str) -> list[PlannedSentence]:
    """The sentences of one paragraph of script text said by ``speaker`` (a speaker with a
    voice), planned as a build plans an episode saying it."""
    script = Script(PREVIEW_ID, date(2000, 1, 1),
                    (ScriptChapter(PREVIEW_ID, (Paragraph(text, speaker),)),))
    planned, problem = plan_paragraphs(show, PREVIEW_ID, script, Path(f"<{PREVIEW_ID}>"))
    if problem is not None:
        raise ConfigError(problem)
    return planned[0][0]


def check_speakers(show: Show, speakers: set[str]) -> None:
    """The voices of ``speakers`` are usable (ConfigError naming show.toml's key if not)."""
    check_voices(show.config, show.voices, speakers)


def episode_digests(show: Show) -> dict[str, Path]:
    """The digests in the show's digest folder by the episode each one builds."""
    folder = show.config.path(show.config.digests)
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and not entry.name.startswith("."):
            found.setdefault(episode_id_for(entry), entry)
    return found


def episode_digest(show: Show, episode_id: str) -> Path | None:
    """The digest the episode ``episode_id`` is built from, if the show has it."""
    return episode_digests(show).get(episode_id)


def build_episode(show: Show, digest: Path,
                  notify: Callable[[str], None]) -> pipeline.BuildResult:
    """Build the episode of ``digest`` in this process, as ``audiodigest build --digest``."""
    options = pipeline.BuildOptions(digest=digest, progress=False)
    return pipeline.build(show.root, options, notify=notify)


def result_dict(result: pipeline.BuildResult) -> dict[str, object]:
    """The build result as JSON-ready values."""
    import json

    return dict(json.loads(pipeline.dumps_result(result)))


def sentence_keys(planned: Sequence[PlannedSentence]) -> list[str]:
    return [p.key for p in planned if p.key is not None]
