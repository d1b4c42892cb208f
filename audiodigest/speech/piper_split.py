"""A Piper voice in two parts, so that memory does not grow with the length of a sentence.

A Piper voice is one ONNX graph: the text side (encoder, durations, flow) turns phonemes into
a latent of 192 channels per frame, and a HiFi-GAN decoder turns that latent into samples, 256
per frame. The decoder holds every layer's activations for the whole sentence at once: a 20 s
sentence peaks at about 400 MB above the loaded model. The decoder is made only of
convolutions, so each output sample depends on a few frames either side of it. Decoding the
latent in windows of ``WINDOW`` frames, each widened by ``overlap`` frames of context that are
then cut away, gives the same samples (to float rounding) with memory bounded by the window.

The two parts are cut out of the voice's own graph with onnx's extractor and kept under the
segment cache (``voices/<model hash>/``). A split is only kept after a check on this very voice
that windowed decoding matches whole decoding, so a voice whose decoder needs more context, or
that cannot be split (a multi-speaker voice whose decoder takes the speaker), keeps the whole
graph.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audiodigest.fsutil import atomic_write

log = logging.getLogger(__name__)

SPLIT_FORMAT = 1
DECODER_FIRST_NODE = "/dec/conv_pre/Conv"  # the name Piper's exporter gives the decoder's input layer
WINDOW = 256  # frames (about 3 s at 22.05 kHz): ~150 MB of decoder activations, no slower than whole
OVERLAPS = (16, 32, 64)  # context frames tried, smallest first; joe-medium needs 12
TOLERANCE = 1e-5  # max sample difference allowed between windowed and whole decoding (1 LSB = 3e-5)


@dataclass(frozen=True)
class SplitVoice:
    """The two parts of a voice (as files or serialized bytes) and how to join them."""

    encoder: Path | bytes
    decoder: Path | bytes
    latent: str  # the decoder's input: the encoder's output
    hop: int  # samples per latent frame
    overlap: int  # context frames each side of a window


class WindowedSession:
    """Stands in for the voice's onnxruntime session in ``PiperVoice``: ``run`` takes the same
    inputs and returns the same audio, decoded a window at a time. Stateless, so threads may
    share it as they share a session."""

    def __init__(self, encoder: Any, decoder: Any, split: SplitVoice, window: int = WINDOW) -> None:
        self.encoder = encoder
        self.decoder = decoder
        self.split = split
        self.window = window

    def run(self, output_names: Any, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        (latent,) = self.encoder.run([self.split.latent], inputs)
        return [decode_windows(self.decoder, latent, self.split, self.window)]


def decode_windows(decoder: Any, latent: np.ndarray, split: SplitVoice, window: int) -> np.ndarray:
    """The decoder's samples for ``latent`` (1, channels, frames), one window at a time."""
    frames = latent.shape[2]
    hop, overlap = split.hop, split.overlap
    if frames <= window + overlap:
        return np.asarray(decoder.run(None, {split.latent: latent})[0]).reshape(-1)
    out = np.empty(frames * hop, dtype=np.float32)
    for start in range(0, frames, window):
        end = min(frames, start + window)
        lo, hi = max(0, start - overlap), min(frames, end + overlap)
        part = np.ascontiguousarray(latent[:, :, lo:hi])
        samples = np.asarray(decoder.run(None, {split.latent: part})[0]).reshape(-1)
        if samples.size != (hi - lo) * hop:
            raise ValueError(f"decoder gave {samples.size} samples for {hi - lo} frames")
        out[start * hop:end * hop] = samples[(start - lo) * hop:(end - lo) * hop]
    return out


# --- making the split ----------------------------------------------------------------------

_lock = threading.Lock()
_kept: dict[str, Path] = {}  # model hash -> a folder holding its split, seen in this process


def load_split(model: Path, model_hash: str, store: Path | None) -> SplitVoice | None:
    """The split of ``model``: read from ``store`` if made before, else made (and kept there
    when ``store`` is given). None when this voice cannot be split safely."""
    folder = store / f"{model_hash}-{SPLIT_FORMAT}" if store is not None else None
    with _lock:
        if folder is not None:
            kept = _read(folder) or _copy(_kept.get(model_hash), folder)
            if kept is not None:
                _kept[model_hash] = folder
                return kept
        try:
            made = _make(model)
        except Exception as exc:  # any voice the extractor or check cannot handle keeps its graph
            log.info("piper voice %s is used whole: %s", model, exc)
            made = None
        if made is None or folder is None:
            return made
        written = _write(folder, made)
        if written is None:
            return made
        _kept[model_hash] = folder
        return written


