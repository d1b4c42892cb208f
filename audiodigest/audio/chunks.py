"""The episode file, made in pieces so a rebuild re-does only what changed.

The layout (:mod:`audiodigest.audio.assemble`) is cut into pieces of 10-40 seconds, always in
the silence between two sentences and never under music. Each piece is rendered (levelled,
mixed, limited), encoded to MP3 by ffmpeg, decoded again and measured (true peak, loudness
per 100 ms). The encoded piece and its measurements are kept under a key made from
everything that shapes its sound: the sentences' cache keys and positions within the piece,
the music in it, and the audio settings. The episode file is the pieces' frames joined behind
one Info frame (:mod:`audiodigest.audio.mp3join`), then tagged.

So a one-sentence edit renders and encodes one piece of about 20 seconds and re-joins the
rest, and no step ever holds the whole episode's samples: memory stays flat with length.
Pieces are cut where the paragraph (or chapter) changes once a piece is at least
:data:`CHUNK_MIN_SECONDS` long, so an edit that changes a sentence's length moves only the
cut after it, not every cut to the end of the episode.

A stretch under music is never cut: each join adds up to one frame of silence, which would
be heard in the music. A music bed under a long intro chapter (``bed_under = "intro"``)
therefore makes one long piece, re-made whenever anything in that chapter changes.

M4A (AAC) streams cannot be joined this way; they are rendered piece by piece into one
ffmpeg run, measured as a whole, and made again from scratch on every audio change.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import dataclasses
import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiodigest.config import AudioSettings
from audiodigest.errors import OutputError, ToolError
from audiodigest.fsutil import atomic_path
from audiodigest.models import ChapterMark, Cue, EncodedEpisode, Loudness, Pcm

from . import encode as enc
from . import ffmpeg, mp3join
from . import master as master_mod
from .assemble import Layout, Tracks, render
from .store import ChunkStore, Measured
from .tags import EpisodeTags, ffmetadata

log = logging.getLogger(__name__)

CHUNK_FORMAT = 2  # bump when rendering or encoding changes what a piece sounds like
CHUNK_MIN_SECONDS = 10.0  # a piece ends at the first paragraph change after this long
CHUNK_MAX_SECONDS = 40.0  # ... or at any sentence gap after this long
# Every MP3 piece starts with the encoder's priming: 576 samples of LAME encoder delay plus
# the decoder's 529 (measured with ffmpeg's libmp3lame). A piece starts this much later
# into its silence so the gap at a cut keeps its designed length (timing is exact either way).
PRIMING = 1105
PEAK_RETRIES = 2  # re-encodes of a piece whose coded true peak is over the ceiling
DECODER_DELAY = 529  # samples every MP3 decoder adds before the encoder's own delay
MIN_CUT_GAP = 0.1  # seconds of silence a gap needs before a piece may end in it


@dataclass(frozen=True)
class Chunk:
    """One piece: samples ``start``..``end`` of the layout, and the key of its sound."""

    start: int
    end: int
    key: str


def plan_chunks(layout: Layout, segment_keys: Sequence[str], settings: AudioSettings,
                tracks: Tracks, min_seconds: float = CHUNK_MIN_SECONDS,
                max_seconds: float = CHUNK_MAX_SECONDS) -> list[Chunk]:
    """Cut ``layout`` into pieces in the silence between sentences (see the module doc).

    A piece ends at the first paragraph, chapter or pause gap once it is ``min_seconds``
    long, or at any sentence gap once it is ``max_seconds`` long.
    """
    rate = layout.rate
    music = [(m0, m1) for _, m0, m1 in layout.music]
    lead = PRIMING * rate // settings.sample_rate
    bounds: list[tuple[int, int]] = []  # (where the previous piece ends, where the next starts)
    begin = 0
    for k in range(len(layout.spans) - 1):
        g0, g1 = layout.spans[k][1], layout.spans[k + 1][0]
        if g1 - g0 < MIN_CUT_GAP * rate or any(g0 < m1 and m0 < g1 for m0, m1 in music):
            continue
        length = (g0 - begin) / rate
        strong = layout.joints[k] in ("paragraph", "chapter", "pause")
        if (strong and length >= min_seconds) or length >= max_seconds:
            cut = (g0 + g1) // 2
            bounds.append((cut, cut + min(lead, (g1 - cut) // 2)))
            begin = cut
    starts = [0, *(b for _, b in bounds)]
    ends = [*(a for a, _ in bounds), layout.total]
    return [Chunk(s, e, _chunk_key(layout, s, e, segment_keys, settings, tracks))
            for s, e in zip(starts, ends, strict=True)]


def _chunk_key(layout: Layout, start: int, end: int, segment_keys: Sequence[str],
               settings: AudioSettings, tracks: Tracks) -> str:
    spans = [(segment_keys[k], s0 - start, s1 - start)
             for k, (s0, s1) in enumerate(layout.spans) if s0 < end and s1 > start]
    music = [(name, m0 - start, m1 - start) for name, m0, m1 in layout.music
             if m0 < end and m1 > start]
    what = {
        "format": CHUNK_FORMAT, "rate": layout.rate, "length": end - start, "spans": spans,
        "music": music, "tracks": tracks.identity if music else "",
        "headroom": master_mod.LIMITER_HEADROOM_DB, "encoder": ffmpeg.version(),
        "audio": settings.model_dump(include={"format", "bitrate", "sample_rate", "channels",
                                              "loudness", "true_peak", "fade_ms"}),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def _read_piece(data: bytes, target: Path) -> mp3join.Piece:
    try:
        return mp3join.read_piece(data)
    except mp3join.Mp3Error as exc:
        raise ToolError(f"ffmpeg wrote an MP3 piece of {target} that cannot be read: {exc}") from exc


def _measure_decoded(path: Path, settings: AudioSettings) -> Measured:
    meter = master_mod.LoudnessMeter(settings.sample_rate, settings.channels, fine=True)
    for block in ffmpeg.stream_decode(path, settings.sample_rate, settings.channels):
        meter.feed(block)
    loud = meter.result()
    return Measured(loud.true_peak_dbtp, tuple(meter.energy), meter.frames)


def _make_piece(layout: Layout, chunk: Chunk, pcms: Sequence[Pcm], tracks: Tracks,
                settings: AudioSettings, scratch: Path, target: Path) -> tuple[bytes, Measured]:
    """Render, encode, decode and measure one piece; lower its ceiling if coding went over."""
    ceiling = settings.true_peak - master_mod.LIMITER_HEADROOM_DB
    out = scratch / f"{chunk.key}.mp3"
    for attempt in range(PEAK_RETRIES + 1):
        samples = render(layout, pcms, tracks, settings, chunk.start, chunk.end, ceiling)
        enc.pipe([samples], enc.ffmpeg_args(layout.rate, settings, out), target)
        measured = _measure_decoded(out, settings)
        over = measured.true_peak - settings.true_peak
        if over <= 0:
            break
        if attempt == PEAK_RETRIES:
            log.warning("piece at %.1f s still peaks %.2f dB over %.1f dBTP after %d tries",
                        chunk.start / layout.rate, over, settings.true_peak, attempt + 1)
            break
        ceiling = max(-12.0, ceiling - over - 0.1)
        log.info("piece at %.1f s peaked %.2f dB over after coding; limiting to %.2f dBTP",
                 chunk.start / layout.rate, over, ceiling)
    data = out.read_bytes()
    out.unlink()
    return data, measured


@dataclass
class AudioReport:
    pieces: int = 0
    made: int = 0  # pieces rendered and encoded in this build (the rest came from the store)
    joins: list[int] = dataclasses.field(default_factory=list)  # file samples where pieces meet


def encode_episode(layout: Layout, chunks: Sequence[Chunk], pcms: Sequence[Pcm],
                   tracks: Tracks, settings: AudioSettings, target: Path, tags: EpisodeTags,
                   store: ChunkStore | None = None, workers: int | None = None,
                   advance: Callable[[int], None] | None = None,
                   report: AudioReport | None = None) -> EncodedEpisode:
    """Make the episode file at ``target`` from ``layout`` cut into ``chunks`` (atomically).

    ``chunks`` come from :func:`plan_chunks`. Chapters and cues of the result count samples
    at ``settings.sample_rate``; loudness and true peak are measured on the encoded audio.
    ``advance(n)`` is called as pieces finish. Raises :class:`~audiodigest.errors.ToolError`
    when ffmpeg is missing or fails and :class:`~audiodigest.errors.OutputError` when the
    file cannot be written.
    """
    report = report if report is not None else AudioReport()
    report.pieces = len(chunks)
    if settings.format != "mp3":
        return _encode_whole(layout, pcms, tracks, settings, target, tags, chunks, advance)
    if store is None:  # nothing to reuse: a throw-away store
        with tempfile.TemporaryDirectory(prefix="audiodigest-pieces-") as folder:
            return encode_episode(layout, chunks, pcms, tracks, settings, target, tags,
                                  ChunkStore(Path(folder)), workers, advance, report)
    found: dict[str, tuple[mp3join.Piece, Measured]] = {}
    todo: dict[str, Chunk] = {}  # by key: identical pieces (a repeated passage) are made once
    for chunk in chunks:
        if chunk.key in found or chunk.key in todo:
            continue
        hit = store.get(chunk.key)
        if hit is None:
            todo[chunk.key] = chunk
        else:
            found[chunk.key] = hit
    if advance and found:
        advance(sum(c.key in found for c in chunks))
    report.made = len(todo)
    try:
        store.folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".pieces-", dir=store.folder))
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", path=store.folder) from exc
    try:
        # Twice as many pieces in flight as cores: while one waits on its ffmpeg encoder or
        # decoder another computes (measured 2.2 s with one per core, 1.9 s with two, for the
        # sample show's 12 pieces on 2 cores).
        workers = max(1, min(workers or 2 * (os.cpu_count() or 1), len(todo) or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(_make_piece, layout, c, pcms, tracks, settings, scratch,
                                   target): c for c in todo.values()}
            try:
                for future in concurrent.futures.as_completed(futures):
                    chunk = futures[future]
                    data, measured = future.result()
                    store.put(chunk.key, data, measured)
                    found[chunk.key] = (_read_piece(data, target), measured)
                    if advance:
                        advance(sum(c.key == chunk.key for c in chunks))
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    pieces = [found[c.key] for c in chunks]
    offsets = [0]
    for piece, _ in pieces[:-1]:
        offsets.append(offsets[-1] + piece.frames * piece.frame_samples)
    total = offsets[-1] + pieces[-1][0].samples
    # Where one piece's frames end and the next one's begin, in the file's time: the encoder
    # and decoder delays (kept only once, at the start of the file) come before each piece.
    lead = pieces[0][0].delay + DECODER_DELAY
    report.joins = [offset - lead for offset in offsets[1:]]
    where = _Timeline(layout.rate, settings.sample_rate, [c.start for c in chunks], offsets, total)
    chapters, cues = where.chapters(layout.chapters), where.cues(layout.cues)
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            try:
                for part in mp3join.join([p for p, _ in pieces]):
                    fh.write(part)
            except mp3join.Mp3Error as exc:
                raise ToolError(f"cannot join the encoded pieces of {target}: {exc}") from exc
        duration, size = enc.read_back(tmp, target, settings, tags, chapters)
    loudness = _loudness(pieces, offsets, total, settings)
    log.info("encoded %s: %.1f s in %d pieces (%d made), %d bytes", target, duration,
             len(chunks), len(todo), size)
    return EncodedEpisode(path=str(target), mime_type="audio/mpeg", size=size, duration=duration,
                          sample_rate=settings.sample_rate, chapters=chapters, cues=cues,
                          loudness=loudness)


def _loudness(pieces: Sequence[tuple[mp3join.Piece, Measured]], offsets: Sequence[int],
              total: int, settings: AudioSettings) -> Loudness:
    """The whole file's loudness from the pieces' 10 ms energies laid end to end.

    Each piece starts on a frame boundary, not on the 10 ms grid, so its energies land up to
    5 ms early or late; pieces start and end in silence, where that changes nothing audible
    and the result stays within a few hundredths of a LU of measuring the file whole.
    """
    step = settings.sample_rate / 100
    energy = np.zeros(int(total / step) + 2)
    for (_, measured), offset in zip(pieces, offsets, strict=True):
        at = int(round(offset / step))
        values = np.asarray(measured.energy[: max(0, energy.shape[0] - at)])
        energy[at:at + values.shape[0]] += values
    lufs = master_mod.integrated_from_energy(master_mod.coarse_energy(energy.tolist(), 10), total,
                                             settings.sample_rate)
    peak = max((m.true_peak for _, m in pieces), default=-math.inf)
    return Loudness(integrated_lufs=lufs, true_peak_dbtp=peak)


class _Timeline:
    """Layout positions (master rate) to positions in the file (output rate)."""

    def __init__(self, rate: int, out_rate: int, starts: Sequence[int], offsets: Sequence[int],
                 total: int) -> None:
        self.rate, self.out_rate = rate, out_rate
        self.starts, self.offsets, self.total = list(starts), list(offsets), total

    def __call__(self, position: int) -> int:
        k = max(0, bisect.bisect_right(self.starts, position) - 1)
        local = max(0, position - self.starts[k])
        return min(self.total, self.offsets[k] + enc.convert_position(local, self.rate,
                                                                      self.out_rate))

    def chapters(self, marks: Sequence[ChapterMark]) -> tuple[ChapterMark, ...]:
        starts = [self(m.start) for m in marks]
        ends = [*starts[1:], self.total]
        return tuple(dataclasses.replace(m, start=s, end=e)
                     for m, s, e in zip(marks, starts, ends, strict=True))

    def cues(self, cues: Sequence[Cue]) -> tuple[Cue, ...]:
        return tuple(dataclasses.replace(c, start=self(c.start), end=self(c.end)) for c in cues)


def _encode_whole(layout: Layout, pcms: Sequence[Pcm], tracks: Tracks, settings: AudioSettings,
                  target: Path, tags: EpisodeTags, chunks: Sequence[Chunk],
                  advance: Callable[[int], None] | None) -> EncodedEpisode:
    """M4A: every piece rendered in order into one ffmpeg run (no joining for AAC)."""
    where = _Timeline(layout.rate, settings.sample_rate, [0], [0],
                      enc.convert_position(layout.total, layout.rate, settings.sample_rate))
    chapters, cues = where.chapters(layout.chapters), where.cues(layout.cues)
    ceiling = settings.true_peak - master_mod.LIMITER_HEADROOM_DB
    bounds = [0, *(c.start for c in chunks[1:]), layout.total]

    first_pass = True

    def blocks():  # type: ignore[no-untyped-def]
        for a, b in zip(bounds, bounds[1:], strict=False):
            yield render(layout, pcms, tracks, settings, a, b, ceiling)
            if advance and first_pass:
                advance(1)

    with tempfile.TemporaryDirectory(prefix="audiodigest-encode-") as scratch:
        meta = None
        if chapters:
            meta = Path(scratch) / "chapters.ffmeta"
            meta.write_text(ffmetadata(chapters, settings.sample_rate), encoding="utf-8")
        for attempt in range(PEAK_RETRIES + 1):
            with atomic_path(target) as tmp:
                enc.pipe(blocks(), enc.ffmpeg_args(layout.rate, settings, tmp, meta), target)
                duration, size = enc.read_back(tmp, target, settings, tags, chapters)
            loudness = master_mod.measure(target)
            over = loudness.true_peak_dbtp - settings.true_peak
            if over <= 0:
                break
            if attempt == PEAK_RETRIES:
                log.warning("%s still peaks %.2f dB over %.1f dBTP after %d tries", target,
                            over, settings.true_peak, attempt + 1)
                break
            ceiling = max(-12.0, ceiling - over - 0.1)
            first_pass = False
    return EncodedEpisode(path=str(target), mime_type="audio/x-m4a", size=size,
                          duration=duration, sample_rate=settings.sample_rate,
                          chapters=chapters, cues=cues, loudness=loudness)
