"""edge-tts: Microsoft's online neural voices (needs the network).

The service streams 24 kHz mono MP3, decoded here to PCM with ffmpeg. Transient failures
(connection errors, HTTP 403/429/5xx on the websocket handshake, a stream cut short, no audio)
are retried with exponential backoff and jitter; when the service cannot be reached at all the
user gets one line suggesting the offline engine.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import subprocess
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import aiohttp

from audiodigest.errors import (
    AudioDigestError,
    EngineError,
    FatalEngineError,
    RetryableEngineError,
    ToolError,
)
from audiodigest.models import Pcm, Voice
from audiodigest.speech.engines import Concurrency, Engine, VoiceInfo, unknown_voice

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
RETRY_STATUSES = frozenset({403, 408, 429, 500, 502, 503, 504})

# A few common voices; the service has hundreds and listing them needs the network, which
# ``voices()`` must not use.
COMMON_VOICES: tuple[VoiceInfo, ...] = (
    VoiceInfo("en-US-AriaNeural", "en-US", "female, news/conversational"),
    VoiceInfo("en-US-GuyNeural", "en-US", "male, news"),
    VoiceInfo("en-US-JennyNeural", "en-US", "female, friendly"),
    VoiceInfo("en-US-AndrewNeural", "en-US", "male, warm"),
    VoiceInfo("en-US-EmmaNeural", "en-US", "female, cheerful"),
    VoiceInfo("en-GB-SoniaNeural", "en-GB", "female"),
    VoiceInfo("en-GB-RyanNeural", "en-GB", "male"),
    VoiceInfo("en-AU-NatashaNeural", "en-AU", "female"),
    VoiceInfo("de-DE-KatjaNeural", "de-DE", "female"),
    VoiceInfo("fr-FR-DeniseNeural", "fr-FR", "female"),
)
_VOICE_RE = re.compile(r"^[a-z]{2,3}-[A-Z]{2,}(-[A-Za-z]+)?-[A-Za-z0-9]+Neural$")
_FULL_VOICE_RE = re.compile(r"^Microsoft Server Speech Text to Speech Voice \(.+,.+\)$")


@dataclass(frozen=True)
class Boundary:
    """A word or sentence boundary the service reported; times in seconds from the start."""

    kind: str
    offset: float
    duration: float
    text: str


@dataclass(frozen=True)
class EdgeResult:
    pcm: Pcm
    boundaries: tuple[Boundary, ...]


def _percent(value: float) -> str:
    """Multiplier -> edge-tts' signed percentage (1.1 -> '+10%').

    >>> _percent(1.1), _percent(0.5), _percent(1.0)
    ('+10%', '-50%', '+0%')
    """
    pct = round((value - 1.0) * 100)
    return f"{pct:+d}%"


def _ffmpeg() -> str:
    from audiodigest.audio.ffmpeg import find_ffmpeg

    return find_ffmpeg()


def decode_mp3(mp3: bytes, sample_rate: int = SAMPLE_RATE) -> Pcm:
    """Decode MP3 bytes to mono int16 PCM at ``sample_rate`` with ffmpeg."""
    cmd = [_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mp3", "-i", "pipe:0",
           "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"]
    try:
        done = subprocess.run(cmd, input=mp3, capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"ffmpeg could not decode the edge-tts audio: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RetryableEngineError(
            f"edge-tts sent audio ffmpeg cannot decode: {err[-1] if err else 'no output'}"
        )
    data = done.stdout[: len(done.stdout) // 2 * 2]
    return Pcm(data, sample_rate)


class EdgeEngine(Engine):
    """Online voices through edge-tts, with retries and a bounded number of connections."""

    name = "edge"
    uses_settings: tuple[str, ...] = ("pitch", "rate", "volume")
    concurrency: Concurrency = "async"

    def __init__(self, *, max_concurrency: int = 4, attempts: int = 5, base_delay: float = 1.0,
                 max_delay: float = 30.0, connect_timeout: int = 10,
                 receive_timeout: int = 60, unreachable_attempts: int = 3) -> None:
        self.max_concurrency = max_concurrency  # the service answers 429 beyond ~5 connections
        self.attempts = attempts
        self.unreachable_attempts = unreachable_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.connect_timeout = connect_timeout
        self.receive_timeout = receive_timeout

    def version(self) -> str:
        try:
            return f"edge-tts {package_version('edge-tts')}; mp3 24k48k"
        except PackageNotFoundError as exc:
            raise FatalEngineError("edge-tts is not installed; use engine = \"piper\"") from exc

    def voices(self) -> list[VoiceInfo]:
        """Common voices only (listing all of them needs the network); any Microsoft neural
        voice name such as ``en-IE-EmilyNeural`` is accepted."""
        return [*COMMON_VOICES,
                VoiceInfo("(any xx-YY-NameNeural)", "*", "any Microsoft neural voice name works")]

    def check_voice(self, voice: Voice) -> None:
        if not (_VOICE_RE.match(voice.voice) or _FULL_VOICE_RE.match(voice.voice)):
            raise unknown_voice(self.name, voice.voice, [v.name for v in COMMON_VOICES],
                                "any Microsoft neural voice name (xx-YY-NameNeural) works")

    def sample_rate(self, voice: Voice) -> int:
        return SAMPLE_RATE

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        """Blocking form of :meth:`synthesize_async` (not for use inside a running loop)."""
        return asyncio.run(self.synthesize_async(text, voice))

    async def synthesize_async(self, text: str, voice: Voice) -> Pcm:
        return (await self.synthesize_detailed(text, voice)).pcm

    async def synthesize_detailed(self, text: str, voice: Voice) -> EdgeResult:
        """Speak ``text`` with retries; the PCM plus the word boundaries the service reported."""
        self.check_voice(voice)
        last: AudioDigestError | None = None
        unreachable = False
        attempt = 0
        for attempt in range(1, max(1, self.attempts) + 1):
            try:
                return await self._once(text, voice)
            except _Unreachable as exc:
                unreachable, last = True, RetryableEngineError(str(exc))
            except RetryableEngineError as exc:
                unreachable, last = False, exc
            # No route or connection refused is rarely fixed by waiting long: give up sooner.
            limit = min(self.attempts, self.unreachable_attempts) if unreachable else self.attempts
            if attempt >= limit:
                break
            delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
            delay *= random.uniform(0.5, 1.0)  # jitter: parallel jobs do not retry in lockstep
            log.info("edge-tts attempt %d failed (%s); retrying in %.2fs", attempt, last, delay)
            await asyncio.sleep(delay)
        if unreachable:
            raise FatalEngineError(
                "the online voice service (edge-tts) cannot be reached; check the network, "
                f"or use engine = \"piper\" for offline speech ({last.message if last else ''})"
            )
        assert last is not None
        raise EngineError(f"edge-tts kept failing after {attempt} attempts: {last.message}")

    async def _once(self, text: str, voice: Voice) -> EdgeResult:
        import edge_tts
        from edge_tts import exceptions as edge_exc

        try:
            comm = edge_tts.Communicate(
                text, voice.voice,
                rate=_percent(float(voice.setting("rate", 1.0))),
                volume=_percent(float(voice.setting("volume", 1.0))),
                pitch=f"{int(voice.setting('pitch', 0)):+d}Hz",
                boundary="WordBoundary",
                connect_timeout=self.connect_timeout,
                receive_timeout=self.receive_timeout,
            )
        except (TypeError, ValueError) as exc:
            raise FatalEngineError(f"edge-tts rejected the voice settings: {exc}") from exc
        audio: list[bytes] = []
        marks: list[Boundary] = []
        try:
            async for msg in comm.stream():
                if msg["type"] == "audio":
                    audio.append(msg["data"])
                elif msg["type"] in ("WordBoundary", "SentenceBoundary"):
                    marks.append(Boundary(msg["type"], msg["offset"] / 1e7,
                                          msg["duration"] / 1e7, msg["text"]))
        except aiohttp.WSServerHandshakeError as exc:
            raise self._status_error(exc.status, exc.message) from exc
        except aiohttp.ClientResponseError as exc:
            raise self._status_error(exc.status, exc.message) from exc
        except aiohttp.ClientConnectorError as exc:
            raise _Unreachable(f"cannot connect: {exc.os_error or exc}") from exc
        except edge_exc.NoAudioReceived as exc:
            raise RetryableEngineError("edge-tts received no audio") from exc
        except edge_exc.EdgeTTSException as exc:  # skew adjustment, bad or cut frames
            raise RetryableEngineError(f"edge-tts: {type(exc).__name__}: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryableEngineError(f"edge-tts connection failed: {type(exc).__name__} {exc}") from exc
        except OSError as exc:
            raise _Unreachable(f"cannot connect: {exc}") from exc
        # edge-tts ends quietly when the socket closes before turn.end; it moves a text part's
        # byte count into cumulative_audio_bytes only on turn.end, so a shortfall means the
        # audio was cut off.
        received = sum(len(a) for a in audio)
        confirmed = comm.state.get("cumulative_audio_bytes", received)
        if received != confirmed:
            raise RetryableEngineError(
                f"edge-tts connection dropped mid-stream ({confirmed} of {received} bytes confirmed)"
            )
        if not audio:
            raise RetryableEngineError("edge-tts received no audio")
        pcm = await asyncio.to_thread(decode_mp3, b"".join(audio))
        return EdgeResult(pcm, tuple(marks))

    @staticmethod
    def _status_error(status: int, message: str) -> EngineError:
        if status in RETRY_STATUSES:
            return RetryableEngineError(f"edge-tts service answered HTTP {status} {message}".strip())
        return FatalEngineError(f"edge-tts service refused the request: HTTP {status} {message}".strip())


class _Unreachable(RetryableEngineError):
    """The service could not be connected to at all (DNS, refused, no route)."""
