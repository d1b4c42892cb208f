"""``publish`` while a real build of the same show runs in another process: every feed it
publishes names only files that are in the web root."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from audiodigest import cli
from tests.conftest import REPO, make_show, run_cli

SECOND = """\
Batteries learn to wait
A start-up in Oslo stores wind power in sand heated to five hundred degrees.
Read more → https://example.com/sand-batteries

Maps for the blind
A new tactile map prints in ten minutes on a home printer.
Read more → https://example.com/tactile-maps
"""
BASE = "https://podcasts.example.com/test/"


def broken_links(web_root: Path) -> list[str]:
    """The URLs of our files in the published feed that are not in the web root."""
    doc = etree.parse(str(web_root / "feed.xml"))
    urls = doc.xpath("//enclosure/@url | //*[local-name()='chapters']/@url"
                     " | //*[local-name()='transcript']/@url | //*[local-name()='image']/@href"
                     " | //item/link/text()")
    assert urls
    return [u for u in urls if u.startswith(BASE) and not (web_root / u[len(BASE):]).is_file()]


@pytest.mark.slow
def test_publish_during_a_build_never_publishes_a_feed_with_missing_files(
        tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_show(tmp_path / "show", cache=shared_cache)
    assert run_cli("build", root).code == 0
    (root / "digests" / "2026-11-21.txt").write_text(SECOND, encoding="utf-8")

    # A slow web root (a network file system): each copy takes a while, so a publish spans
    # the moment the build writes its new files, pages and feed.
    real_copy = shutil.copyfile

    def slow_copy(src: str, dst: str) -> str:
        time.sleep(0.1)
        return real_copy(src, dst)

    monkeypatch.setattr(shutil, "copyfile", slow_copy)
    build = subprocess.Popen([sys.executable, "-m", "audiodigest", "build", str(root), "-q"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    problems: list[str] = []
    episodes: list[int] = []
    try:
        finished = False
        attempt = 0
        while not finished:
            finished = build.poll() is not None  # one more publish after the build ends
            attempt += 1
            web_root = tmp_path / f"www{attempt}"
            code = cli.main(["publish", str(root), "--to", str(web_root), "-q"])
            if code != 0:
                problems.append(f"publish {attempt} exited with {code}")
                continue
            missing = broken_links(web_root)
            if missing:
                problems.append(f"publish {attempt}: the feed names missing {missing}")
            episodes.append(len(etree.parse(str(web_root / "feed.xml")).xpath("//item")))
            time.sleep(0.05)
    finally:
        if build.poll() is None:
            build.kill()
        _, err = build.communicate(timeout=60)
    assert build.returncode == 0, err
    assert problems == []
    # The publishes saw the show before and after the build: one episode, then two.
    assert episodes[0] == 1 and episodes[-1] == 2
