"""Builders shared by the batch and segment-store tests: small shows whose digests overlap, a
real S3-compatible server (moto in server mode) on 127.0.0.1, and the spoken lines of a show
read back through the real CLI."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiodigest.cli import main

ARTICLES = {
    "a": "Rain\nRain at noon.\n",
    "b": "Wind\nWind is calm.\n",
    "c": "Snow\nSnow is gone.\n",
    "d": "Sun\nSun comes out.\n",
    "e": "Fog\nFog is back.\n",
    "f": "Hail\nHail at dawn.\n",
}

SHOW_TOML = """\
title = "{title}"
description = "A show made by the batch tests."
author = "Test Desk"
base_url = "https://podcasts.example.com/{slug}/"
category = "Technology"
{extra}
[owner]
name = "Test Desk"
email = "desk@example.com"
"""


def make_show(root: Path, articles: str, *, title: str = "Net Show", extra: str = "") -> Path:
    """A show folder whose one digest holds the named articles (letters of ARTICLES)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "show.toml").write_text(
        SHOW_TOML.format(title=title, slug=root.name, extra=extra), encoding="utf-8")
    (root / "digests").mkdir(exist_ok=True)
    digest = "\n".join(ARTICLES[letter] for letter in articles)
    (root / "digests" / "2026-11-20.txt").write_text(digest, encoding="utf-8")
    return root


def spoken_pairs(show: Path) -> set[str]:
    """The (speaker, spoken text) lines of the show's script, from ``script --spoken`` (run
    in this process: the real command, without a second interpreter's start-up)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["-q", "script", str(show), "--spoken"])
    assert code == 0
    return {line for line in out.getvalue().splitlines()
            if ": " in line and line.split(": ", 1)[0].isupper()}


def store_entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("??/*.pcm"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3:
    endpoint: str
    client: Any

    def bucket(self) -> str:
        name = f"seg-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)


@contextmanager
def moto_server() -> Iterator[S3]:
    """A real S3 HTTP API on 127.0.0.1, with the AWS environment pointing at it (also for
    child processes started meanwhile: the CLI and cluster workers)."""
    import pytest
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            import boto3

            yield S3(endpoint, boto3.client("s3"))
    finally:
        server.stop()
