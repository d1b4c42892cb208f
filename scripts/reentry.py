"""Count how often one ``build`` re-enters the pipeline module.

Copies a show (default: the sample show in ``episodes/``) to a temporary folder, builds it once
with a profile hook installed, and counts the calls into functions defined in
``audiodigest/pipeline.py`` that come from code in any other file: each is a stage returning to
the hub. Prints the total and the count per function; ``--json`` prints them as JSON.

    .venv/bin/python scripts/reentry.py [SHOW_DIR] [--json] [--dry-run]

The build is real (real voice, real ffmpeg); the cache is the copy's own, so the first build
synthesizes everything. Nothing outside the temporary folder is written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def count_reentries(show: Path, *, dry_run: bool = False) -> Counter[str]:
    """Calls into functions of ``audiodigest/pipeline.py`` from other files, by function name."""
    import audiodigest.pipeline as pipeline

    target = str(Path(pipeline.__file__).resolve())
    counts: Counter[str] = Counter()

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or frame.f_code.co_filename != target:
            return
        caller = frame.f_back
        if caller is not None and caller.f_code.co_filename != target:
            counts[frame.f_code.co_qualname] += 1

    sys.setprofile(hook)
    threading.setprofile(hook)  # workers and preloading threads count too
    try:
        pipeline.build(show, pipeline.BuildOptions(progress=False, dry_run=dry_run),
                       notify=lambda _message: None)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("show", nargs="?", type=Path, default=ROOT / "episodes")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--dry-run", action="store_true", help="count a dry run instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reentry-") as tmp:
        show = Path(tmp) / "show"
        shutil.copytree(args.show, show, ignore=shutil.ignore_patterns(
            ".audiodigest", "cache", "output", "public"))
        counts = count_reentries(show, dry_run=args.dry_run)
    total = sum(counts.values())
    if args.json:
        print(json.dumps({"total": total, "calls": dict(counts.most_common())}, indent=2))
    else:
        print(f"{total} calls into audiodigest/pipeline.py from other modules during one build")
        for name, count in counts.most_common():
            print(f"  {count:5d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
