"""The speech engine protocol and the registry that finds engines by name.

Engines come from the entry-point group ``audiodigest.engines`` (the built-ins register the same
way as third-party ones). :func:`register_engine` adds one in-process, without packaging, which
tests and embedding applications use.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from audiodigest.config import VoiceSettings
from audiodigest.errors import AudioDigestError, ConfigError, FatalEngineError
from audiodigest.models import Pcm, Voice

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "audiodigest.engines"

#: How the synthesiser runs an engine's cache misses:
#: ``threads`` - CPU-bound and thread-safe; ``workers`` threads share the engine instance,
#:   which gets ``set_threads(cores // workers)`` first if it has that method;
#: ``async`` - network-bound; ``synthesize_async`` calls run concurrently in one event loop;
#: ``serial`` - one call after another in the calling process.
Concurrency = Literal["threads", "async", "serial"]

#: Every voice setting of show.toml; an engine lists the ones that change its audio.
ALL_SETTINGS: tuple[str, ...] = ("rate", "pitch", "volume", "sentence_silence")


class UnknownEngineError(ConfigError, FatalEngineError):
    """An engine name that no installed engine answers to (bad configuration, never retried)."""


class UnknownVoiceError(ConfigError, FatalEngineError):
    """A voice the engine does not have (bad configuration, never retried)."""


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers, for ``audiodigest voices``."""

    name: str
    language: str
    description: str = ""


@runtime_checkable
class Engine(Protocol):
    """A text-to-speech engine.

    ``version()`` must be cheap (no model load) and must change whenever the audio for the same
    text and voice would change: it is part of every cache key. ``synthesize`` returns mono
    int16 PCM and raises :class:`audiodigest.errors.EngineError` subclasses only.
    Engines may also define ``async def synthesize_async(text, voice) -> Pcm`` (used when
    ``concurrency == "async"``), ``set_threads(n)`` (called before parallel work) and
    ``use_store(folder)`` (a folder beside the segment cache for what the engine derives from
    its voices, given before synthesis) and ``voice_version``/``voice_identity`` (see
    :func:`version_for` and :func:`voice_identity`).
    """

    name: str
    #: Which voice settings change this engine's audio; only these enter the cache key.
    uses_settings: tuple[str, ...]
    concurrency: Concurrency

    def version(self) -> str: ...

    def voices(self) -> list[VoiceInfo]: ...

    def check_voice(self, voice: Voice) -> None:
        """Raise :class:`UnknownVoiceError` (listing some choices) if the voice is unusable."""
        ...

    def sample_rate(self, voice: Voice) -> int: ...

    def synthesize(self, text: str, voice: Voice) -> Pcm: ...


EngineFactory = Callable[[], Engine]

_lock = threading.Lock()
_extra: dict[str, EngineFactory] = {}
_instances: dict[str, Engine] = {}


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make ``name`` resolve to ``factory()`` in this process, ahead of entry points.

    """
    with _lock:
        _extra[name] = factory
        _instances.pop(name, None)


def release_engines() -> None:
    """Drop the loaded engines (and their models and ONNX memory arenas) of this process.

    The next :func:`get_engine` makes a fresh instance. The build calls this once speech is
    done, so the memory the voices held is free before the episode is assembled.
    """
    with _lock:
        _instances.clear()
    gc.collect()
    _return_free_memory()


def _return_free_memory() -> None:
    """Ask glibc to hand freed heap pages back to the system (a no-op elsewhere).

    The ONNX arena of a voice is freed into the C heap, which otherwise keeps it resident
    while the much larger audio master is built.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def unregister_engine(name: str) -> None:
    """Undo :func:`register_engine` (and drop any cached instance of ``name``)."""
    with _lock:
        _extra.pop(name, None)
        _instances.pop(name, None)


def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def engine_names() -> list[str]:
    """Every engine name that :func:`get_engine` accepts, sorted."""
    return sorted(set(_entry_points()) | set(_extra))


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (one shared instance per process; creating it loads no model).

    Raises :class:`UnknownEngineError` listing the installed engines.
    """
    with _lock:
        if name in _instances:
            return _instances[name]
        factory: EngineFactory | None = _extra.get(name)
        if factory is None:
            ep = _entry_points().get(name)
            if ep is None:
                choices = ", ".join(sorted(set(_entry_points()) | set(_extra)))
                raise UnknownEngineError(f"unknown speech engine {name!r}; choose one of: {choices}")
            try:
                factory = ep.load()  # type: ignore[attr-defined]
            except Exception as exc:  # a broken plugin must not crash the tool with a traceback
                raise FatalEngineError(f"speech engine {name!r} cannot be loaded: {exc}") from exc
        assert factory is not None
        engine = factory()
        _instances[name] = engine
        return engine


def voice_from_settings(s: VoiceSettings, root: Path | None = None) -> Voice:
    """The :class:`Voice` for a show.toml voice table.

    Only the settings the engine uses enter ``Voice.settings`` (so changing, say, ``pitch`` for
    piper does not invalidate its cache). A relative piper voice path (``*.onnx``) is resolved
    against ``root`` (the show folder) when given.
    """
    engine = get_engine(s.engine)
    used = getattr(engine, "uses_settings", ALL_SETTINGS)
    values = s.model_dump()
    settings = tuple(sorted((k, values[k]) for k in used if k in values))
    name = s.voice
    if root is not None and name.endswith(".onnx") and not Path(name).is_absolute():
        name = os.path.abspath(root / name)  # no symlink resolution: the .json lies beside it
    return Voice(engine=s.engine, voice=name, settings=settings)


def list_voices() -> list[tuple[str, VoiceInfo | str]]:
    """Every engine's voices for ``audiodigest voices``; an engine that cannot list its voices
    (not installed, broken) contributes one row with the reason instead."""
    rows: list[tuple[str, VoiceInfo | str]] = []
    for name in engine_names():
        try:
            voices: Sequence[VoiceInfo] = get_engine(name).voices()
        except AudioDigestError as exc:
            rows.append((name, exc.one_line()))
            continue
        except Exception as exc:  # a plugin's bug should not hide the other engines
            rows.append((name, f"cannot list voices: {exc}"))
            continue
        rows.extend((name, v) for v in voices)
    return rows


def unknown_voice(engine: str, voice: str, choices: Sequence[str], hint: str = "") -> UnknownVoiceError:
    """The error for a voice an engine does not have, naming a few of the choices."""
    shown = ", ".join(list(choices)[:8])
    more = f" (and {len(choices) - 8} more; see 'audiodigest voices')" if len(choices) > 8 else ""
    msg = f"unknown {engine} voice {voice!r}; choices include: {shown}{more}"
    if hint:
        msg += f"; {hint}"
    return UnknownVoiceError(msg)


def voice_identity(engine: Engine, voice: Voice) -> str:
    """How ``voice`` is named in cache keys: ``voice_identity(voice)`` when the engine has it
    (piper names a voice file by its file name, its content being in the version), else the
    voice as configured."""
    named = getattr(engine, "voice_identity", None)
    return str(named(voice)) if callable(named) else voice.voice


def version_for(engine: Engine, voice: Voice) -> str:
    """The version string that goes into the cache key for ``voice``: ``voice_version(voice)``
    when the engine has it (piper adds the model file's hash), else ``version()``."""
    per_voice = getattr(engine, "voice_version", None)
    return str(per_voice(voice)) if callable(per_voice) else engine.version()
