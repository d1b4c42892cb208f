"""The audio stage: sentences' PCM -> one mastered master -> encoded, tagged episode file.

    assemble(chapters, pcms, settings, music) -> Master      (assemble.py, music.py)
    master(Master, settings) -> (Master, Loudness)            (master.py)
    encode(Master, target, settings, EpisodeTags) -> EncodedEpisode   (encode.py, tags.py)
"""

from __future__ import annotations

from .assemble import Master, assemble
from .encode import encode
from .master import master, measure
from .tags import EpisodeTags

__all__ = ["Master", "assemble", "master", "measure", "encode", "EpisodeTags"]
