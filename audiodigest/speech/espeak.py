"""espeak-ng: a robotic but very fast offline engine, used when it is installed."""

from __future__ import annotations

import functools
import logging
import shutil
import struct
import subprocess

from audiodigest.errors import EngineError, FatalEngineError
from audiodigest.models import Pcm, Voice
from audiodigest.speech.engines import Concurrency, Engine, VoiceInfo, unknown_voice

log = logging.getLogger(__name__)

NOT_INSTALLED = 'espeak-ng is not installed; install the espeak-ng package or use engine = "piper"'
BASE_WPM = 175  # espeak-ng's own default speed


class EspeakNotInstalled(FatalEngineError):
    """The espeak-ng program is not on PATH."""


def _exe() -> str:
    found = shutil.which("espeak-ng")
    if not found:
        raise EspeakNotInstalled(NOT_INSTALLED)
    return found


def _run(args: list[str], stdin: bytes | None = None, timeout: float = 60) -> bytes:
    try:
        done = subprocess.run([_exe(), *args], input=stdin, capture_output=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"espeak-ng failed: {exc}") from exc
    if done.returncode != 0:
        raise EngineError(f"espeak-ng failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def wav_to_pcm(wav: bytes) -> Pcm:
    """Mono int16 PCM from espeak-ng's WAV output.

    Hand-parsed rather than with :mod:`wave`: when writing to a pipe espeak-ng cannot seek
    back, so its RIFF and data sizes are placeholders (0x7FFFF...), which ``wave`` trusts.
    """
    if len(wav) < 12 or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise EngineError("espeak-ng did not produce WAV audio")
    pos, rate, bits, channels = 12, 0, 0, 0
    while pos + 8 <= len(wav):
        cid, size = wav[pos:pos + 4], struct.unpack("<I", wav[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            _fmt, channels, rate, _br, _align, bits = struct.unpack("<HHIIHH", wav[body:body + 16])
        elif cid == b"data":
            if bits != 16 or channels != 1 or not rate:
                raise EngineError(f"espeak-ng WAV is not mono 16-bit ({channels} ch, {bits} bit)")
            data = wav[body:body + min(size, len(wav) - body)]
            return Pcm(data[: len(data) // 2 * 2], rate)
        pos = body + size + (size & 1)
    raise EngineError("espeak-ng WAV has no audio data")


@functools.cache
def _voice_table() -> tuple[VoiceInfo, ...]:
    out = _run(["--voices"]).decode("utf-8", "replace").splitlines()[1:]
    rows = []
    for line in out:
        parts = line.split()
        if len(parts) >= 4:
            # Columns: priority, language, age/gender, name, file, other languages.
            rows.append(VoiceInfo(parts[1], parts[1], parts[3].replace("_", " ")))
    return tuple(rows)


class EspeakEngine(Engine):
    """espeak-ng through its command line (``--stdout`` gives WAV)."""

    name = "espeak"
    uses_settings: tuple[str, ...] = ("pitch", "rate", "volume")
    concurrency: Concurrency = "serial"  # ~900x real time: workers would cost more than they save

    def version(self) -> str:
        first = _run(["--version"]).decode("utf-8", "replace").strip().splitlines()
        return first[0] if first else "espeak-ng"

    def voices(self) -> list[VoiceInfo]:
        return list(_voice_table())

    def check_voice(self, voice: Voice) -> None:
        names = [v.name for v in _voice_table()]
        # espeak-ng also accepts variants (en-us+f3) and file paths (gmw/en-US); check the base.
        base = voice.voice.split("+", 1)[0]
        if base not in names and base.lower() not in {n.lower() for n in names} and "/" not in base:
            raise unknown_voice(self.name, voice.voice, names)

    def sample_rate(self, voice: Voice) -> int:
        return 22050

    def synthesize(self, text: str, voice: Voice) -> Pcm:
        wpm = max(80, min(500, round(BASE_WPM * float(voice.setting("rate", 1.0)))))
        amplitude = max(0, min(200, round(100 * float(voice.setting("volume", 1.0)))))
        pitch = max(0, min(99, 50 + int(voice.setting("pitch", 0))))
        # Text goes in on stdin so words starting with '-' are never read as options.
        wav = _run(["--stdout", "-v", voice.voice, "-s", str(wpm), "-a", str(amplitude),
                    "-p", str(pitch)], stdin=text.encode("utf-8"))
        return wav_to_pcm(wav)
