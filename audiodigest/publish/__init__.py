"""publish: the last stage — cover art, web pages and the feed, plus the preview server and
``publish --to``.

:func:`write_outputs` is the stage in one call: artwork, then pages, then the feed (the feed
last, so it never lists an episode whose page is not written yet). The preview server lives in
:mod:`audiodigest.publish.server` (imported on demand: it pulls in aiohttp).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from audiodigest.config import ShowConfig
from audiodigest.models import EpisodeRecord
from audiodigest.publish.artwork import Cover, prepare_artwork, remove_old_covers
from audiodigest.publish.deploy import PublishReport, publish_to
from audiodigest.publish.feed import build_feed, write_feed
from audiodigest.publish.index import load_index, next_number, remove, save_index, upsert
from audiodigest.publish.site import write_site


def write_outputs(config: ShowConfig, records: Sequence[EpisodeRecord], output_dir: Path,
                  cover: Cover | None = None,
                  transcripts: Mapping[str, Sequence[dict[str, Any]]] | None = None) -> list[Path]:
    """Write the cover, the site and ``feed.xml`` into ``output_dir``; return the files.

    The episodes' audio, chapter and transcript files must already be in ``output_dir``.
    ``cover`` is the show's cover when the caller has it (else it is made here);
    ``transcripts`` the segments of episodes whose transcript the caller just wrote (the
    others are read from their files).
    """
    artwork = prepare_artwork(config, output_dir, cover)
    written = [Path(output_dir) / artwork]
    written += write_site(config, records, output_dir, artwork, transcripts)
    written.append(write_feed(config, records, output_dir, artwork))
    remove_old_covers(Path(output_dir), artwork)  # only now is no feed pointing at them
    return written


__all__ = [
    "PublishReport", "build_feed", "load_index", "next_number", "prepare_artwork", "publish_to",
    "remove", "save_index", "upsert", "write_feed", "write_outputs", "write_site",
]
