"""Where the episode is cut into pieces, and the key of each piece's sound.

Pieces are 10-40 seconds long (up to 20 s more where a long stretch offers fewer points to cut
at), so no step holds more than a piece's samples whatever the episode's length. A cut is
made in one of two ways:

- **In silence** (between sentences, or anywhere in a long pause): the pieces are encoded on
  their own. Each MP3 piece starts with the encoder's priming, so the next piece starts
  :data:`PRIMING` later into its silence and the gap keeps its designed length.
- **Under music** (a bed or a jingle), where a join must not be heard: the cut is *seamless*.
  The next piece starts on the MP3 frame grid of the one before, is rendered from
  :data:`ROLL_SECONDS` earlier (so the encoder, resampler, limiter and bed are all in the
  state the previous piece left them in) and encoded without the bit reservoir, and only its
  frames from the grid point on are kept; the piece before is rendered that far beyond its
  end and keeps exactly the frames up to the grid point. A decoder then plays the two as one
  stream (measured on the sample bed: around the seam the result differs from encoding the
  stretch in one go by -84 dBFS RMS, against music at -15 dBFS). Pieces under music keep their speech's levelling and are limited, not normalised
  again, so the level does not step at a join.

A stretch under music is cut only once its piece is :data:`PIECE_MAX_SECONDS` long (in the
silence between two sentences when there is one): music keeps its phase across an edit only
if no length before it changes, so shorter pieces would save nothing. Speech with no gap
long enough to cut in, and a single sentence longer than that, are cut seamlessly too.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from audiodigest.config import AudioSettings

from . import ffmpeg
from . import master as master_mod
from . import music as music_mod
from .assemble import Layout, Tracks

PIECE_FORMAT = 2  # bump when rendering or encoding changes what a piece sounds like
PIECE_MIN_SECONDS = 10.0  # a piece ends at the first paragraph change after this long
PIECE_MAX_SECONDS = 40.0  # ... or at any sentence gap after this long
# Every MP3 piece starts with the encoder's priming: 576 samples of LAME encoder delay plus
# the decoder's 529 (measured with ffmpeg's libmp3lame), at any sample rate.
PRIMING = 1105
DECODER_DELAY = 529  # samples every MP3 decoder adds before the encoder's own delay
MIN_CUT_GAP = 0.1  # seconds of silence a gap needs before a piece may end in it
ROLL_SECONDS = 0.25  # context rendered on each side of a seamless cut (limiter, encoder)


@dataclass(frozen=True)
class Piece:
    """One piece: samples ``start``..``end`` of the layout, and the key of its sound.

    ``joined``: the piece continues the one before without a seam (see the module doc);
    ``open_end``: the next piece continues this one.
    """

    start: int
    end: int
    key: str
    joined: bool = False
    open_end: bool = False

    @property
    def seamless(self) -> bool:
        return self.joined or self.open_end


@dataclass(frozen=True)
class Grid:
    """The MP3 frame grid at the layout's rate: seamless cuts fall on it."""

    rate: int  # the layout's
    out_rate: int
    frame: int  # samples per MP3 frame at the output rate
    step: int  # frames between grid points: where frames start on a whole layout sample
    roll_frames: int  # frames rendered before a joined piece (a whole number of steps)

    @classmethod
    def of(cls, rate: int, settings: AudioSettings) -> Grid:
        out = settings.sample_rate
        frame = 1152 if out >= 32000 else 576
        step = out // math.gcd(out, frame * rate)
        roll = step * max(1, math.ceil(ROLL_SECONDS * out / (step * frame)))
        return cls(rate, out, frame, step, roll)

    def layout_samples(self, frames: int) -> int:
        """``frames`` MP3 frames in layout samples (exact for whole steps)."""
        return frames * self.frame * self.rate // self.out_rate

    @property
    def unit(self) -> int:
        return self.layout_samples(self.step)

    @property
    def pre(self) -> int:
        return self.layout_samples(self.roll_frames)

    @property
    def post(self) -> int:
        return int(ROLL_SECONDS * self.rate) + PRIMING * self.rate // self.out_rate + 1

    def kept_frames(self, piece: Piece) -> int:
        """How many frames an open-ended piece keeps: exactly up to the next one's start."""
        return (piece.end - piece.start) * self.out_rate // (self.rate * self.frame)


def render_range(piece: Piece, layout: Layout, grid: Grid) -> tuple[int, int]:
    """The layout samples rendered for ``piece``: the piece plus its context at seamless cuts."""
    start = piece.start - grid.pre if piece.joined else piece.start
    end = min(layout.total, piece.end + grid.post) if piece.open_end else piece.end
    return start, end


@dataclass(frozen=True)
class _Candidate:
    g0: int  # the silence (or sentence) the cut falls in
    g1: int
    cut: int
    strong: bool  # a paragraph, chapter or pause change: a good place to end a piece
    long: bool  # one of several points through a long stretch
    silent: bool  # the stretch is silence (a sentence can only be cut seamlessly)


