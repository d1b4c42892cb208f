"""Encoding the master once, with ffmpeg, into MP3 (CBR, libmp3lame) or AAC in M4A.

The master's float32 samples are piped to ffmpeg's stdin block by block (no second copy of
the episode in memory). ffmpeg converts the master rate to ``AudioSettings.sample_rate``;
chapter and cue positions are converted by the same exact ratio. The file is written to a
temporary path beside the target, tagged there, and only then renamed into place, so a
half-written or untagged file is never published.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from audiodigest.config import AudioSettings
from audiodigest.errors import OutputError, ToolError
from audiodigest.fsutil import atomic_path
from audiodigest.models import ChapterMark, Cue, EncodedEpisode

from . import ffmpeg
from . import master as master_mod
from .assemble import Master
from .tags import EpisodeTags, ffmetadata, write_id3, write_mp4_tags

log = logging.getLogger(__name__)

PIPE_BLOCK = 1 << 16  # samples per write to ffmpeg's stdin
MEASURE_ENCODED = True  # decode the result and report its loudness in EncodedEpisode.loudness
# A mono master played on two channels: each gets -3 dB so the stereo file measures the same
# integrated loudness (BS.1770 sums the channels' power).
STEREO_PAN = "pan=stereo|c0=0.70710678*c0|c1=0.70710678*c0"

PEAK_SLACK_DB = 0.0  # how far over the ceiling an encoded file may peak before re-encoding
PEAK_RETRIES = 2  # re-encodes at most, each with the master limited lower

MIME = {"mp3": "audio/mpeg", "m4a": "audio/x-m4a"}


def convert_position(sample: int, src: int, dst: int) -> int:
    """A sample position at ``src`` Hz as the nearest sample at ``dst`` Hz (exact integers)."""
    return (sample * dst + src // 2) // src


def _convert(m: Master, rate: int) -> tuple[tuple[ChapterMark, ...], tuple[Cue, ...]]:
    src = m.sample_rate

    def conv(x: int) -> int:
        return convert_position(x, src, rate)

    chapters = tuple(dataclasses.replace(c, start=conv(c.start), end=conv(c.end))
                     for c in m.chapters)
    cues = tuple(dataclasses.replace(c, start=conv(c.start), end=conv(c.end)) for c in m.cues)
    return chapters, cues


def _lame_trim(path: Path, audio_start: int) -> int | None:
    """Encoder delay plus end padding (samples) from the LAME/Info tag ffmpeg writes, or None.

    mutagen only trusts tags whose encoder string starts with "LAME"; ffmpeg writes "Lavc",
    so its delay and padding are read here (hand-written: a fixed layout, a few bytes).
    """
    with open(path, "rb") as fh:
        fh.seek(audio_start)
        head = fh.read(1024)
    for magic in (b"Info", b"Xing"):
        at = head.find(magic)
        if 0 <= at <= 40:
            break
    else:
        return None
    flags = int.from_bytes(head[at + 4:at + 8], "big")
    lame = at + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) \
        + 4 * bool(flags & 8)
    field = head[lame + 21:lame + 24]
    if len(field) < 3 or not head[lame:lame + 4].isalpha():
        return None
    value = int.from_bytes(field, "big")
    return (value >> 12) + (value & 0xFFF)


def mp3_duration(path: Path) -> float:
    """Playing time of an MP3 in seconds, without the encoder delay and padding."""
    audio = MP3(path)
    info: Any = audio.info
    if info.encoder_info:  # a genuine LAME tag: mutagen has already trimmed the length
        return float(info.length)
    start = audio.tags.size if audio.tags is not None else 0  # type: ignore[union-attr]
    trim = _lame_trim(path, start)
    return float(info.length) - (trim or 0) / info.sample_rate


def _ffmpeg_args(m: Master, settings: AudioSettings, out: Path, meta: Path | None) -> list[str]:
    args = ["-f", "f32le", "-ar", str(m.sample_rate), "-ac", "1", "-i", "pipe:0"]
    if meta is not None:
        # Chapter titles travel as metadata of the ffmetadata input: map them from there.
        args += ["-f", "ffmetadata", "-i", str(meta), "-map", "0:a", "-map_chapters", "1",
                 "-map_metadata", "1"]
    else:
        args += ["-map_metadata", "-1"]
    filters = []
    if settings.sample_rate != m.sample_rate:
        filters.append(f"aresample={settings.sample_rate}:filter_size=64:cutoff=0.97")
    if settings.channels == 2:
        filters.append(STEREO_PAN)
    if filters:
        args += ["-af", ",".join(filters)]
    args += ["-ar", str(settings.sample_rate), "-ac", str(settings.channels),
             "-b:a", f"{settings.bitrate}k"]
    if settings.format == "mp3":
        # No ID3 from ffmpeg (mutagen writes v2.3); keep the Xing/LAME frame for gapless
        # playback and exact duration.
        args += ["-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3"]
    else:
        args += ["-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"]
    return [*args, "-y", str(out)]


def _pipe(m: Master, args: Sequence[str], target: Path) -> None:
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
            x = m.samples
            for i in range(0, x.shape[0], PIPE_BLOCK):
                proc.stdin.write(x[i:i + PIPE_BLOCK].astype("<f4", copy=False).tobytes())
            proc.stdin.close()
        except BrokenPipeError:
            broken = True  # ffmpeg stopped reading: its stderr says why
        finally:
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


def encode(m: Master, target: Path, settings: AudioSettings, tags: EpisodeTags) -> EncodedEpisode:
    """Encode ``m`` to ``target`` (MP3 or M4A per ``settings.format``), tag it, and describe it.

    The returned chapters and cues count samples at ``settings.sample_rate`` (the file's
    rate); ``duration`` is read back from the file (encoder delay and padding excluded).
    If the encoded file's true peak is over ``settings.true_peak`` the master is
    mastered again with a lower ceiling (in place) and encoded again, at most :data:`PEAK_RETRIES` times. Raises :class:`ToolError` if ffmpeg is missing
    or fails, :class:`OutputError` if the file cannot be written.
    """
    target = Path(target)
    episode = _encode_once(m, target, settings, tags)
    aim = settings.true_peak
    for _ in range(PEAK_RETRIES):
        tp = episode.loudness.true_peak_dbtp if episode.loudness else -math.inf
        if tp <= settings.true_peak + PEAK_SLACK_DB:
            break
        # Coding pushed a peak over the ceiling: master again (in place, same loudness target)
        # with the ceiling lowered by the overshoot, and encode again.
        aim = max(-9.0, aim - (tp - settings.true_peak) - 0.1)
        log.info("true peak %.2f dBTP after encoding; mastering to %.2f dBTP and re-encoding",
                 tp, aim)
        m, _ = master_mod.master(m, settings.model_copy(update={"true_peak": aim}))
        episode = _encode_once(m, target, settings, tags)
    return episode


def _encode_once(m: Master, target: Path, settings: AudioSettings,
                 tags: EpisodeTags) -> EncodedEpisode:
    chapters, cues = _convert(m, settings.sample_rate)
    with tempfile.TemporaryDirectory(prefix="audiodigest-encode-") as scratch:
        meta = None
        if settings.format == "m4a" and chapters:
            meta = Path(scratch) / "chapters.ffmeta"
            meta.write_text(ffmetadata(chapters, settings.sample_rate), encoding="utf-8")
        with atomic_path(target) as tmp:
            _pipe(m, _ffmpeg_args(m, settings, tmp, meta), target)
            try:
                if settings.format == "mp3":
                    write_id3(tmp, tags, chapters, settings.sample_rate)
                    duration = mp3_duration(tmp)
                else:
                    write_mp4_tags(tmp, tags)
                    duration = float(MP4(tmp).info.length)  # type: ignore[attr-defined]
            except MutagenError as exc:
                raise OutputError(f"the encoded file cannot be read back: {exc}",
                                  path=target) from exc
            size = tmp.stat().st_size
    loudness = master_mod.measure(target) if MEASURE_ENCODED else None
    log.info("encoded %s: %.1f s, %d bytes", target, duration, size)
    return EncodedEpisode(path=str(target), mime_type=MIME[settings.format],  # type: ignore[arg-type]
                          size=size, duration=duration, sample_rate=settings.sample_rate,
                          chapters=chapters, cues=cues, loudness=loudness)
