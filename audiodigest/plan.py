"""The episode plan: everything a build, a dry run, ``status``, ``remove`` and cache pruning
need to know about one script, computed once by :func:`plan_episode`.

A plan is pure: it reads the voice, music and artwork files to hash them, but writes nothing
and loads no voice model. From one script it derives what the voice will say (the spoken
chapters), one synthesis job per sentence, the jobs' cache keys, and the audio key: a hash of
everything that shapes the episode's audio files, carried in their names.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audiodigest import config as config_mod
from audiodigest.config import ShowConfig
from audiodigest.errors import AudioDigestError, ConfigError
from audiodigest.fsutil import check_regular, sha256_file
from audiodigest.models import EpisodeRecord, Pause, Script, Sentence, SpokenChapter, Voice

if TYPE_CHECKING:
    from audiodigest.publish.artwork import Cover
    from audiodigest.script.lexicon import Lexicon
    from audiodigest.speech.synth import SpeechJob

log = logging.getLogger(__name__)

# Bump when the audio files' layout or processing changes, so old audio is re-made.
AUDIO_FORMAT_VERSION = "2"


@dataclass(frozen=True)
class EpisodePlan:
    """One episode as a build would make it, from its script.

    ``jobs``, ``segment_keys`` and the sentences of ``chapters`` are aligned: one per sentence.
    """

    episode_id: str
    script: Script
    script_path: Path
    chapters: tuple[SpokenChapter, ...]  # what the voice says, pauses included
    jobs: tuple[SpeechJob, ...]  # one synthesis job per sentence
    segment_keys: tuple[str, ...]  # the speech cache key of each job
    audio_key: str  # a hash of everything that shapes the audio files and their tags
    audio_format: str  # mp3 | m4a
    cover: Cover
    summary: str  # the episode's description

    @property
    def folder(self) -> str:
        """The episode's folder, relative to the output."""
        return f"episodes/{self.episode_id}"

    @property
    def audio_path(self) -> str:
        """The audio file, relative to the output; the name carries the audio key."""
        return audio_rel(self.episode_id, self.audio_key, self.audio_format)

    @property
    def speakers(self) -> set[str]:
        return {sentence.speaker for _, _, sentence in sentences(self.chapters)}

    def published_record(self, existing: EpisodeRecord | None, output: Path
                         ) -> EpisodeRecord | None:
        """``existing`` if its audio files are exactly what this plan would make."""
        if existing is None or existing.audio.path != self.audio_path:
            return None
        needed = [existing.audio.path, existing.chapters_file.path,
                  *(t.path for t in existing.transcripts)]
        if not all((output / rel).is_file() for rel in needed):
            return None
        if (output / existing.audio.path).stat().st_size != existing.audio_size:
            return None
        return existing


def plan_episode(config: ShowConfig, episode_id: str, script: Script, script_path: Path, *,
                 lexicon: Lexicon | None = None, cover: Cover | None = None,
                 speech_required: bool = False) -> EpisodePlan:
    """The plan of ``script`` (the script of ``episode_id``, read from ``script_path``).

    ``lexicon`` and ``cover`` are the show's (loaded here when not given: pass them when
    planning many episodes). Raises :class:`ConfigError` for a speaker without a voice or a
    voice, music or artwork file that is unsound, naming the setting. A script with no
    sentence is a plan with no jobs, unless ``speech_required`` (a build): then it is a
    :class:`~audiodigest.errors.ScriptError`, found before the music and artwork are read.
    """
    from audiodigest.script.spoken import plan_spoken
    from audiodigest.speech.synth import job_keys

    if lexicon is None:
        from audiodigest.paths import ShowPaths
        from audiodigest.script.lexicon import load_lexicon

        lexicon = load_lexicon(ShowPaths(config).lexicon_file())
    chapters = plan_spoken(script, lexicon)
    jobs = speech_jobs(chapters, config, script_path)
    if speech_required:
        require_speech(jobs, script_path)
    keys = tuple(job_keys(jobs))
    if cover is None:
        from audiodigest.publish.artwork import cover_file

        cover = cover_file(config)
    return EpisodePlan(
        episode_id=episode_id, script=script, script_path=script_path, chapters=chapters,
        jobs=tuple(jobs), segment_keys=keys,
        audio_key=audio_key(config, script, chapters, keys, cover.name),
        audio_format=config.audio.format, cover=cover, summary=summary_for(script),
    )


def require_speech(jobs: Sequence[SpeechJob], script_path: Path) -> None:
    """An episode needs at least one sentence: pauses, punctuation and music alone are no
    episode (and a silent episode must never be published)."""
    from audiodigest.errors import ScriptError

    if not jobs:
        raise ScriptError("nothing to say: the script has no sentence to speak (only front "
                          "matter, titles, pauses or punctuation)", path=script_path)


def script_segment_keys(config: ShowConfig) -> set[str]:
    """The cache keys every script in the show needs (scripts that do not parse are skipped)."""
    from audiodigest.paths import ShowPaths
    from audiodigest.publish.artwork import cover_file
    from audiodigest.script.format import parse_script
    from audiodigest.script.lexicon import load_lexicon
    from audiodigest.script.store import read_script_text

    paths = ShowPaths(config)
    lexicon = load_lexicon(paths.lexicon_file())
    cover = cover_file(config)
    keys: set[str] = set()
    for path in sorted(paths.scripts.glob("*.md")):
        try:
            script = parse_script(read_script_text(path), path)
            keys.update(plan_episode(config, path.stem, script, path, lexicon=lexicon,
                                     cover=cover).segment_keys)
        except AudioDigestError as exc:
            log.warning("%s", exc.one_line())
    return keys


