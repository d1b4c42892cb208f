"""Segment stores: the same keys, layout and self-checks on a folder, behind an fsspec
filesystem (temp + rename) and on a real S3-compatible server (one PUT per entry)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from audiodigest.config import parse
from audiodigest.errors import ConfigError
from audiodigest.models import Pcm, Voice
from audiodigest.speech.cache import SegmentCache, encode_entry
from audiodigest.speech.store import RemoteSegmentStore, StoreError, open_store, store_location
from tests.batch_support import S3, SHOW_TOML, moto_server

VOICE = Voice("piper", "en_US-joe-medium", (("rate", 1.0),))
PCM = Pcm(bytes(range(256)) * 40, 22050)
KEY = SegmentCache.key(VOICE, "piper-tts 1.8.0", "Hello there.")


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with moto_server() as server:
        yield server


def test_a_folder_or_file_url_is_the_local_cache(tmp_path: Path) -> None:
    for location in (str(tmp_path / "a"), f"file://{tmp_path / 'b'}", tmp_path / "c"):
        store = open_store(location)
        assert type(store) is SegmentCache
        store.put(KEY, PCM)
        assert store.get(KEY) == PCM
    assert (tmp_path / "b" / KEY[:2] / f"{KEY}.pcm").is_file()


@pytest.mark.parametrize("location, message", [
    ("nosuch://bucket/x", "unknown scheme nosuch://"),
    ("s3:bucket", "not a URL"),
])
def test_a_store_that_cannot_be_used_is_one_line(location: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(location)


def test_s3_store_same_layout_one_object_per_entry(s3: S3) -> None:
    bucket = s3.bucket()
    store = open_store(f"s3://{bucket}/segments")
    assert isinstance(store, RemoteSegmentStore) and store.atomic_put
    assert store.get(KEY) is None and KEY not in store
    store.put(KEY, PCM)
    # The same path the folder cache uses, and nothing else: no temporary object, no rename.
    assert s3.keys(bucket) == [f"segments/{KEY[:2]}/{KEY}.pcm"]
    body = s3.client.get_object(Bucket=bucket, Key=f"segments/{KEY[:2]}/{KEY}.pcm")["Body"].read()
    assert body == encode_entry(PCM)  # the very bytes the folder cache keeps
    assert KEY in store and open_store(f"s3://{bucket}/segments").get(KEY, 22050) == PCM


@pytest.mark.parametrize("damage", ["truncated", "flipped", "bad-rate", "other-rate"])
def test_s3_damaged_entry_is_a_miss_and_removed(s3: S3, damage: str) -> None:
    bucket = s3.bucket()
    store = open_store(f"s3://{bucket}/p")
    store.put(KEY, PCM)
    name = f"p/{KEY[:2]}/{KEY}.pcm"
    body = bytearray(s3.client.get_object(Bucket=bucket, Key=name)["Body"].read())
    rate = None
    if damage == "truncated":
        body = body[:-7]
    elif damage == "flipped":
        body[-1] ^= 0xFF
    elif damage == "bad-rate":
        struct.pack_into("<I", body, 8, 4)
    else:
        rate = 24000  # intact, but not the rate the voice speaks at
    s3.client.put_object(Bucket=bucket, Key=name, Body=bytes(body))
    assert open_store(f"s3://{bucket}/p").get(KEY, rate) is None
    assert s3.keys(bucket) == []


def test_filesystem_store_writes_a_temp_file_then_renames(tmp_path: Path) -> None:
    """A filesystem backend (here fsspec's local one) never shows a partial entry: the bytes
    go to a hidden temporary name in the same folder, then one rename."""
    fs = fsspec.filesystem("file")
    seen: list[tuple[str, str]] = []

    class Recording(type(fs)):  # type: ignore[misc]
        def pipe_file(self, path: str, value: bytes, **kw: object) -> None:
            seen.append(("write", path.rsplit("/", 1)[1]))
            super().pipe_file(path, value, **kw)

        def mv(self, path1: str, path2: str, **kw: object) -> None:
            seen.append(("rename", path2.rsplit("/", 1)[1]))
            super().mv(path1, path2, **kw)

    store = RemoteSegmentStore(Recording(skip_instance_cache=True), str(tmp_path / "s"),
                               "test://", tmp_path / "voices", atomic_put=False)
    store.put(KEY, PCM)
    assert seen[0][0] == "write" and seen[0][1].startswith(f".{KEY}.tmp")
    assert seen[1] == ("rename", f"{KEY}.pcm")
    assert [p.name for p in (tmp_path / "s").rglob("*") if p.is_file()] == [f"{KEY}.pcm"]
    assert SegmentCache(tmp_path / "s").get(KEY) == PCM  # the folder cache reads it as its own


def _config(extra: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return parse(SHOW_TOML.format(title="T", slug="t", extra=extra), tmp_path)


def test_cache_table_store_folder_and_url(tmp_path: Path) -> None:
    config = _config('[cache]\nfolder = "seg"\nstore = "../shared"\n', tmp_path)
    assert config.cache == Path("seg")
    assert store_location(config) == str(tmp_path / "../shared")
    config = _config('[cache]\nstore = "s3://bucket/segments"\n', tmp_path)
    assert config.cache == Path(".audiodigest/cache")
    assert store_location(config) == "s3://bucket/segments"
    assert store_location(_config('cache = "mine"\n', tmp_path)) is None


@pytest.mark.parametrize("extra, message", [
    ('[cache]\nstor = "x"\n', "unknown key 'cache.stor'"),
    ('[cache]\nstore = ""\n', "bad value for 'cache.store'"),
    ('cache_store = "x"\n', "unknown key 'cache_store'"),
])
def test_cache_table_errors_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(extra, tmp_path)
