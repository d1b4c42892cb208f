"""The speech engine protocol and the registry that finds engines by name.

Engines come from the entry-point group ``audiodigest.engines`` (the built-ins register the same
way as third-party ones). :func:`register_engine` adds one in-process, without packaging, which
tests and embedding applications use.
"""

from __future__ import annotations

import asyncio
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
#:   which gets :meth:`Engine.set_threads` first;
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
    """A text-to-speech engine. Engines subclass this class: the optional hooks below then
    have their defaults (the registry refuses an object that lacks any member).

    Required: ``name``, :meth:`version`, :meth:`voices`, :meth:`check_voice`,
    :meth:`sample_rate` and :meth:`synthesize`. ``synthesize`` returns mono int16 PCM and raises
    :class:`audiodigest.errors.EngineError` subclasses only.
    """

    name: str

    #: Which voice settings of show.toml change this engine's audio; only these enter the
    #: cache key (default: all of them).
    uses_settings: tuple[str, ...] = ALL_SETTINGS

    #: How the synthesiser runs this engine's cache misses (see :data:`Concurrency`).
    concurrency: Concurrency = "serial"

    #: With ``concurrency == "async"``: at most this many :meth:`synthesize_async` calls are
    #: in flight at once (an online service refuses too many connections).
    max_concurrency: int = 4

    def version(self) -> str:
        """Cheap (no model load), and changes whenever the audio for the same text and voice
        would change: it is part of every cache key."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The voices to list in ``audiodigest voices``."""
        ...

    def check_voice(self, voice: Voice) -> None:
        """Raise :class:`UnknownVoiceError` (listing some choices) if the voice is unusable."""
        ...

    def sample_rate(self, voice: Voice) -> int:
        """The rate ``voice`` speaks at; a cached segment at another rate is damage."""
        ...

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        """Speak ``text`` (blocking). Must be thread-safe when ``concurrency == "threads"``."""
        ...

    # --- optional hooks (defaults here) -------------------------------------------------

    async def synthesize_async(self, text: str, voice: Voice) -> Pcm:
        """Speak ``text`` without blocking the event loop; used when ``concurrency ==
        "async"``. Default: :meth:`synthesize` on a worker thread."""
        return await asyncio.to_thread(self.synthesize, text, voice)

    def set_threads(self, threads: int, *, spin: bool) -> None:
        """Called before a ``concurrency == "threads"`` run with the CPU threads each
        :meth:`synthesize` call may use (cores / parallel calls, at least 1). ``spin`` is true
        when one call has every core to itself, so idle threads may busy-wait between steps;
        false when calls run side by side (spinning would steal the cores the others need).
        Takes effect for work started afterwards. Default: ignored."""

    def use_store(self, folder: Path) -> None:
        """Called before synthesis with a folder beside the segment cache (``voices/``) where
        the engine may keep what it derives from its voices. Default: ignored."""

    def load_voice(self, voice: Voice) -> None:
        """Make ``voice`` ready now, so the first :meth:`synthesize` pays no loading cost
        (a resident studio or a cluster worker calls it once per voice). Raises
        UnknownVoiceError for a voice that cannot be loaded. Default: :meth:`check_voice`."""
        self.check_voice(voice)

    def voice_version(self, voice: Voice) -> str:
        """The version that enters the cache key for ``voice`` (piper adds the voice model's
        hash). Default: :meth:`version`."""
        return self.version()

    def voice_identity(self, voice: Voice) -> str:
        """How ``voice`` is named in cache keys (piper names a voice file by its file name,
        its content being in :meth:`voice_version`). Default: the voice as configured."""
        return voice.voice


EngineFactory = Callable[[], Engine]

# Every member of the protocol, to name the missing ones when an object is not an engine.
_MEMBERS = (*Engine.__annotations__,
            *(name for name, value in vars(Engine).items()
              if callable(value) and not name.startswith("_")))

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
        if not isinstance(engine, Engine):
            missing = [m for m in _MEMBERS if not hasattr(engine, m)]
            raise FatalEngineError(f"speech engine {name!r} lacks {', '.join(missing)}; an engine "
                                   "subclasses audiodigest.speech.Engine")
        _instances[name] = engine
        return engine


def voice_from_settings(s: VoiceSettings, root: Path | None = None) -> Voice:
    """The :class:`Voice` for a show.toml voice table.

    Only the settings the engine uses enter ``Voice.settings`` (so changing, say, ``pitch`` for
    piper does not invalidate its cache). A relative piper voice path (``*.onnx``) is resolved
    against ``root`` (the show folder) when given.
    """
    engine = get_engine(s.engine)
    values = s.model_dump()
    settings = tuple(sorted((k, values[k]) for k in engine.uses_settings if k in values))
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
