"""Benchmark the studio's resident process (``scripts/bench --studio``).

On a copy of the sample show, after a cold build from the command line:

* edit -> audio: 10 new sentences of 12-20 words, each sent as the page sends an edit (the
  spoken plan, then the preview) to a real studio on 127.0.0.1; the time until the WAV has
  arrived, median and 90th percentile (target: within 1 s on 2 cores);
* a one-sentence-edit rebuild in the resident process (saved through the API, built through
  the API's event stream), as a fraction of the cold build (target: at most 10 %), beside the
  same edit rebuilt from the command line (which pays the start-up of a new process).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

WORDS = [
    "river", "market", "engineers", "quietly", "measured", "seven", "bright", "lanterns",
    "before", "winter", "storms", "arrived", "across", "northern", "valleys", "while",
    "teachers", "planned", "careful", "lessons", "about", "ancient", "trade", "routes",
    "gardens", "harbours", "copper", "bridges", "silent", "forests", "and", "patient",
    "farmers", "building", "stone", "walls", "near", "the", "old", "mill",
]


def new_sentences(n: int = 10, seed: int = 17) -> list[str]:
    """``n`` sentences of 12 to 20 words no cache has seen before."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.sample(WORDS, rng.randint(12, 20))
        words[0] = words[0].capitalize()
        out.append(" ".join(words) + f", noted on day {i + 3}.")
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def edited(doc: dict, n: int) -> dict:
    """The script with one sentence changed: the first paragraph of the second chapter."""
    for block in doc["chapters"][1]["blocks"]:
        if block["type"] == "paragraph":
            text = block["text"]
            cut = next((i for i, c in enumerate(text) if c in ".!?"), len(text))
            block["text"] = text[:cut] + f", as desk note {n} says" + text[cut:]
            return doc
    raise SystemExit("bench: the sample script has no paragraph in its second chapter")


def main() -> int:
    from bench import WARM_UP, edit_one_sentence, measured_build, prepare_sample

    from tests.studio_support import StudioServer

    subprocess.run([sys.executable, "-c", WARM_UP], cwd=REPO, check=True)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="audiodigest-bench-studio-") as tmp:
        show = prepare_sample(Path(tmp))
        cold, cold_wall, _peak = measured_build(show)
        print(f"cold build (command line): {cold_wall:.2f} s, {cold['synthesized']} segments",
              flush=True)
        with StudioServer(show) as studio:
            studio.studio.voices.warm().result()
            episode = cold["episode_id"]
            latencies = []
            for text in new_sentences():
                start = time.perf_counter()
                body = {"speaker": "HOST", "text": text}
                status, _h, _b = studio.request("POST", "/api/plan", body)
                assert status == 200, _b
                status, headers, _wav = studio.request("POST", "/api/preview", body)
                assert status == 200 and headers["x-audiodigest-synthesized"] == "1", _wav
                latencies.append(time.perf_counter() - start)
            print("edit -> audio, 10 new sentences of 12-20 words: "
                  f"median {statistics.median(latencies):.2f} s, "
                  f"90th percentile {percentile(latencies, 0.9):.2f} s "
                  f"(each: {', '.join(f'{t:.2f}' for t in latencies)})", flush=True)
            rebuilds = []
            for n in range(3):
                studio.studio.voices.warm().result()  # idle between edits, as an editor is
                status, headers, body = studio.request("GET", f"/api/episodes/{episode}")
                doc = edited(json.loads(body), n)
                status, _h, _b = studio.request("PUT", f"/api/episodes/{episode}", doc,
                                                {"If-Match": headers["etag"]})
                assert status == 200, _b
                start = time.perf_counter()
                events = studio.events(f"/api/episodes/{episode}/build")
                wall = time.perf_counter() - start
                kind, result = events[-1]
                assert kind == "result" and result["synthesized"] == 1, events[-1]
                rebuilds.append(wall)
            resident = statistics.median(rebuilds)
            print(f"one-sentence-edit rebuild, resident studio: median {resident:.2f} s of 3 "
                  f"({', '.join(f'{t:.2f}' for t in rebuilds)}) = "
                  f"{100 * resident / cold_wall:.1f} % of the cold build", flush=True)
        edit_one_sentence(show)
        _r, cli_wall, _peak = measured_build(show)
        print(f"one-sentence-edit rebuild, command line: {cli_wall:.2f} s = "
              f"{100 * cli_wall / cold_wall:.1f} % of the cold build", flush=True)
    after = os.getloadavg()
    print(f"load average (1 min) at start {load[0]:.1f}, at end {after[0]:.1f}, on "
          f"{os.cpu_count()} cores", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
