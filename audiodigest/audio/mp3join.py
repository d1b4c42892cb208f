"""Joining independently encoded MP3 pieces into one gapless file.

An episode is encoded in pieces (see :mod:`audiodigest.audio.pieces`) so an edit re-encodes
only the piece it touches. Each piece is a complete ffmpeg/LAME stream: an Info frame (Xing
header with LAME extension, giving the encoder delay and end padding) followed by audio frames
whose bit reservoir starts empty, so the audio frames of consecutive pieces can follow each
other. The joined file gets one Info frame: the first piece's, with its frame count, byte
count, seek table, end padding, music length and checksums rewritten for the whole file.

Decoded, piece ``k`` starts exactly ``frame_samples * (frames of the pieces before it)``
samples into the file (the priming of every piece after the first lands in the silence at the
cut, which is why cuts are made in silence).

Hand-written rather than a library: no maintained Python package rewrites a LAME Info frame,
and the layout is a fixed handful of big-endian fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_BITRATES = {  # kbit/s by bitrate index, Layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
FLAG_FRAMES, FLAG_BYTES, FLAG_TOC, FLAG_QUALITY = 1, 2, 4, 8
TAG_CRC_BYTES = 190


class Mp3Error(ValueError):
    """The bytes are not the MP3 stream this module expects."""


@dataclass(frozen=True)
class FrameHeader:
    version: int  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    sample_rate: int
    size: int  # bytes, header included
    samples: int  # samples per channel in the frame


def frame_header(data: bytes | memoryview, at: int) -> FrameHeader:
    """The Layer III frame header at byte ``at``; raises :class:`Mp3Error` if there is none."""
    if at + 4 > len(data):
        raise Mp3Error(f"truncated frame header at byte {at}")
    h = int.from_bytes(data[at:at + 4], "big")
    version, layer = (h >> 19) & 3, (h >> 17) & 3
    rate_index, rate_bits = (h >> 10) & 3, (h >> 12) & 15
    if h >> 21 != 0x7FF or layer != 1 or version == 1 or rate_index == 3 or rate_bits in (0, 15):
        raise Mp3Error(f"no MPEG Layer III frame at byte {at}")
    mpeg1 = version == 3
    bitrate = _BITRATES[1 if mpeg1 else 2][rate_bits] * 1000
    rate = _RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    size = samples // 8 * bitrate // rate + ((h >> 9) & 1)
    return FrameHeader(version, rate, size, samples)


def frame_offsets(data: bytes | memoryview, start: int = 0) -> list[int]:
    """Byte offsets of the consecutive frames from ``start`` to the end of ``data``."""
    offsets = []
    at = start
    while at < len(data):
        offsets.append(at)
        at += frame_header(data, at).size
    if at != len(data):
        raise Mp3Error("the last frame is truncated")
    return offsets


def _info_at(frame: bytes) -> int:
    for magic in (b"Info", b"Xing"):
        at = frame.find(magic, 4, 64)
        if at >= 0:
            return at
    raise Mp3Error("the first frame carries no Info/Xing header")


@dataclass(frozen=True)
class Mp3Stream:
    """One encoded piece: its Info frame, its audio frames, and what its Info frame says."""

    info: bytes
    audio: bytes  # the audio frames only
    frames: int
    frame_samples: int
    sample_rate: int
    delay: int  # encoder delay, samples (decoders skip it plus their own 529)
    padding: int  # samples after the music in the last frames
    offsets: tuple[int, ...]  # where each audio frame starts in ``audio``

    @property
    def samples(self) -> int:
        """The piece's length in samples once delay and padding are trimmed."""
        return self.frames * self.frame_samples - self.delay - self.padding


def _lame_offset(info: bytes, at: int) -> int:
    flags = int.from_bytes(info[at + 4:at + 8], "big")
    return (at + 8 + 4 * bool(flags & FLAG_FRAMES) + 4 * bool(flags & FLAG_BYTES)
            + 100 * bool(flags & FLAG_TOC) + 4 * bool(flags & FLAG_QUALITY))


