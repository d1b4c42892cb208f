"""The audio stage of a build: an :class:`~audiodigest.plan.EpisodePlan` whose speech is in
the cache, laid out, mastered, encoded and tagged into the episode's audio file.

The file is named by the plan's audio key, so a rebuild never overwrites a file the published
feed points at. Encoded pieces are kept in the show's state folder for the next rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from audiodigest.audio import EpisodeTags
from audiodigest.audio.assemble import lay_out
from audiodigest.audio.chunks import AudioReport, ChunkStore, encode_episode, plan_chunks
from audiodigest.audio.gate import check_episode, check_speech
from audiodigest.config import ShowConfig
from audiodigest.errors import EngineError
from audiodigest.models import EncodedEpisode, Pcm
from audiodigest.paths import ShowPaths
from audiodigest.plan import EpisodePlan
from audiodigest.speech.cache import SegmentCache


@dataclass(frozen=True)
class EpisodeAudio:
    """What the audio stage hands on: the encoded episode and how its pieces were made."""

    encoded: EncodedEpisode
    pieces: int
    made: int  # pieces rendered in this build (the rest came from the kept pieces)


class CachedPcms(Sequence[Pcm]):
    """The speech segments of an episode, read from the cache when asked for."""

    def __init__(self, cache: SegmentCache, keys: Sequence[str]) -> None:
        self._cache = cache
        self._keys = list(keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @overload
    def __getitem__(self, index: int) -> Pcm: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Pcm]: ...

    def __getitem__(self, index: int | slice) -> Pcm | Sequence[Pcm]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        pcm = self._cache.get(self._keys[index])
        if pcm is None:
            raise self._gone(index)
        return pcm

    def shapes(self) -> list[tuple[int, int]]:
        """(frames, sample rate) of every segment, from the cache entries' headers."""
        out = []
        for index, key in enumerate(self._keys):
            shape = self._cache.shape(key)
            if shape is None:
                raise self._gone(index)
            out.append(shape)
        return out

    @staticmethod
    def _gone(index: int) -> EngineError:
        return EngineError(f"speech segment {index + 1} disappeared from the cache while "
                           "the episode was being assembled; build again")


def make_audio(config: ShowConfig, paths: ShowPaths, plan: EpisodePlan, number: int, *,
               show_progress: bool = True) -> EpisodeAudio:
    """Encode the episode of ``plan`` (episode ``number``) at ``plan.audio_path`` in the output.

    Every segment must be in the cache (the speech stage put it there): pieces read the ones
    they need when they are made, so an hour-long episode never holds its speech twice. The
    speech and the result pass the quality gate (:mod:`audiodigest.audio.gate`) or this raises.
    """
    from audiodigest.progress import Progress

    jobs, script = plan.jobs, plan.script
    pcms = CachedPcms(SegmentCache(paths.cache), plan.segment_keys)
    shapes = pcms.shapes()
    check_speech([job.label for job in jobs], [job.text for job in jobs],
                 [frames / rate for frames, rate in shapes], iter(pcms))
    layout, tracks = lay_out(plan.chapters, shapes, config.audio, config.music, config.root)
    pieces = plan_chunks(layout, pcms.keys, config.audio, tracks)
    tags = EpisodeTags(
        title=script.title, artist=config.author, album=config.title,
        date=script.date.isoformat(), comment=plan.summary,
        cover=plan.cover.data, cover_mime=plan.cover.mime_type,
        track=number, url=config.site_link,
    )
    store = ChunkStore(paths.pieces(plan.episode_id))
    report = AudioReport()
    with Progress(len(pieces), "audio", enabled=show_progress, unit="pieces") as progress:
        encoded = encode_episode(layout, pieces, pcms, tracks, config.audio,
                                 paths.output / plan.audio_path, tags, store,
                                 advance=progress.advance, report=report)
    store.keep_only({p.key for p in pieces})
    check_episode(encoded, layout.total / layout.rate, config.audio)
    return EpisodeAudio(encoded, report.pieces, report.made)
