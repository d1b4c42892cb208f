"""The small frozen values the pipeline stages hand each other.

    sources  -> tuple[Article]
    script   -> Script (what the editor owns) -> tuple[SpokenChapter] (what the engine says)
    speech   -> one Pcm per Sentence (from the cache or an engine)
    audio    -> Layout (placements, chapter marks, cues, in samples) -> pieces -> encoded file
    publish  -> feed, chapter/transcript files, pages

Times inside the pipeline are counted in samples of the master; they become seconds only
when written to a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

# --- sources ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One article of a digest."""

    id: str  # stable across runs: from the URL, else the normalised title
    title: str
    summary: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    line: int | None = None  # 1-based line in the digest where the entry starts, if known
    tags: tuple[str, ...] = ()
    # Where the entry was found, for people: "digest.txt:12", "page.html: article 3", ...
    origin: str | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The summary's paragraphs (a summary keeps its paragraph breaks as blank lines)."""
        return tuple(p for p in self.summary.split("\n\n") if p)


@dataclass(frozen=True)
class Digest:
    """A digest as read: its articles and what the reader learned about the issue as a whole."""

    articles: tuple[Article, ...]
    format: str  # the reader that read it ("text", "markdown", "html", ...)
    title: str | None = None  # the issue's own title: an e-mail's Subject, a page's H1
    summary: str | None = None  # an intro before the first article
    warnings: tuple[str, ...] = ()  # where the reader had to guess, one line each


# --- script (what the editor owns) -------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of narration read by one speaker.

    ``text`` is the editor's text as written in the script, inline pronunciation hints
    included (``{RLHF|R L H F}``).
    """

    text: str
    speaker: str = "HOST"


@dataclass(frozen=True)
class Pause:
    """A pause directive (``[pause 1.5s]``)."""

    seconds: float


Block = Paragraph | Pause


@dataclass(frozen=True)
class ScriptChapter:
    title: str
    blocks: tuple[Block, ...]
    url: str | None = None
    article_id: str | None = None
    image: str | None = None  # the chapter's picture (http/https), for the chapter files


@dataclass(frozen=True)
class Script:
    """A narration script: front matter plus chapters (intro, one per article, outro)."""

    title: str
    date: date
    chapters: tuple[ScriptChapter, ...]
    episode: int | None = None
    # Other front-matter keys, kept in file order so the script round-trips.
    meta: tuple[tuple[str, str], ...] = ()


# --- spoken plan (script -> speech) ------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One unit of synthesis.

    ``text`` is what the transcript shows (the editor's words, hints shown in their written
    form); ``spoken`` is the normalised text sent to the engine.
    """

    text: str
    spoken: str
    speaker: str
    paragraph: int  # index of the paragraph within its chapter, for gap lengths


SpokenItem = Sentence | Pause


@dataclass(frozen=True)
class SpokenChapter:
    title: str
    items: tuple[SpokenItem, ...]
    url: str | None = None
    article_id: str | None = None


# --- speech ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """Which engine speaks, with which voice and settings (hashed into the cache key)."""

    engine: str
    voice: str
    settings: tuple[tuple[str, float | int | str], ...] = ()

    def setting(self, name: str, default: float | int | str) -> float | int | str:
        return dict(self.settings).get(name, default)


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit little-endian PCM."""

    data: bytes
    sample_rate: int

    @property
    def frames(self) -> int:
        return len(self.data) // 2

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


# --- audio ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start: int  # sample index in the master
    end: int
    url: str | None = None


@dataclass(frozen=True)
class Cue:
    """One transcript cue: a sentence and where its audio lies in the master."""

    text: str
    speaker: str
    start: int
    end: int


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


@dataclass(frozen=True)
class EncodedEpisode:
    """The encoded audio file and what was measured on it."""

    path: str
    mime_type: Literal["audio/mpeg", "audio/x-m4a"]
    size: int  # bytes
    duration: float  # seconds, read back from the encoded file
    sample_rate: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]
    loudness: Loudness | None = None


# --- publish --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedChapter:
    title: str
    start: float  # seconds in the encoded file
    end: float
    url: str | None = None
    img: str | None = None  # the chapter's picture, from the script's image line


@dataclass(frozen=True)
class PublishedFile:
    path: str  # relative to the output folder, '/'-separated
    mime_type: str


@dataclass(frozen=True)
class EpisodeRecord:
    """One published episode, as kept in the show's episode index and listed in the feed."""

    id: str  # slug, e.g. "2026-11-27"; names the episode's folder
    guid: str  # never changes once published
    number: int  # itunes:episode, >= 1
    title: str
    pub_date: datetime  # timezone-aware
    summary: str  # plain text, one paragraph
    audio: PublishedFile
    audio_size: int  # bytes, exact
    duration: float  # seconds, from the encoded file
    chapters: tuple[PublishedChapter, ...]
    chapters_file: PublishedFile  # Podcasting 2.0 JSON chapters
    transcripts: tuple[PublishedFile, ...]  # VTT, SRT, JSON
    page: str  # the episode's web page, relative to the output folder
    episode_type: Literal["full", "trailer", "bonus"] = "full"
    season: int | None = None  # fixed at first build (show.toml's season) unless the script says
    guests: tuple[str, ...] = ()  # podcast:person role="guest", from the script's front matter
