"""The audio stage: sentences' PCM -> levelled, mixed pieces -> one encoded, tagged file.

    lay_out(chapters, shapes, settings, music) -> Layout, Tracks   (assemble.py, music.py)
    plan_chunks(Layout, segment keys, settings, tracks) -> [Chunk]  (cuts.py)
    encode_episode(Layout, chunks, pcms, ...) -> EncodedEpisode    (chunks.py, encode.py,
                                                                    mp3join.py, store.py,
                                                                    tags.py)
Levelling, limiting and loudness measurement live in master.py.
"""

from __future__ import annotations

from .assemble import Layout, Master, Tracks, assemble, lay_out, load_tracks, plan_layout
from .chunks import ChunkStore, encode_episode, plan_chunks
from .master import measure
from .tags import EpisodeTags

__all__ = ["Layout", "Master", "Tracks", "assemble", "lay_out", "load_tracks", "plan_layout",
           "ChunkStore", "encode_episode", "plan_chunks", "measure", "EpisodeTags"]
