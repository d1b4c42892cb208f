"""The episode file, made in pieces so a rebuild re-does only what changed.

The layout (:mod:`audiodigest.audio.assemble`) is cut into pieces of 10-40 seconds
(:mod:`audiodigest.audio.cuts`: in the silence between sentences, in long pauses, and
seamlessly under music). Each piece is rendered (levelled, mixed, limited), encoded to MP3 by
ffmpeg, decoded again and measured (true peak, loudness per 10 ms). The encoded piece and its
measurements are kept (:mod:`audiodigest.audio.store`) under a key made from everything that
shapes its sound: the sentences' cache keys and positions within the piece, the music in it,
and the audio settings. The episode file is the pieces' frames joined behind one Info frame
(:mod:`audiodigest.audio.mp3join`), then tagged.

So a one-sentence edit renders and encodes one piece of about 20 seconds and re-joins the
rest, and no step holds more than a few pieces' samples: memory stays flat with length.
Pieces are cut where the paragraph (or chapter) changes once a piece is at least
:data:`PIECE_MIN_SECONDS` long, so an edit that changes a sentence's length moves only the
cut after it, not every cut to the end of the episode. Under music, an edit that changes a
length re-makes the pieces after it up to the end of that music (the music moves with it).

M4A (AAC) streams cannot be joined this way; they are rendered piece by piece into one
ffmpeg run, measured as a whole, and made again from scratch on every audio change.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import dataclasses
import functools
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
from .cuts import (
    DECODER_DELAY,
    PIECE_MAX_SECONDS,
    PIECE_MIN_SECONDS,
    PRIMING,
    Grid,
    Piece,
    plan_pieces,
    render_range,
)
from .store import Measured, PieceStore
from .tags import EpisodeTags, ffmetadata

__all__ = ["PIECE_MAX_SECONDS", "PIECE_MIN_SECONDS", "AudioReport", "Piece", "PieceStore",
           "Measured", "encode_episode", "plan_pieces"]

log = logging.getLogger(__name__)

PEAK_RETRIES = 2  # re-encodes of a piece whose coded true peak is over the ceiling


def _read_piece(data: bytes, target: Path) -> mp3join.Mp3Stream:
    try:
        return mp3join.read_piece(data)
    except mp3join.Mp3Error as exc:
        raise ToolError(f"ffmpeg wrote an MP3 piece of {target} that cannot be read: {exc}") from exc


def content_span(stream: mp3join.Mp3Stream, piece: Piece) -> tuple[int, int]:
    """Where the kept piece's sound lies in the file, relative to where its frames' audio
    starts (the file offset that its layout start maps to), in output samples.

    A joined piece's frames play from its seam, :data:`PRIMING` samples before that offset;
    an open-ended piece's last frame ends there too. What a piece measured covers this span.
    """
    lo = -PRIMING if piece.joined else 0
    hi = stream.frames * stream.frame_samples - PRIMING if piece.open_end else stream.samples
    return lo, hi


def _span_frames(stream: mp3join.Mp3Stream, *, piece: Piece) -> int:
    lo, hi = content_span(stream, piece)
    return hi - lo


def _measure_decoded(path: Path, settings: AudioSettings, lo: int = 0,
                     hi: int | None = None) -> Measured:
    """Measure samples ``lo..hi`` of the decoded file (as ffmpeg trims it: from sample 0)."""
    meter = master_mod.LoudnessMeter(settings.sample_rate, settings.channels, fine=True)
    at = 0
    for block in ffmpeg.stream_decode(path, settings.sample_rate, settings.channels):
        end = at + block.shape[0]
        a, b = max(lo, at), end if hi is None else min(hi, end)
        if a < b:
            meter.feed(block[a - at:b - at])
        at = end
    loud = meter.result()
    return Measured(loud.true_peak_dbtp, tuple(meter.energy), meter.frames)


def _make_piece(layout: Layout, piece: Piece, pcms: Sequence[Pcm], tracks: Tracks,
                settings: AudioSettings, scratch: Path, target: Path) -> tuple[bytes, Measured]:
    """Render, encode, decode and measure one piece; lower its ceiling if coding went over.

    A piece at a seamless cut is rendered with its context and keeps only its own frames.
    """
    ceiling = settings.true_peak - master_mod.LIMITER_HEADROOM_DB
    out = scratch / f"{piece.key}.mp3"
    grid = Grid.of(layout.rate, settings)
    lo, hi = render_range(piece, layout, grid)
    first = grid.roll_frames if piece.joined else 0
    for attempt in range(PEAK_RETRIES + 1):
        samples = render(layout, pcms, tracks, settings, lo, hi, ceiling, seamless=piece.seamless)
        enc.pipe([samples], enc.ffmpeg_args(layout.rate, settings, out,
                                            reservoir=not piece.joined), target)
        del samples
        whole = _read_piece(out.read_bytes(), target)
        stop = first + grid.kept_frames(piece) if piece.open_end else whole.frames
        try:
            stream = mp3join.frames_between(whole, first, stop)
        except mp3join.Mp3Error as exc:
            raise ToolError(f"ffmpeg wrote a short MP3 piece of {target}: {exc}") from exc
        span = content_span(stream, piece)
        skipped = first * whole.frame_samples  # the context before a joined piece's frames
        measured = _measure_decoded(out, settings, skipped + span[0], skipped + span[1])
        over = measured.true_peak - settings.true_peak
        if over <= 0:
            break
        if attempt == PEAK_RETRIES:
            log.warning("piece at %.1f s still peaks %.2f dB over %.1f dBTP after %d tries",
                        piece.start / layout.rate, over, settings.true_peak, attempt + 1)
            break
        ceiling = max(-12.0, ceiling - over - 0.1)
        log.info("piece at %.1f s peaked %.2f dB over after coding; limiting to %.2f dBTP",
                 piece.start / layout.rate, over, ceiling)
    out.unlink()
    return stream.info + stream.audio, measured


@dataclass
class AudioReport:
    pieces: int = 0
    made: int = 0  # pieces rendered and encoded in this build (the rest came from the store)
    joins: list[int] = dataclasses.field(default_factory=list)  # file samples where pieces meet


def encode_episode(layout: Layout, pieces: Sequence[Piece], pcms: Sequence[Pcm],
                   tracks: Tracks, settings: AudioSettings, target: Path, tags: EpisodeTags,
                   store: PieceStore | None = None, workers: int | None = None,
                   advance: Callable[[int], None] | None = None,
                   report: AudioReport | None = None) -> EncodedEpisode:
    """Make the episode file at ``target`` from ``layout`` cut into ``pieces`` (atomically).

    ``pieces`` come from :func:`plan_pieces`. Chapters and cues of the result count samples
    at ``settings.sample_rate``; loudness and true peak are measured on the encoded audio.
    ``advance(n)`` is called as pieces finish. Raises :class:`~audiodigest.errors.ToolError`
    when ffmpeg is missing or fails and :class:`~audiodigest.errors.OutputError` when the
    file cannot be written.
    """
    report = report if report is not None else AudioReport()
    report.pieces = len(pieces)
    if settings.format != "mp3":
        return _encode_whole(layout, pcms, tracks, settings, target, tags, pieces, advance)
    if store is None:  # nothing to reuse: a throw-away store
        with tempfile.TemporaryDirectory(prefix="audiodigest-pieces-") as folder:
            return encode_episode(layout, pieces, pcms, tracks, settings, target, tags,
                                  PieceStore(Path(folder)), workers, advance, report)
    found: dict[str, tuple[mp3join.Mp3Stream, Measured]] = {}
    todo: dict[str, Piece] = {}  # by key: identical pieces (a repeated passage) are made once
    for piece in pieces:
        if piece.key in found or piece.key in todo:
            continue
        hit = store.get(piece.key, functools.partial(_span_frames, piece=piece))
        if hit is None:
            todo[piece.key] = piece
        else:
            found[piece.key] = hit
    if advance and found:
        advance(sum(c.key in found for c in pieces))
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
                    piece = futures[future]
                    data, measured = future.result()
                    store.put(piece.key, data, measured)
                    found[piece.key] = (_read_piece(data, target), measured)
                    if advance:
                        advance(sum(c.key == piece.key for c in pieces))
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    streams = [found[c.key] for c in pieces]
    offsets = [0]
    for stream, _ in streams[:-1]:
        offsets.append(offsets[-1] + stream.frames * stream.frame_samples)
    total = offsets[-1] + streams[-1][0].samples
    # Where one piece's frames end and the next one's begin, in the file's time: the encoder
    # and decoder delays (kept only once, at the start of the file) come before each piece.
    lead = streams[0][0].delay + DECODER_DELAY
    report.joins = [offset - lead for offset in offsets[1:]]
    where = _Timeline(layout.rate, settings.sample_rate, [c.start for c in pieces], offsets, total)
    chapters, cues = where.chapters(layout.chapters), where.cues(layout.cues)
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            try:
                for part in mp3join.join([p for p, _ in streams]):
                    fh.write(part)
            except mp3join.Mp3Error as exc:
                raise ToolError(f"cannot join the encoded pieces of {target}: {exc}") from exc
        duration, size = enc.read_back(tmp, target, settings, tags, chapters)
    starts = [o + content_span(p, c)[0] for (p, _), o, c in zip(streams, offsets, pieces,
                                                                  strict=True)]
    loudness = _loudness(streams, starts, total, settings)
    log.info("encoded %s: %.1f s in %d pieces (%d made), %d bytes", target, duration,
             len(pieces), len(todo), size)
    return EncodedEpisode(path=str(target), mime_type="audio/mpeg", size=size, duration=duration,
                          sample_rate=settings.sample_rate, chapters=chapters, cues=cues,
                          loudness=loudness)


def _loudness(streams: Sequence[tuple[mp3join.Mp3Stream, Measured]], offsets: Sequence[int],
              total: int, settings: AudioSettings) -> Loudness:
    """The whole file's loudness from the pieces' 10 ms energies laid end to end.

    Each piece starts on a frame boundary, not on the 10 ms grid, so its energies land up to
    5 ms early or late; pieces start and end in silence, where that changes nothing audible
    and the result stays within a few hundredths of a LU of measuring the file whole.
    """
    step = settings.sample_rate / 100
    energy = np.zeros(int(total / step) + 2)
    for (_, measured), offset in zip(streams, offsets, strict=True):
        at = int(round(offset / step))
        values = np.asarray(measured.energy[: max(0, energy.shape[0] - at)])
        energy[at:at + values.shape[0]] += values
    lufs = master_mod.integrated_from_energy(master_mod.coarse_energy(energy.tolist(), 10), total,
                                             settings.sample_rate)
    peak = max((m.true_peak for _, m in streams), default=-math.inf)
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
                  target: Path, tags: EpisodeTags, pieces: Sequence[Piece],
                  advance: Callable[[int], None] | None) -> EncodedEpisode:
    """M4A: every piece rendered in order into one ffmpeg run (no joining for AAC)."""
    where = _Timeline(layout.rate, settings.sample_rate, [0], [0],
                      enc.convert_position(layout.total, layout.rate, settings.sample_rate))
    chapters, cues = where.chapters(layout.chapters), where.cues(layout.cues)
    ceiling = settings.true_peak - master_mod.LIMITER_HEADROOM_DB
    bounds = [0, *(c.start for c in pieces[1:]), layout.total]
    grid = Grid.of(layout.rate, settings)

    first_pass = True

    def blocks():  # type: ignore[no-untyped-def]
        for piece, a, b in zip(pieces, bounds, bounds[1:], strict=False):
            # One stream: each piece runs up to the next one's start; at a seamless cut it
            # is rendered with its context, which is then dropped.
            lo = render_range(piece, layout, grid)[0]
            hi = min(layout.total, b + grid.post) if piece.open_end else b
            samples = render(layout, pcms, tracks, settings, lo, hi, ceiling,
                             seamless=piece.seamless)
            yield samples[a - lo:b - lo]
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
