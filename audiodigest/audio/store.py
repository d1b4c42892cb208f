"""The kept pieces of an episode: ``<key>.mp3`` plus ``<key>.json``, each checking itself.

The JSON (written last) holds the piece's measurements and the SHA-256 of its MP3 bytes.
Both files are untrusted when read back: a piece whose bytes do not match their hash, whose
MP3 frames do not parse, or whose JSON is not exactly what :meth:`PieceStore.put` writes
(numbers that are numbers, in range, consistent with the audio) is a miss and is made again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audiodigest.fsutil import atomic_write, remove_inside

from . import mp3join

MAX_PIECE_BYTES = 64 << 20  # far beyond any piece (40 s at 320 kbit/s is 1.6 MB)
MAX_META_BYTES = 16 << 20
TRUE_PEAK_RANGE = (-400.0, 60.0)  # dBTP a decoded piece can plausibly measure


@dataclass(frozen=True)
class Measured:
    """What a decoded piece measured: its true peak and its K-weighted energy per 10 ms."""

    true_peak: float  # dBTP (-inf for digital silence)
    energy: tuple[float, ...]
    frames: int


def energy_blocks(frames: int, sample_rate: int) -> int:
    """How many 10 ms energy blocks a fine meter reports for ``frames`` samples."""
    return 0 if frames <= 0 else (frames - 1) * 100 // sample_rate + 1


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        raise ValueError(f"{path.name} is not a piece file")
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    return float(value)


def parse_meta(text: bytes, stream: mp3join.Mp3Stream, frames_measured: int | None = None
               ) -> tuple[Measured, str]:
    """The measurements and MP3 hash in a piece's JSON; :class:`ValueError` unless every
    value has its type, is in range and agrees with ``piece`` (which measured
    ``frames_measured`` samples: by default its length)."""
    expected = stream.samples if frames_measured is None else frames_measured
    info = json.loads(text)
    if not isinstance(info, dict):
        raise ValueError("not an object")
    digest, frames, energy = info["sha256"], info["frames"], info["energy"]
    peak = _number(info["true_peak"])
    if not isinstance(digest, str) or len(digest) != 64:
        raise ValueError("bad hash")
    if isinstance(frames, bool) or not isinstance(frames, int) or frames != expected:
        raise ValueError("the audio is not the one that was measured")
    if not (peak == -math.inf or TRUE_PEAK_RANGE[0] <= peak <= TRUE_PEAK_RANGE[1]):
        raise ValueError("true peak out of range")
    if not isinstance(energy, list) or len(energy) != energy_blocks(frames, stream.sample_rate):
        raise ValueError("energy does not match the length")
    values = tuple(_number(v) for v in energy)
    if not all(0.0 <= v < math.inf for v in values):
        raise ValueError("energy out of range")
    return Measured(peak, values, frames), digest


class PieceStore:
    """Encoded pieces of one episode, kept in a folder (see the module doc)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.mp3", self.folder / f"{key}.json"

    def get(self, key: str, measured_frames: Callable[[mp3join.Mp3Stream], int] | None = None
            ) -> tuple[mp3join.Mp3Stream, Measured] | None:
        """The piece and its measurements, or None if missing or damaged in any way.

        ``measured_frames(piece)`` says how many samples its measurements must cover
        (default: its length).
        """
        audio, meta = self._paths(key)
        try:
            data = _read_regular(audio, MAX_PIECE_BYTES)
            stream = mp3join.read_piece(data)
            frames = None if measured_frames is None else measured_frames(stream)
            measured, digest = parse_meta(_read_regular(meta, MAX_META_BYTES), stream, frames)
        except (OSError, ValueError, KeyError, TypeError, OverflowError):
            return None  # missing or damaged: made again (mp3join.Mp3Error is a ValueError)
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        return stream, measured

    def put(self, key: str, data: bytes, measured: Measured) -> None:
        audio, meta = self._paths(key)
        atomic_write(audio, data)
        record = {**dataclasses.asdict(measured), "sha256": hashlib.sha256(data).hexdigest()}
        atomic_write(meta, json.dumps(record))

    def keep_only(self, keys: set[str]) -> None:
        """Remove pieces not in ``keys`` (and leftovers of interrupted writes)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            # A folder is scratch space of a build that was killed; a link is removed as a
            # link, never followed (remove_inside).
            if path.is_dir() or path.name.split(".")[0] not in keys or ".tmp" in path.name:
                remove_inside(self.folder, path)
