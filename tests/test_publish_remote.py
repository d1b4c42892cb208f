"""publish --to s3://...: against a real S3-compatible server on 127.0.0.1 (moto in server
mode): the feed goes last (also when the publish is killed), every object has its type and
cache lifetime, a second run uploads nothing, prune and dry-run; and the URL targets that
cannot be used are one-line errors."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from audiodigest.models import PublishedFile
from audiodigest.publish import write_outputs
from audiodigest.publish.deploy import MANIFEST, publish_to
from audiodigest.publish.remote import IMMUTABLE, SHORT, publish_remote
from tests.conftest import REPO
from tests.publish_support import daily_records, make_config, write_episode_files

BASE = "https://podcasts.example.com/signal/"


@dataclass
class S3:
    endpoint: str
    env: dict[str, str]
    client: Any

    def bucket(self) -> str:
        name = f"show-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, prefix: str = "show/") -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                         Prefix=prefix):
            for item in page.get("Contents", []):
                body = self.client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                found[item["Key"][len(prefix):]] = body
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           # no real AWS config or credentials file on this machine is read
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        import boto3

        yield S3(endpoint, env, boto3.client("s3"))
    server.stop()


def hashed(record: Any) -> Any:
    """The record with the hash-carrying names the pipeline gives its files."""
    folder = f"episodes/{record.id}"
    return replace(record,
                   audio=PublishedFile(f"{folder}/{record.id}-0123abcd45.mp3", "audio/mpeg"),
                   chapters_file=PublishedFile(f"{folder}/chapters-0123abcd45.json",
                                               "application/json+chapters"))


def build_site(root: Path, records: list[Any]) -> Path:
    config = make_config(root)
    out = root / "public"
    written = [write_episode_files(out, r) for r in records]
    write_outputs(config, written, out)
    return out


def feed_urls(feed: bytes) -> list[str]:
    """Every file of ours the feed names, relative to base_url."""
    doc = etree.fromstring(feed)
    urls = doc.xpath("//enclosure/@url | //*[local-name()='chapters']/@url"
                     " | //*[local-name()='transcript']/@url | //*[local-name()='image']/@href"
                     " | //item/link/text() | //channel/image/url/text()")
    rels = [u[len(BASE):] for u in urls if u.startswith(BASE)]
    return [r + "index.html" if r.endswith("/") else r for r in rels]


def assert_feed_complete(objects: dict[str, bytes]) -> None:
    """The bucket's feed, if any, names only objects that are there."""
    if "feed.xml" in objects:
        names = feed_urls(objects["feed.xml"])
        assert names
        assert [n for n in names if n not in objects] == []


def test_publish_to_s3_uploads_the_site_with_types_and_cache_lifetimes(
        tmp_path: Path, s3: S3) -> None:
    out = build_site(tmp_path / "show", [hashed(r) for r in daily_records(2)])
    bucket = s3.bucket()
    seen: list[str] = []
    report = publish_remote(out, f"s3://{bucket}/show", on_upload=seen.append)

    local = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    objects = s3.objects(bucket)
    assert set(objects) == local | {MANIFEST}
    assert seen == list(report.copied) and seen[-1] == "feed.xml"
    assert max(i for i, r in enumerate(seen) if not r.endswith(".html") and r != "feed.xml") \
        < min(i for i, r in enumerate(seen) if r.endswith(".html"))
    for rel in local:
        assert objects[rel] == (out / rel).read_bytes(), rel
    assert_feed_complete(objects)

    def head(rel: str) -> tuple[str, str]:
        meta = s3.client.head_object(Bucket=bucket, Key=f"show/{rel}")
        return meta["ContentType"].split(";")[0], meta["CacheControl"]

    episode = "episodes/2026-11-01"
    assert head("feed.xml") == ("application/rss+xml", SHORT)
    assert head(f"{episode}/2026-11-01-0123abcd45.mp3") == ("audio/mpeg", IMMUTABLE)
    assert head(f"{episode}/chapters-0123abcd45.json") == ("application/json+chapters",
                                                          IMMUTABLE)
    assert head(f"{episode}/transcript.vtt") == ("text/vtt", SHORT)
    assert head(f"{episode}/transcript.srt") == ("application/x-subrip", SHORT)
    assert head(f"{episode}/transcript.json") == ("application/json", SHORT)
    assert head(f"{episode}/index.html") == ("text/html", SHORT)
    cover = next(r for r in local if r.startswith("cover-"))
    assert head(cover) == ("image/png", IMMUTABLE)
    css = [r for r in local if r.endswith(".css")]
    assert css and head(css[0]) == ("text/css", SHORT)