def delay_and_padding(frame: bytes) -> tuple[int, int] | None:
    """Encoder delay and end padding from an Info frame's LAME extension, or None."""
    try:
        at = _info_at(frame)
    except Mp3Error:
        return None
    lame = _lame_offset(frame, at)
    if len(frame) < lame + 24 or not frame[lame:lame + 4].isalpha():
        return None
    value = int.from_bytes(frame[lame + 21:lame + 24], "big")
    return value >> 12, value & 0xFFF


def frames_between(piece: Mp3Stream, first: int, stop: int) -> Mp3Stream:
    """``piece`` keeping only its audio frames ``first..stop`` (behind the same Info frame).

    Decoded after the frames that came before them in their own stream, they play exactly
    as they did there; the caller makes sure what comes before them is that audio.
    """
    if not 0 <= first < stop <= piece.frames:
        raise Mp3Error(f"frames {first}..{stop} of a piece of {piece.frames}")
    ends = [*piece.offsets, len(piece.audio)]
    return Mp3Stream(info=piece.info, audio=piece.audio[ends[first]:ends[stop]], frames=stop - first,
                 frame_samples=piece.frame_samples, sample_rate=piece.sample_rate,
                 delay=piece.delay, padding=piece.padding,
                 offsets=tuple(o - ends[first] for o in piece.offsets[first:stop]))


def read_piece(data: bytes) -> Mp3Stream:
    """Split an ffmpeg-written MP3 (no ID3) into its Info frame and audio frames."""
    head = frame_header(data, 0)
    info = bytes(data[:head.size])
    found = delay_and_padding(info)
    if found is None or len(info) < _lame_offset(info, _info_at(info)) + 36:
        raise Mp3Error("the Info frame has no LAME extension (encoder delay unknown)")
    audio = bytes(data[head.size:])
    offsets = tuple(frame_offsets(audio))
    return Mp3Stream(info=info, audio=audio, frames=len(offsets), frame_samples=head.samples,
                 sample_rate=head.sample_rate, delay=found[0], padding=found[1], offsets=offsets)


# CRC-16 as the LAME tag uses it (polynomial 0x8005, reflected, initial value 0).
def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[byte] = crc
    return table


_TABLE = _crc_table()
_TABLE_LIST = [int(v) for v in _TABLE]


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-16/ARC of a short byte string (plain table-driven loop)."""
    for byte in bytes(data):
        crc = (crc >> 8) ^ _TABLE_LIST[(crc ^ byte) & 0xFF]
    return crc


def _zeros_operator(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables for "feed ``n`` zero bytes" on a CRC (a linear map on its 16 bits).

    Returned as two 256-entry tables (low byte, high byte) whose XOR gives the new CRC.
    """
    # Images of the 16 basis bits, built by binary powering of the one-zero-byte map.
    result = np.array([1 << bit for bit in range(16)], dtype=np.uint32)
    power = _one_zero_byte()
    step = n
    while step:
        if step & 1:
            result = _apply(power, result)
        power = _apply(power, power)
        step >>= 1
    lo = np.zeros(256, dtype=np.uint16)
    hi = np.zeros(256, dtype=np.uint16)
    for value in range(256):
        lo[value] = _combine(result, value)
        hi[value] = _combine(result, value << 8)
    return lo, hi


def _one_zero_byte() -> np.ndarray:
    """The images of the 16 basis bits after one zero byte."""
    return np.array([(1 << b >> 8) ^ _TABLE_LIST[(1 << b) & 0xFF] for b in range(16)],
                    dtype=np.uint32)


def _combine(images: np.ndarray, value: int) -> int:
    out = 0
    for bit in range(16):
        if value >> bit & 1:
            out ^= int(images[bit])
    return out


def _apply(op: np.ndarray, images: np.ndarray) -> np.ndarray:
    """Compose: apply the linear map ``op`` to each of ``images``."""
    return np.array([_combine(op, int(v)) for v in images], dtype=np.uint32)


