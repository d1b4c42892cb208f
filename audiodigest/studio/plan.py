"""The studio's one door into the build: every call into :mod:`audiodigest.pipeline` is here.

The studio says a sentence the way a build will, because both plan it the same way: the show's
lexicon, the spoken plan and the cache keys of the speech jobs come from the build's own
functions, and a build from the studio is the build itself, run in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiodigest import config as config_mod
from audiodigest import pipeline
from audiodigest.config import ShowConfig
from audiodigest.models import Paragraph, Script, ScriptChapter, Sentence, Voice
from audiodigest.speech.synth import SpeechJob, job_keys


@dataclass(frozen=True)
class Show:
    """A show as the studio holds it: its settings and where its files are."""

    config: ShowConfig
    voices: dict[str, Voice]  # speaker tag -> voice

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def scripts(self) -> Path:
        return pipeline.ShowPaths(self.config).scripts

    @property
    def cache(self) -> Path:
        return pipeline.ShowPaths(self.config).cache

    @property
    def output(self) -> Path:
        return pipeline.ShowPaths(self.config).output

    @property
    def index(self) -> Path:
        return pipeline.ShowPaths(self.config).index

    def lexicon_file(self) -> Path | None:
        return pipeline.ShowPaths(self.config).lexicon_file()


def open_show(show_dir: Path) -> Show:
    """Load show.toml (ConfigError naming the key when a setting is bad)."""
    config = config_mod.load(show_dir)
    return Show(config, pipeline.speaker_voices(config))


@dataclass(frozen=True)
class PlannedSentence:
    """One sentence as the build will speak it, and its speech job (None: no voice)."""

    sentence: Sentence
    job: SpeechJob | None
    key: str | None


def plan_paragraphs(show: Show, script: Script) -> list[list[list[PlannedSentence]]]:
    """For each chapter, for each block (pauses get an empty list), its planned sentences.

    A speaker without a voice gets sentences without jobs, so the page can say so instead of
    failing; raises ScriptError for bad inline markup.
    """
    from audiodigest.models import Pause
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.spoken import plan_spoken

    lexicon = load_lexicon(show.lexicon_file())
    spoken = plan_spoken(script, lexicon)
    out: list[list[list[PlannedSentence]]] = []
    for chapter, planned in zip(script.chapters, spoken, strict=True):
        blocks: list[list[PlannedSentence]] = [[] for _ in chapter.blocks]
        paragraph_blocks = [i for i, b in enumerate(chapter.blocks) if not isinstance(b, Pause)]
        for item in planned.items:
            if isinstance(item, Sentence):
                voice = show.voices.get(item.speaker)
                job = SpeechJob(text=item.spoken, voice=voice, label=item.text) if voice else None
                blocks[paragraph_blocks[item.paragraph]].append(PlannedSentence(item, job, None))
        out.append(blocks)
    jobs = [p.job for blocks in out for block in blocks for p in block if p.job is not None]
    keys = iter(job_keys(jobs))
    return [[[PlannedSentence(p.sentence, p.job, next(keys) if p.job else None) for p in block]
             for block in blocks] for blocks in out]


def plan_text(show: Show, speaker: str, text: str) -> list[PlannedSentence]:
    """The sentences of one paragraph of script text said by ``speaker``."""
    from datetime import date

    script = Script("preview", date(2000, 1, 1), (ScriptChapter("preview",
                                                                (Paragraph(text, speaker),)),))
    return plan_paragraphs(show, script)[0][0]


def check_speakers(show: Show, speakers: set[str]) -> None:
    """The voices of ``speakers`` are usable (ConfigError naming show.toml's key if not)."""
    pipeline.check_voices(show.config, show.voices, speakers)


def episode_digests(show: Show) -> dict[str, Path]:
    """The digests in the show's digest folder by the episode each one builds."""
    folder = show.config.path(show.config.digests)
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and not entry.name.startswith("."):
            found.setdefault(pipeline.episode_id_for(entry), entry)
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