def test_second_publish_uploads_nothing_and_a_change_uploads_only_itself(
        tmp_path: Path, s3: S3) -> None:
    out = build_site(tmp_path / "show", daily_records(2))
    bucket = s3.bucket()
    publish_remote(out, f"s3://{bucket}/show")
    etags = {o["Key"]: o["ETag"] for o in
             s3.client.list_objects_v2(Bucket=bucket, Prefix="show/")["Contents"]}

    second = publish_remote(out, f"s3://{bucket}/show")
    assert second.copied == () and "feed.xml" in second.skipped
    assert {o["Key"]: o["ETag"] for o in
            s3.client.list_objects_v2(Bucket=bucket, Prefix="show/")["Contents"]} == etags

    vtt = out / "episodes/2026-11-02/transcript.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("Welcome", "Welcomf"),
                   encoding="utf-8")  # same size, other content
    third = publish_remote(out, f"s3://{bucket}/show")
    assert third.copied == ("episodes/2026-11-02/transcript.vtt",)
    # An object deleted from the bucket behind our back is uploaded again.
    s3.client.delete_object(Bucket=bucket, Key="show/episodes/2026-11-01/transcript.srt")
    fourth = publish_remote(out, f"s3://{bucket}/show")
    assert fourth.copied == ("episodes/2026-11-01/transcript.srt",)


def test_prune_deletes_only_what_an_earlier_publish_put_there(tmp_path: Path, s3: S3) -> None:
    records = daily_records(2)
    out = build_site(tmp_path / "show", records)
    bucket = s3.bucket()
    s3.client.put_object(Bucket=bucket, Key="show/robots.txt", Body=b"User-agent: *\n")
    publish_remote(out, f"s3://{bucket}/show")
    old = "episodes/2026-11-01/2026-11-01.mp3"
    assert old in s3.objects(bucket)

    # The first episode leaves the site.
    import shutil

    shutil.rmtree(out / "episodes/2026-11-01")
    write_outputs(make_config(tmp_path / "show"), [write_episode_files(out, records[1])], out)
    kept = publish_remote(out, f"s3://{bucket}/show")
    assert kept.removed == () and old in s3.objects(bucket)  # without --prune: kept

    dry = publish_remote(out, f"s3://{bucket}/show", prune=True, dry_run=True)
    assert old in dry.removed and dry.copied == ()
    assert old in s3.objects(bucket)  # a dry run deletes nothing

    pruned = publish_remote(out, f"s3://{bucket}/show", prune=True)
    objects = s3.objects(bucket)
    assert old in pruned.removed and old not in objects
    assert not [k for k in objects if k.startswith("episodes/2026-11-01/")]
    assert "robots.txt" in objects  # never published by us: never deleted
    assert_feed_complete(objects)


def test_dry_run_lists_changes_and_changes_nothing(tmp_path: Path, s3: S3) -> None:
    out = build_site(tmp_path / "show", daily_records(1))
    bucket = s3.bucket()
    dry = publish_remote(out, f"s3://{bucket}/show", dry_run=True)
    local = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(dry.copied) == local and dry.copied[-1] == "feed.xml"
    assert s3.objects(bucket) == {}

    publish_remote(out, f"s3://{bucket}/show")
    before = s3.objects(bucket)
    (out / "episodes/2026-11-01/transcript.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\n"
                                                          "Hello\n", encoding="utf-8")
    dry = publish_remote(out, f"s3://{bucket}/show", dry_run=True)
    assert dry.copied == ("episodes/2026-11-01/transcript.srt",)
    assert "feed.xml" in dry.skipped
    assert s3.objects(bucket) == before


def test_dry_run_to_a_folder_writes_nothing(tmp_path: Path) -> None:
    out = build_site(tmp_path / "show", daily_records(1))
    dest = tmp_path / "www"
    dry = publish_to(out, dest, dry_run=True)
    assert dry.copied[-1] == "feed.xml" and not dest.exists()
    publish_to(out, dest)
    (dest / "stale.txt").write_text("x")
    again = publish_to(out, dest, prune=True, dry_run=True)
    assert again.copied == () and again.removed == ()  # stale.txt was never ours


