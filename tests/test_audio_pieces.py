"""Kept pieces are untrusted input: damaged audio or tampered metadata means the piece is made
again, never joined into the episode (real builds through the CLI, decoded by real ffmpeg)."""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
from pathlib import Path

import pytest

from audiodigest.audio import mp3join
from audiodigest.audio.ffmpeg import find_ffmpeg
from audiodigest.audio.store import Measured, PieceStore, energy_blocks, parse_meta
from tests.conftest import make_show, run_cli

pytestmark = pytest.mark.slow


def _decode_errors(path: Path) -> str:
    """What ffmpeg says decoding ``path`` to nowhere: nothing for a clean file."""
    proc = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr + proc.stdout


def _episode_mp3(root: Path) -> Path:
    (mp3,) = (root / "public" / "episodes").glob("*/*.mp3")
    return mp3


def _rejoin(root: Path) -> None:
    """Lose the published episode file, so the next build joins its kept pieces again."""
    _episode_mp3(root).unlink()


def _pieces(root: Path) -> list[Path]:
    return sorted((root / ".audiodigest" / "pieces").glob("*/*.mp3"))


def _made(stderr: str) -> tuple[int, int]:
    found = re.search(r"in (\d+) pieces \((\d+) made", stderr)
    assert found, stderr
    return int(found[1]), int(found[2])


def test_flipped_bytes_in_kept_pieces_are_made_again(tmp_path: Path, shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    pieces = _pieces(root)
    assert len(pieces) >= 3
    rng = random.Random(13)
    for piece in pieces[:2]:  # 111 bytes flipped in the middle of two real pieces
        data = bytearray(piece.read_bytes())
        for at in rng.sample(range(len(data) // 4, 3 * len(data) // 4), 111):
            data[at] ^= 0xFF
        piece.write_bytes(bytes(data))
    _rejoin(root)
    result = run_cli("build", root)
    assert result.code == 0, result.err
    total, made = _made(result.err)
    assert (total, made) == (len(pieces), 2), result.err
    assert _decode_errors(_episode_mp3(root)) == ""


TAMPERINGS = {
    "true peak as a string": lambda m: {**m, "true_peak": "-1.5"},
    "frames as a string": lambda m: {**m, "frames": str(m["frames"])},
    "negative frames": lambda m: {**m, "frames": -m["frames"]},
    "huge frames": lambda m: {**m, "frames": 10**30},
    "missing energy": lambda m: {k: v for k, v in m.items() if k != "energy"},
    "energy of strings": lambda m: {**m, "energy": [str(v) for v in m["energy"]]},
    "negative energy": lambda m: {**m, "energy": [-1.0] * len(m["energy"])},
    "huge true peak": lambda m: {**m, "true_peak": 1e308},
    "a list": lambda m: [m],
}


def test_tampered_piece_metadata_is_a_miss_not_an_internal_error(tmp_path: Path,
                                                                 shared_cache: Path) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    metas = [p.with_suffix(".json") for p in _pieces(root)]
    tampered = list(TAMPERINGS.values())[:len(metas)]
    for meta, tamper in zip(metas, tampered, strict=False):
        meta.write_text(json.dumps(tamper(json.loads(meta.read_text()))))
    _rejoin(root)
    result = run_cli("build", root)
    assert result.code == 0, result.err
    assert _made(result.err) == (len(metas), len(tampered)), result.err
    assert _decode_errors(_episode_mp3(root)) == ""


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[PieceStore, str]:
    """One real piece (a second of tone, encoded by ffmpeg) in a store."""
    import numpy as np

    from audiodigest.audio.encode import ffmpeg_args, pipe
    from audiodigest.audio.pieces import _measure_decoded
    from audiodigest.config import AudioSettings

    folder = tmp_path_factory.mktemp("store")
    settings = AudioSettings()
    out = folder / "tone.mp3"
    tone = 0.3 * np.sin(np.arange(22050) * 2 * np.pi * 440 / 22050).astype(np.float32)
    pipe([tone], ffmpeg_args(22050, settings, out), out)
    store = PieceStore(folder / "pieces")
    store.put("a" * 64, out.read_bytes(), _measure_decoded(out, settings))
    return store, "a" * 64


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_each_tampering_of_the_metadata_is_a_miss(kept: tuple[PieceStore, str], name: str,
                                                  tmp_path: Path) -> None:
    store, key = kept
    piece = mp3join.read_piece((store.folder / f"{key}.mp3").read_bytes())
    meta = json.loads((store.folder / f"{key}.json").read_text())
    assert parse_meta(json.dumps(meta).encode(), piece)[0].frames == piece.samples
    with pytest.raises((ValueError, KeyError, TypeError)):
        parse_meta(json.dumps(TAMPERINGS[name](meta)).encode(), piece)


def test_a_sound_piece_is_found_and_silence_measures_minus_infinity(
        kept: tuple[PieceStore, str]) -> None:
    store, key = kept
    hit = store.get(key)
    assert hit is not None and hit[1].frames == hit[0].samples
    assert len(hit[1].energy) == energy_blocks(hit[0].samples, hit[0].sample_rate)
    silent = Measured(-math.inf, (0.0,) * len(hit[1].energy), hit[1].frames)
    store.put("b" * 64, (store.folder / f"{key}.mp3").read_bytes(), silent)
    found = store.get("b" * 64)
    assert found is not None and found[1].true_peak == -math.inf
    assert store.get("c" * 64) is None
