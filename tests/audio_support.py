"""A reference view of the audio stage for tests: the whole episode rendered in one buffer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiodigest.audio.assemble import lay_out, render
from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.models import ChapterMark, Cue, Pcm, SpokenChapter


@dataclass(frozen=True)
class Master:
    """The whole episode as one mono float32 buffer in [-1, 1] plus its marks.

    ``chapters`` and ``cues`` count positions in samples of this buffer at ``sample_rate``.
    """

    samples: np.ndarray
    sample_rate: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.sample_rate


def assemble(chapters: Sequence[SpokenChapter], pcms: Sequence[Pcm], settings: AudioSettings,
             music: MusicSettings | None = None, music_root: Path | None = None,
             level: bool = True) -> Master:
    """The whole episode as one levelled, limited master: the layout rendered end to end, in
    one buffer, as a reference for what builds make piece by piece."""
    shapes = [(pcm.frames, pcm.sample_rate) for pcm in (pcms[i] for i in range(len(pcms)))]
    layout, tracks = lay_out(chapters, shapes, settings, music, music_root)
    samples = render(layout, pcms, tracks, settings, level=level)
    return Master(samples=samples, sample_rate=layout.rate, chapters=layout.chapters,
                  cues=layout.cues)