def fast_crc16(data: bytes | memoryview, crc: int = 0, block: int = 4096) -> int:
    """CRC-16/ARC of a long byte string, vectorised with numpy.

    The data is cut into equal blocks whose CRCs are computed side by side (one table step per
    byte position across all blocks at once), then chained: CRC(A || B) equals CRC(A) advanced
    over len(B) zero bytes, XOR CRC(B), because this CRC (no initial value, no final XOR) is
    linear. Pure-Python byte loops would take seconds on an hour of audio. ``crc`` continues
    the CRC of bytes that came before.
    """
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    whole = raw.shape[0] // block
    if whole:
        grid = raw[: whole * block].reshape(whole, block)
        crcs = np.zeros(whole, dtype=np.uint16)
        for col in range(block):
            crcs = (crcs >> 8) ^ _TABLE[(crcs ^ grid[:, col]) & 0xFF]
        lo, hi = _zeros_operator(block)
        for value in crcs.tolist():
            crc = int(lo[crc & 0xFF] ^ hi[crc >> 8]) ^ value
    return crc16(raw[whole * block:].tobytes(), crc)


def _toc(offsets: Sequence[int], total: int) -> bytes:
    """The 100-entry Xing seek table: where each percent of the playing time starts, as a
    fraction (out of 256) of the audio bytes; ``offsets`` count from the first audio frame."""
    count = len(offsets)
    if not count or not total:
        return bytes(100)
    return bytes(min(255, offsets[min(count - 1, pct * count // 100)] * 256 // total)
                 for pct in range(100))


def join(pieces: Sequence[Mp3Stream]) -> Iterable[bytes]:
    """The bytes of one MP3 made of ``pieces`` in order: a rewritten Info frame, then audio.

    All pieces must share sample rate and frame layout; the first piece's encoder delay is
    the file's, the last piece's end padding is the file's.
    """
    if not pieces:
        raise Mp3Error("nothing to join")
    first, last = pieces[0], pieces[-1]
    if any((p.sample_rate, len(p.info), p.delay, p.frame_samples)
           != (first.sample_rate, len(first.info), first.delay, first.frame_samples)
           for p in pieces):
        # A different encoder delay would shift everything after that piece.
        raise Mp3Error("pieces differ in sample rate, frame layout or encoder delay")
    info = bytearray(first.info)
    at = _info_at(bytes(info))
    flags = int.from_bytes(info[at + 4:at + 8], "big")
    frames = sum(p.frames for p in pieces)
    audio_bytes = sum(len(p.audio) for p in pieces)
    total = len(info) + audio_bytes
    pos = at + 8
    if flags & FLAG_FRAMES:
        info[pos:pos + 4] = frames.to_bytes(4, "big")
        pos += 4
    if flags & FLAG_BYTES:
        info[pos:pos + 4] = total.to_bytes(4, "big")
        pos += 4
    if flags & FLAG_TOC:
        offsets: list[int] = []
        base = 0
        for p in pieces:
            offsets.extend(base + o for o in p.offsets)
            base += len(p.audio)
        info[pos:pos + 100] = _toc(offsets, audio_bytes)
    lame = _lame_offset(bytes(info), at)
    info[lame + 21:lame + 24] = ((first.delay << 12) | last.padding).to_bytes(3, "big")
    info[lame + 28:lame + 32] = total.to_bytes(4, "big")  # music length: Info frame + audio
    music = 0  # piece by piece: the joined audio is never held whole
    for p in pieces:
        music = fast_crc16(p.audio, music)
    info[lame + 32:lame + 34] = music.to_bytes(2, "big")
    # The tag checksum as ffmpeg computes and checks it: the first 190 bytes of the frame,
    # with the checksum field itself zeroed (for mono frames it falls inside those bytes).
    info[lame + 34:lame + 36] = b"\0\0"
    info[lame + 34:lame + 36] = crc16(info[:TAG_CRC_BYTES]).to_bytes(2, "big")
    yield bytes(info)
    for p in pieces:
        yield p.audio

