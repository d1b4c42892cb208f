"""Running the encoder: float32 PCM in, MP3 (CBR, libmp3lame) or AAC in M4A out, via ffmpeg.

Samples are piped to ffmpeg's stdin block by block (no second copy in memory); ffmpeg converts
the master rate to ``AudioSettings.sample_rate``, and positions are converted by the same
exact ratio (:func:`convert_position`). What is encoded, and in how many pieces, is decided in
:mod:`audiodigest.audio.pieces`.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from audiodigest.config import AudioSettings
from audiodigest.errors import OutputError, ToolError
from audiodigest.models import ChapterMark

from . import ffmpeg, mp3join
from .tags import EpisodeTags, write_id3, write_mp4_tags

log = logging.getLogger(__name__)

PIPE_BLOCK = 1 << 16  # samples per write to ffmpeg's stdin
# A mono master played on two channels: each gets -3 dB so the stereo file measures the same
# integrated loudness (BS.1770 sums the channels' power).
STEREO_PAN = "pan=stereo|c0=0.70710678*c0|c1=0.70710678*c0"


def convert_position(sample: int, src: int, dst: int) -> int:
    """A sample position at ``src`` Hz as the nearest sample at ``dst`` Hz (exact integers)."""
    return (sample * dst + src // 2) // src


def _lame_trim(path: Path, audio_start: int) -> int | None:
    """Encoder delay plus end padding (samples) from the LAME/Info tag ffmpeg writes, or None.

    mutagen only trusts tags whose encoder string starts with "LAME"; ffmpeg writes "Lavc".
    """
    with open(path, "rb") as fh:
        fh.seek(audio_start)
        head = fh.read(2048)
    try:
        frame = head[: mp3join.frame_header(head, 0).size]
    except mp3join.Mp3Error:
        return None
    found = mp3join.delay_and_padding(frame)
    return None if found is None else found[0] + found[1]


def mp3_duration(path: Path) -> float:
    """Playing time of an MP3 in seconds, without the encoder delay and padding."""
    audio = MP3(path)
    info: Any = audio.info
    if info.encoder_info:  # a genuine LAME tag: mutagen has already trimmed the length
        return float(info.length)
    start = audio.tags.size if audio.tags is not None else 0  # type: ignore[union-attr]
    trim = _lame_trim(path, start)
    return float(info.length) - (trim or 0) / info.sample_rate


def ffmpeg_args(rate: int, settings: AudioSettings, out: Path, meta: Path | None = None,
                reservoir: bool = True) -> list[str]:
    """Arguments that encode float32 mono PCM at ``rate`` from stdin into ``out``.

    ``reservoir=False`` makes every MP3 frame carry its own bits, so frames can be kept from
    the middle of the stream (a seamless cut: :mod:`audiodigest.audio.cuts`).
    """
    args = ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    if meta is not None:
        # Chapter titles travel as metadata of the ffmetadata input: map them from there.
        args += ["-f", "ffmetadata", "-i", str(meta), "-map", "0:a", "-map_chapters", "1",
                 "-map_metadata", "1"]
    else:
        args += ["-map_metadata", "-1"]
    filters = []
    if settings.sample_rate != rate:
        filters.append(f"aresample={settings.sample_rate}:filter_size=64:cutoff=0.97")
    if settings.channels == 2:
        filters.append(STEREO_PAN)
    if filters:
        args += ["-af", ",".join(filters)]
    args += ["-ar", str(settings.sample_rate), "-ac", str(settings.channels),
             "-b:a", f"{settings.bitrate}k"]
    if settings.format == "mp3":
        # No ID3 from ffmpeg (mutagen writes v2.3); keep the Xing/LAME frame: it carries the
        # encoder delay and padding that make pieces join gaplessly and the duration exact.
        # compression_level is LAME's -q: 5 is its standard quality/speed balance, about 20 %
        # faster than ffmpeg's default (3) with the same measured noise at 64 kbit/s.
        args += ["-c:a", "libmp3lame", "-compression_level", "5", "-id3v2_version", "0",
                 "-write_xing", "1", "-f", "mp3"]
        if not reservoir:
            args[-2:-2] = ["-reservoir", "0"]
    else:
        args += ["-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"]
    return [*args, "-y", str(out)]


def pipe(blocks: Iterable[np.ndarray], args: Sequence[str], target: Path) -> None:
    """Run ffmpeg with ``args``, feeding it ``blocks`` of float32 samples on stdin.

    ``target`` names the output in error messages. Raises :class:`ToolError` if ffmpeg is
    missing, fails or is killed (the signal is named).
    """
    exe = ffmpeg.find_ffmpeg()
    cmd = [exe, "-hide_banner", "-loglevel", "warning", *args]
    log.debug("running %s", cmd)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=err)
        except OSError as exc:
            raise ToolError(f"ffmpeg could not start while encoding {target}: {exc}") from exc
        assert proc.stdin is not None
        broken = False
        try:
            for x in blocks:
                for i in range(0, x.shape[0], PIPE_BLOCK):
                    proc.stdin.write(x[i:i + PIPE_BLOCK].astype("<f4", copy=False).tobytes())
            proc.stdin.close()
        except BrokenPipeError:
            broken = True  # ffmpeg stopped reading: its stderr says why
        finally:
            if not proc.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            code = proc.wait()
        err.seek(0)
        stderr = err.read()
    if stderr:
        log.debug("ffmpeg stderr (encoding %s):\n%s", target, stderr.decode("utf-8", "replace"))
    if code != 0 or broken:
        if code < 0:  # killed: the signal says more than its last words
            reason = signal.strsignal(-code) or f"signal {-code}"
        else:
            reason = ffmpeg.telling_line(stderr) if stderr else f"exit code {code}"
        raise ToolError(f"ffmpeg failed while encoding {target}: {reason}")


def read_back(tmp: Path, target: Path, settings: AudioSettings, tags: EpisodeTags,
              chapters: Sequence[ChapterMark]) -> tuple[float, int]:
    """Tag the encoded file at ``tmp`` and return (duration in seconds, size in bytes)."""
    try:
        if settings.format == "mp3":
            write_id3(tmp, tags, chapters, settings.sample_rate)
            duration = mp3_duration(tmp)
        else:
            write_mp4_tags(tmp, tags)
            duration = float(MP4(tmp).info.length)  # type: ignore[attr-defined]
    except MutagenError as exc:
        raise OutputError(f"the encoded file cannot be read back: {exc}", path=target) from exc
    return duration, tmp.stat().st_size