def _cli(*args: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audiodigest", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, cwd=cwd, timeout=120)


@pytest.mark.parametrize("step", ["publish-upload", "publish-before-feed"])
def test_a_publish_killed_mid_upload_never_leaves_a_feed_naming_a_missing_object(
        tmp_path: Path, s3: S3, step: str) -> None:
    show = tmp_path / "show"
    records = daily_records(3)
    out = build_site(show, records[:2])
    bucket = s3.bucket()
    target = f"s3://{bucket}/show"
    first = _cli("publish", str(show), "--to", target, env=s3.env)
    assert first.returncode == 0, first.stderr
    old_feed = s3.objects(bucket)["feed.xml"]

    # A new episode, and the output rebuilt with new files the new feed names.
    write_outputs(make_config(show), [write_episode_files(out, r) for r in records], out)
    killed = _cli("publish", str(show), "--to", target,
                  env={**s3.env, "AUDIODIGEST_KILL_AT": step})
    assert killed.returncode == -9, killed.stderr
    objects = s3.objects(bucket)
    assert objects["feed.xml"] == old_feed
    assert_feed_complete(objects)
    # The manifest never records the new feed before it is up: a rerun must upload it.
    recorded = json.loads(objects[MANIFEST])["files"]["feed.xml"]["sha256"]
    assert recorded == hashlib.sha256(old_feed).hexdigest()

    rerun = _cli("publish", str(show), "--to", target, env=s3.env)
    assert rerun.returncode == 0, rerun.stderr
    objects = s3.objects(bucket)
    assert objects["feed.xml"] == (out / "feed.xml").read_bytes() != old_feed
    assert "episodes/2026-11-03/2026-11-03.mp3" in feed_urls(objects["feed.xml"])
    assert_feed_complete(objects)


def test_a_first_publish_killed_mid_upload_leaves_no_feed(tmp_path: Path, s3: S3) -> None:
    show = tmp_path / "show"
    build_site(show, daily_records(2))
    bucket = s3.bucket()
    killed = _cli("publish", str(show), "--to", f"s3://{bucket}/show",
                  env={**s3.env, "AUDIODIGEST_KILL_AT": "publish-before-feed"})
    assert killed.returncode == -9
    objects = s3.objects(bucket)
    assert objects and "feed.xml" not in objects


def test_a_missing_bucket_is_one_line(tmp_path: Path, s3: S3) -> None:
    show = tmp_path / "show"
    build_site(show, daily_records(1))
    run = _cli("publish", str(show), "--to", "s3://no-such-bucket-here/show", env=s3.env)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "no-such-bucket-here" in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("to", "words"), [
    ("nope://bucket/show", ["--to", "unknown scheme nope://"]),
    ("s3:bucket", ["--to", "not a URL"]),
    ("sftp://127.0.0.1:9/srv/www", ["--to", "paramiko"]),
])
def test_unusable_targets_are_one_line_errors_and_never_a_local_folder(
        tmp_path: Path, to: str, words: list[str]) -> None:
    if to.startswith("sftp:"):
        try:
            import paramiko  # noqa: F401
        except ImportError:
            pass  # the case under test: the message names the missing package
        else:
            words = ["--to"]  # installed: the connection to a closed port fails instead
    show = tmp_path / "show"
    build_site(show, daily_records(1))
    work = tmp_path / "cwd"
    work.mkdir()
    run = _cli("publish", str(show), "--to", to, env={}, cwd=work)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in run.stderr
    assert list(work.iterdir()) == []  # no folder named 's3:' or 'nope:'


def test_cli_dry_run_lists_each_file_and_changes_nothing(
        tmp_path: Path, s3: S3, capsys: pytest.CaptureFixture[str]) -> None:
    from audiodigest import cli

    show = tmp_path / "show"
    out = build_site(show, daily_records(1))
    bucket = s3.bucket()
    for to in (str(tmp_path / "www"), f"s3://{bucket}/show"):
        assert cli.main(["publish", str(show), "--to", to, "--dry-run"]) == 0
        lines = capsys.readouterr().out.splitlines()
        uploads = {line.split()[1] for line in lines if line.startswith("upload ")}
        assert uploads == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert lines[-1].startswith(f"Would publish to {to}: dry run, nothing changed")
    assert not (tmp_path / "www").exists()
    assert s3.objects(bucket) == {}
    assert cli.main(["publish", str(show), "--to", f"s3://{bucket}/show"]) == 0
    capsys.readouterr()
    assert cli.main(["publish", str(show), "--to", f"s3://{bucket}/show", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not [line for line in lines if line.startswith("upload ")]
    assert "unchanged feed.xml" in lines


def test_a_file_store_gets_whole_files_renamed_into_place(tmp_path: Path) -> None:
    """Stores other than S3 (sftp, here fsspec's in-memory one): files are written under a
    temporary name and renamed, none is left behind, and a second run uploads nothing."""
    import fsspec

    out = build_site(tmp_path / "show", daily_records(1))
    where = f"site-{uuid.uuid4().hex[:8]}"
    report = publish_remote(out, f"memory://{where}/www")
    fs = fsspec.filesystem("memory")
    names = {p[len(f"/{where}/www/"):] for p in fs.find(f"/{where}/www")}
    local = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == local | {MANIFEST}
    assert report.copied[-1] == "feed.xml"
    assert fs.cat_file(f"/{where}/www/feed.xml") == (out / "feed.xml").read_bytes()
    assert publish_remote(out, f"memory://{where}/www").copied == ()
    fs.rm(f"/{where}", recursive=True)