def _copy(source: Path | None, folder: Path) -> SplitVoice | None:
    """A copy of the split kept in ``source`` (another show's cache), which is quicker than
    splitting the voice again."""
    found = _read(source) if source is not None and source != folder else None
    if found is None:
        return None
    assert isinstance(found.encoder, Path) and isinstance(found.decoder, Path)
    try:
        data = SplitVoice(found.encoder.read_bytes(), found.decoder.read_bytes(), found.latent,
                          found.hop, found.overlap)
    except OSError:
        return None
    return _write(folder, data)


def _make(model: Path) -> SplitVoice | None:
    import onnx
    import onnxruntime
    from onnx.utils import Extractor

    proto = onnx.load(str(model))
    graph = proto.graph
    first = next((n for n in graph.node if n.name == DECODER_FIRST_NODE), None)
    if first is None or len(graph.output) != 1:
        log.info("piper voice %s has no decoder to split off", model)
        return None
    latent, output = first.input[0], graph.output[0].name
    extractor = Extractor(proto)
    decoder = extractor.extract_model([latent], [output])
    if [i.name for i in decoder.graph.input] != [latent]:
        log.info("piper voice %s: its decoder needs more than the latent", model)
        return None
    encoder = extractor.extract_model([i.name for i in graph.input], [latent])
    dec_bytes, enc_bytes = decoder.SerializeToString(), encoder.SerializeToString()

    # The check: a latent of three windows, decoded whole and in windows, must agree.
    opts = onnxruntime.SessionOptions()
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(dec_bytes, opts, providers=["CPUExecutionProvider"])
    weight = next(t for t in graph.initializer if t.name == first.input[1])
    channels = int(weight.dims[1])  # conv_pre's weight is (out, in, kernel)
    frames = 3 * 64 + 10
    z = np.random.default_rng(0).normal(0, 1, (1, channels, frames)).astype(np.float32)
    whole = np.asarray(session.run(None, {latent: z})[0]).reshape(-1)
    hop = whole.size // frames
    if hop * frames != whole.size:
        log.info("piper voice %s: decoder output is not a whole number of samples per frame", model)
        return None
    for overlap in OVERLAPS:
        split = SplitVoice(enc_bytes, dec_bytes, latent, hop, overlap)
        error = float(np.abs(decode_windows(session, z, split, 64) - whole).max())
        if error <= TOLERANCE:
            log.debug("piper voice %s split: hop %d, overlap %d (error %.1e)", model, hop, overlap,
                      error)
            return split
    log.info("piper voice %s: windowed decoding does not match whole decoding", model)
    return None


def _read(folder: Path) -> SplitVoice | None:
    try:
        meta = json.loads((folder / "split.json").read_text(encoding="utf-8"))
        encoder, decoder = folder / "encoder.onnx", folder / "decoder.onnx"
        if (meta["format"] != SPLIT_FORMAT or encoder.stat().st_size != meta["encoder_bytes"]
                or decoder.stat().st_size != meta["decoder_bytes"]):
            raise ValueError("sizes differ")
        return SplitVoice(encoder, decoder, str(meta["latent"]), int(meta["hop"]),
                          int(meta["overlap"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("split voice in %s is damaged (%s); making it again", folder, exc)
        discard(folder)
        return None


def _write(folder: Path, split: SplitVoice) -> SplitVoice | None:
    """Keep ``split`` in ``folder``; the JSON, written last, marks it complete."""
    assert isinstance(split.encoder, bytes) and isinstance(split.decoder, bytes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "encoder.onnx", split.encoder)
        atomic_write(folder / "decoder.onnx", split.decoder)
        meta = {"format": SPLIT_FORMAT, "latent": split.latent, "hop": split.hop,
                "overlap": split.overlap, "encoder_bytes": len(split.encoder),
                "decoder_bytes": len(split.decoder)}
        atomic_write(folder / "split.json", json.dumps(meta, indent=1).encode())
    except OSError as exc:  # a read-only or full cache: use the split from memory this time
        log.info("cannot keep the split voice in %s: %s", folder, exc)
        return None
    return SplitVoice(folder / "encoder.onnx", folder / "decoder.onnx", split.latent, split.hop,
                      split.overlap)


def discard(folder: Path) -> None:
    """Remove a kept split (after onnxruntime refused to load it)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)
