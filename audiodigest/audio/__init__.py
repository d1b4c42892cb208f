"""The audio stage: sentences' PCM -> levelled, mixed pieces -> one encoded, tagged file.

    lay_out(chapters, shapes, settings, music) -> Layout, Tracks   (assemble.py, music.py)
    plan_pieces(Layout, segment keys, settings, tracks) -> [Piece]  (cuts.py)
    encode_episode(Layout, pieces, pcms, ...) -> EncodedEpisode    (pieces.py, encode.py,
                                                                    mp3join.py, store.py,
                                                                    tags.py)
Levelling, limiting and loudness measurement live in master.py.

Three words, one meaning each, across the code:

- a **segment** is one sentence's synthesized speech, the unit of the speech cache
  (:class:`audiodigest.speech.cache.SegmentCache`), keyed by everything that shapes its sound;
- a **piece** is a 10-40 second stretch of the episode rendered and encoded on its own
  (:class:`audiodigest.audio.cuts.Piece`), the unit of the piece store (:class:`PieceStore`);
  its MP3 bytes parsed are an :class:`audiodigest.audio.mp3join.Mp3Stream`;
- a **chunk** is a fixed number of samples (or bytes) processed at a time so memory stays
  bounded (:data:`audiodigest.audio.master.CHUNK`), with no meaning beyond that.
"""

from __future__ import annotations

from .assemble import Layout, Tracks, lay_out, load_tracks, plan_layout
from .master import measure
from .pieces import PieceStore, encode_episode, plan_pieces
from .tags import EpisodeTags

__all__ = ["Layout", "Tracks", "lay_out", "load_tracks", "plan_layout",
           "PieceStore", "encode_episode", "plan_pieces", "measure", "EpisodeTags"]
