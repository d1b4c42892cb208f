"""Tags and chapters inside the encoded file.

MP3: ID3v2.3 written with mutagen (v2.3 because Apple Podcasts drops v2.4 chapter titles over
about 51 characters): TIT2, TPE1, TALB, TYER (from TDRC), COMM, TRCK, APIC, WOAS + WXXX, one
CHAP per chapter ("ch0", "ch1", ..., stored in time order) with TIT2 and WXXX, and a top-level ordered CTOC "toc"
with its own TIT2 (Apple and Overcast ignore chapters without it).

M4A: iTunes-style MP4 atoms with mutagen (©nam, ©ART, ©alb, ©day, ©cmt, trkn, covr); the
chapters themselves are written by ffmpeg from an ffmetadata file (:func:`ffmetadata`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TPE1,
    TRCK,
    WOAS,
    WXXX,
    CTOCFlags,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover

from audiodigest.errors import OutputError
from audiodigest.models import ChapterMark
from audiodigest.timefmt import samples_to_ms
from audiodigest.urls import safe_url

log = logging.getLogger(__name__)

TOC_ID = "toc"
NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time


class _ChaptersInTimeOrder(ID3):
    """An ID3 tag that stores its CHAP frames in time order.

    mutagen orders the frames it writes by size, so a short "Wrap-up" chapter lands before the
    long ones, and readers that list chapters in file order (ffprobe, some players) show it
    first. This writes the same frames as mutagen would, in this order: the text and link
    frames as they were added, the CHAP frames by start time, the CTOC, then the pictures.
    """

    def _write(self, config: object) -> bytearray:
        from mutagen.id3._tags import save_frame  # the frame encoder mutagen itself uses

        def rank(item: tuple[int, object]) -> tuple[int, int, int]:
            position, frame = item
            kind = getattr(frame, "FrameID", "")
            if kind == "CHAP":
                return (1, int(getattr(frame, "start_time", 0)), position)
            return ({"CTOC": 2, "APIC": 3}.get(kind, 0), 0, position)

        frames = [frame for _, frame in sorted(enumerate(self.values()), key=rank)]
        return bytearray().join(save_frame(frame, config=config) for frame in frames)


@dataclass(frozen=True)
class EpisodeTags:
    """What the encoded file says about itself."""

    title: str
    artist: str
    album: str
    date: str  # YYYY-MM-DD
    comment: str = ""
    cover: bytes | None = None
    cover_mime: str = "image/jpeg"
    track: int | None = None
    url: str | None = None


def write_id3(path: Path, tags: EpisodeTags, chapters: Sequence[ChapterMark],
              sample_rate: int) -> None:
    """Replace the ID3 tag of the MP3 at ``path`` with ``tags`` and ``chapters`` (ID3v2.3).

    Chapter positions are samples at ``sample_rate``.
    """
    id3 = _ChaptersInTimeOrder()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TPE1(encoding=3, text=[tags.artist]))
    id3.add(TALB(encoding=3, text=[tags.album]))
    id3.add(TDRC(encoding=3, text=[tags.date]))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    if tags.track is not None:
        id3.add(TRCK(encoding=3, text=[str(tags.track)]))
    if tags.cover:
        id3.add(APIC(encoding=3, mime=tags.cover_mime, type=PictureType.COVER_FRONT,
                     desc="Cover", data=tags.cover))
    if url := safe_url(tags.url):
        id3.add(WOAS(url=url))
        id3.add(WXXX(encoding=3, desc="", url=url))
    ids = []
    for i, mark in enumerate(chapters):
        element = f"ch{i}"
        ids.append(element)
        sub: list[TIT2 | WXXX] = [TIT2(encoding=3, text=[mark.title])]
        if url := safe_url(mark.url):
            sub.append(WXXX(encoding=3, desc="", url=url))
        id3.add(CHAP(element_id=element, start_time=samples_to_ms(mark.start, sample_rate),
                     end_time=samples_to_ms(mark.end, sample_rate), start_offset=NO_OFFSET,
                     end_offset=NO_OFFSET, sub_frames=sub))
    if ids:
        id3.add(CTOC(element_id=TOC_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=[tags.title])]))
    # save(v2_version=3) only changes the header and text encodings; frames that v2.3 lacks
    # (TDRC) must be converted first, or readers following v2.3 ignore them.
    id3.update_to_v23()
    try:
        id3.save(path, v2_version=3)
    except (MutagenError, OSError) as exc:
        raise OutputError(f"cannot write ID3 tags: {exc}", path=path) from exc
    log.debug("wrote ID3v2.3 with %d chapters to %s", len(ids), path)


def write_mp4_tags(path: Path, tags: EpisodeTags) -> None:
    """Write iTunes-style metadata into the M4A at ``path`` (chapters are left as they are)."""
    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        assert mp4.tags is not None
        mp4.tags["\xa9nam"] = [tags.title]
        mp4.tags["\xa9ART"] = [tags.artist]
        mp4.tags["\xa9alb"] = [tags.album]
        mp4.tags["\xa9day"] = [tags.date]
        mp4.tags["\xa9gen"] = ["Podcast"]
        if tags.comment:
            mp4.tags["\xa9cmt"] = [tags.comment]
        if tags.track is not None:
            mp4.tags["trkn"] = [(tags.track, 0)]
        if tags.cover:
            kind = MP4Cover.FORMAT_PNG if tags.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
            mp4.tags["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
        mp4.save()
    except (MutagenError, OSError) as exc:
        raise OutputError(f"cannot write MP4 tags: {exc}", path=path) from exc


def _escape_ffmetadata(value: str) -> str:
    # ffmetadata treats '=', ';', '#', '\' and newlines specially; each is escaped with '\'.
    out = []
    for ch in value:
        if ch in "=;#\\\n":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def ffmetadata(chapters: Sequence[ChapterMark], sample_rate: int) -> str:
    """An ffmpeg metadata file with one ``[CHAPTER]`` section per chapter (times in ms)."""
    lines = [";FFMETADATA1"]
    for mark in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000",
                  f"START={samples_to_ms(mark.start, sample_rate)}",
                  f"END={samples_to_ms(mark.end, sample_rate)}",
                  f"title={_escape_ffmetadata(mark.title)}"]
    return "\n".join(lines) + "\n"