# --- the parts of a plan ---------------------------------------------------------------------


def sentences(chapters: Sequence[SpokenChapter]) -> list[tuple[int, SpokenChapter, Sentence]]:
    """Every sentence with its chapter and the chapter's index, in order."""
    return [
        (index, chapter, item)
        for index, chapter in enumerate(chapters)
        for item in chapter.items
        if isinstance(item, Sentence)
    ]


def _setting_error(config: ShowConfig, key: str, exc: AudioDigestError) -> ConfigError:
    """A problem found with a setting's value, as show.toml's own errors read."""
    return ConfigError(f"bad value for '{key}': {exc.one_line()}",
                       path=config.root / config_mod.SHOW_FILE)


def speaker_voices(config: ShowConfig) -> dict[str, Voice]:
    """The voice of every speaker tag; an engine name no engine answers to names its key."""
    from audiodigest.speech.engines import UnknownEngineError, voice_from_settings

    voices = {}
    for name, settings in config.voices.items():
        try:
            voices[name] = voice_from_settings(settings, root=config.root)
        except UnknownEngineError as exc:
            raise _setting_error(config, f"voices.{name}.engine", exc) from None
    return voices


def check_voices(config: ShowConfig, voices: dict[str, Voice], speakers: set[str]) -> None:
    """The voices of ``speakers`` exist (their files are sound): else an error naming the key.

    Runs before any speech is made, even when every segment is in the cache, since the cache
    keys depend on the voice files too.
    """
    from audiodigest.speech.engines import UnknownVoiceError, get_engine, version_for

    for name in sorted(speakers):
        voice = voices[name]
        engine = get_engine(voice.engine)
        try:
            engine.check_voice(voice)
            version_for(engine, voice)
        except UnknownVoiceError as exc:
            raise _setting_error(config, f"voices.{name}.voice", exc) from None


def speech_jobs(chapters: Sequence[SpokenChapter], config: ShowConfig,
                script_path: Path) -> list[SpeechJob]:
    """One synthesis job per sentence, with the voice its speaker tag maps to."""
    from audiodigest.speech.synth import SpeechJob

    voices = speaker_voices(config)
    jobs = []
    counts: dict[int, int] = {}
    spoken = sentences(chapters)
    for index, chapter, sentence in spoken:
        voice = voices.get(sentence.speaker)
        if voice is None:
            raise ConfigError(
                f"speaker {sentence.speaker} in chapter '{chapter.title}' has no voice; add "
                f"[voices.{sentence.speaker}] to show.toml (known: {', '.join(sorted(voices))})",
                path=script_path,
            )
        counts[index] = counts.get(index, 0) + 1
        label = f"chapter {index + 1} '{chapter.title}', sentence {counts[index]}: '{sentence.text}'"
        jobs.append(SpeechJob(text=sentence.spoken, voice=voice, label=label))
    check_voices(config, voices, {sentence.speaker for _, _, sentence in spoken})
    return jobs


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _music_hash(config: ShowConfig, name: str) -> str | None:
    """The hash of music file ``name`` (intro, outro, bed) if set; a missing or special file
    fails here, before any speech is made."""
    value: Path | None = getattr(config.music, name)
    if value is None:
        return None
    from audiodigest.audio.music import MAX_BYTES

    path = config.path(value)
    check_regular(path, MAX_BYTES, f"setting 'music.{name}'")
    return sha256_file(path)


def audio_key(config: ShowConfig, script: Script, chapters: Sequence[SpokenChapter],
              segment_keys: Sequence[str], cover: str) -> str:
    """A hash of everything that shapes the episode's audio files and their tags."""
    music = config.music
    structure = [
        [chapter.title, chapter.url,
         [[item.seconds] if isinstance(item, Pause) else [item.text, item.speaker, item.paragraph]
          for item in chapter.items]]
        for chapter in chapters
    ]
    return _digest({
        "format": AUDIO_FORMAT_VERSION,
        "segments": list(segment_keys),
        "structure": structure,
        "audio": config.audio.model_dump(mode="json"),
        "music": music.model_dump(mode="json"),
        "music_files": [_music_hash(config, name) for name in ("intro", "outro", "bed")],
        "tags": [script.title, config.title, config.author, str(script.date), script.episode,
                 config.site_link],
        "cover": cover,  # the cover's file name carries a hash of its content
    })


def audio_rel(episode_id: str, key: str, fmt: str) -> str:
    """The audio file of an episode, relative to the output."""
    return f"episodes/{episode_id}/{episode_id}-{key[:10]}.{fmt}"


def summary_for(script: Script) -> str:
    """The episode's description: the script's ``summary`` key, else a list of its stories."""
    written = dict(script.meta).get("summary", "").strip()
    if written:
        return written
    titles = [c.title for c in script.chapters if c.article_id or c.url]
    if not titles:
        return script.title
    return "In this episode: " + "; ".join(titles) + "."