def _candidates(layout: Layout, half: int, lead: int) -> Iterator[_Candidate]:
    """Candidate cuts in order.

    A gap between two sentences offers its middle; a stretch longer than ``2 * half`` (a long
    pause, silence before the first or after the last sentence, or one very long sentence)
    offers a point every ``half`` samples from its start, all the same distance apart so
    that equal stretches of silence make equal pieces.
    """
    spans = layout.spans
    stretches = [(0, spans[0][0] if spans else layout.total, "start")]
    for k, (s0, s1) in enumerate(spans):
        stretches.append((s0, s1, "inside"))  # a sentence itself
        stretches.append((s1, spans[k + 1][0] if k + 1 < len(spans) else layout.total,
                          layout.joints[k] if k + 1 < len(spans) else "end"))
    for g0, g1, joint in stretches:
        silent = joint != "inside"
        if g1 - g0 > 2 * half:
            cut = g0 + half
            while cut + 2 * lead < g1:
                yield _Candidate(g0, g1, cut, silent, True, silent)
                cut += half
        elif joint not in ("start", "end", "inside"):
            yield _Candidate(g0, g1, (g0 + g1) // 2, joint in ("paragraph", "chapter", "pause"),
                             False, True)


def plan_pieces(layout: Layout, segment_keys: Sequence[str], settings: AudioSettings,
                tracks: Tracks, min_seconds: float = PIECE_MIN_SECONDS,
                max_seconds: float = PIECE_MAX_SECONDS) -> list[Piece]:
    """Cut ``layout`` into pieces (see the module doc).

    A piece ends at the first paragraph, chapter or pause gap once it is ``min_seconds``
    long, or at any sentence gap (or point of a long pause) once it is ``max_seconds`` long;
    under music only the latter. Raises :class:`ValueError` for an empty layout.
    """
    if layout.total <= 0:
        raise ValueError("an empty layout has nothing to encode")
    rate = layout.rate
    grid = Grid.of(rate, settings)
    music = [(m0, m1) for _, m0, m1 in layout.music]
    lead = PRIMING * rate // settings.sample_rate
    guard = int(MIN_CUT_GAP * rate)
    longest = int(max_seconds * rate)
    bounds: list[tuple[int, int, bool]] = []  # (previous piece's end, next one's start, joined)
    begin = piece_start = 0
    for c in _candidates(layout, longest // 2, lead):
        g0, g1, cut, strong = c.g0, c.g1, c.cut, c.strong
        if c.long:
            loud = any(cut - guard < m1 and m0 < cut + lead + guard for m0, m1 in music)
            length = (cut - begin) / rate
        else:
            loud = any(g0 < m1 and m0 < g1 for m0, m1 in music)
            length = (g0 - begin) / rate
        # Sound on both sides (music, a sentence, or a gap too short for the encoder's
        # priming): only a seamless cut will do, and only once the piece is long.
        if loud or not c.silent or g1 - g0 < MIN_CUT_GAP * rate:
            if length < max_seconds:
                continue
            # The seam falls where the next piece's priming would have begun, on the grid
            # (at or before it); the piece before needs its context rendered beyond it.
            steps = max(1, (cut + lead - piece_start) // grid.unit)
            seam = piece_start + steps * grid.unit
            if seam + grid.post > layout.total:
                continue
            piece_start = seam
            bounds.append((seam, seam, True))
            begin = cut
        elif (strong and length >= min_seconds) or length >= max_seconds:
            piece_start = cut + min(lead, (g1 - cut) // 2)
            bounds.append((cut, piece_start, False))
            begin = cut
    starts = [0, *(b for _, b, _ in bounds)]
    ends = [*(a for a, _, _ in bounds), layout.total]
    joined = [False, *(j for _, _, j in bounds)]
    pieces = []
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        piece = Piece(s, e, "", joined[k], k + 1 < len(joined) and joined[k + 1])
        pieces.append(Piece(s, e, _piece_key(layout, piece, segment_keys, settings, tracks, grid),
                            piece.joined, piece.open_end))
    return pieces


def _piece_key(layout: Layout, piece: Piece, segment_keys: Sequence[str],
               settings: AudioSettings, tracks: Tracks, grid: Grid) -> str:
    """A hash of everything that shapes the piece's kept audio, in positions relative to it."""
    start, end = piece.start, piece.end
    lo, hi = render_range(piece, layout, grid)
    spans = [(segment_keys[k], s0 - start, s1 - start)
             for k, (s0, s1) in enumerate(layout.spans) if s0 < hi and s1 > lo]
    what: dict[str, object] = {
        "format": PIECE_FORMAT, "rate": layout.rate, "length": end - start, "spans": spans,
        "headroom": master_mod.LIMITER_HEADROOM_DB, "encoder": ffmpeg.version(),
        "audio": settings.model_dump(include={"format", "bitrate", "sample_rate", "channels",
                                              "loudness", "true_peak", "fade_ms"}),
    }
    if not piece.seamless:
        music: list[tuple[str, int, int | None]] = [
            (name, m0 - start, m1 - start) for name, m0, m1 in layout.music
            if m0 < end and m1 > start]
    else:
        # The bed's sound at a sample depends on where its region starts (its phase), on
        # where it ends only near the end, and on sentences near enough to duck it.
        reach, tail = (music_mod.bed_reach(tracks.settings, layout.rate)
                       if tracks.settings is not None else (0, 0))
        music = [(name, m0 - start, m1 - start if m1 < hi + tail else None)
                 for name, m0, m1 in layout.music if m0 < hi and m1 > lo]
        what["near"] = [(max(s0, lo - reach) - start, min(s1, hi + reach) - start)
                        for s0, s1 in layout.spans if s0 < hi + reach and s1 > lo - reach]
        what["seam"] = [lo - start, hi - start, piece.joined, piece.open_end, grid.roll_frames]
    what["music"] = music
    what["tracks"] = tracks.identity if music else ""
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
