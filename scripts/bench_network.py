"""Benchmark of ``audiodigest batch``: a network of shows from one pool of articles.

SHOWS shows each pick PICK of POOL articles (seeded, so runs compare). Prints:

- one by one: every show built alone (``audiodigest build``) with a cache of its own;
- batch here: ``audiodigest batch`` over all shows with one shared store, on this machine;
- batch on a local Dask cluster (scheduler and single-thread worker processes on 127.0.0.1)
  with one worker and with two, each with a fresh store: wall seconds and segments a second
  of the synthesis phase;

with the segments synthesized against the segments the shows say (the fraction made).

    scripts/bench --network                              # 20 shows, 8 of 30 articles each
    scripts/bench --network --shows 4 --pick 3 --pool 8  # a reduced run
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent

SHOW_TOML = """\
title = "Network Show {n}"
description = "One show of a benchmark network."
author = "Bench Desk"
base_url = "https://podcasts.example.com/net{n}/"
category = "Technology"
{extra}
[owner]
name = "Bench Desk"
email = "desk@example.com"
"""
WORDS = ("chips", "voices", "memory", "models", "rivers", "markets", "robots", "cities",
         "trains", "forests", "satellites", "batteries", "farms", "schools", "clouds")


def article(i: int) -> str:
    rng = random.Random(i)
    a, b, c = rng.sample(WORDS, 3)
    return (f"Story {i + 1} on {a}\nNew {a} reached {b} this week. Experts expect more {c} "
            f"by spring.\nRead more → https://example.com/story-{i + 1}\n")


def make_network(root: Path, shows: int, pick: int, pool: int, store: str | None) -> list[Path]:
    rng = random.Random(18)
    articles = [article(i) for i in range(pool)]
    folders = []
    for n in range(shows):
        folder = root / f"show{n:02d}"
        (folder / "digests").mkdir(parents=True)
        extra = f'[cache]\nstore = "{store}"\n' if store else ""
        (folder / "show.toml").write_text(SHOW_TOML.format(n=n, extra=extra), encoding="utf-8")
        chosen = sorted(rng.sample(range(pool), pick))
        (folder / "digests" / "2026-11-20.txt").write_text(
            "\n".join(articles[i] for i in chosen), encoding="utf-8")
        folders.append(folder)
    return folders


def cli(*args: str | Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "audiodigest", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"audiodigest {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return time.monotonic() - start, proc


def one_by_one(root: Path, args: argparse.Namespace) -> tuple[float, int]:
    """Each show built alone with its own cache: (wall seconds, segments synthesized)."""
    folders = make_network(root, args.shows, args.pick, args.pool, None)
    wall = 0.0
    for folder in folders:
        wall += cli("-q", "build", folder)[0]
    # Each show's own cache holds exactly the distinct segments it made.
    made = sum(len(list((f / ".audiodigest" / "cache").glob("??/*.pcm"))) for f in folders)
    return wall, made


def batch(root: Path, args: argparse.Namespace, scheduler: str | None) -> dict[str, float]:
    """One batch over all shows with a fresh shared store (in this process, as the CLI runs it)."""
    from audiodigest.batch import BatchOptions, run_batch

    folders = make_network(root, args.shows, args.pick, args.pool, None)
    start = time.monotonic()
    result = run_batch(folders, BatchOptions(store=str(root / "store"), scheduler=scheduler,
                                             progress=False), notify=lambda m: None)
    wall = time.monotonic() - start
    if not result.ok:
        raise SystemExit(f"batch failed: {result.errors}")
    made = sum(r.synthesized for r in result.rows)
    synth = result.synthesis_seconds
    return {"wall": wall, "made": made, "said": sum(r.synthesized + r.reused for r in result.rows),
            "synth_wall": synth, "rate": made / synth if synth else 0.0}


def on_cluster(root: Path, args: argparse.Namespace, workers: int) -> dict[str, float]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster:
        return batch(root, args, cluster.scheduler_address)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shows", type=int, default=20)
    parser.add_argument("--pick", type=int, default=8)
    parser.add_argument("--pool", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="audiodigest-bench-net-") as tmp:
        work = Path(tmp)
        alone_wall, alone_made = one_by_one(work / "alone", args)
        print(f"one by one: {alone_wall:.1f} s, {alone_made} segments synthesized", flush=True)
        here = batch(work / "here", args, None)
        print(f"batch here: {here['wall']:.1f} s, {here['made']:.0f} of {here['said']:.0f} "
              f"segments synthesized ({here['made'] / here['said']:.0%})", flush=True)
        results = {}
        for n in (1, 2):
            results[n] = on_cluster(work / f"cluster{n}", args, n)
            r = results[n]
            print(f"cluster, {n} single-thread worker(s): {r['wall']:.1f} s; synthesis "
                  f"{r['synth_wall']:.1f} s = {r['rate']:.2f} segments/s", flush=True)
    print()
    print(f"{args.shows} shows, {args.pick} of {args.pool} articles each: batch here "
          f"{here['wall']:.0f} s against {alone_wall:.0f} s one by one "
          f"({alone_wall / here['wall']:.1f}x); {here['made']:.0f} of {here['said']:.0f} "
          f"segments synthesized ({here['made'] / here['said']:.0%}, one by one made "
          f"{alone_made}); synthesis on 1 worker {results[1]['rate']:.2f} segments/s, on 2 "
          f"workers {results[2]['rate']:.2f} segments/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
