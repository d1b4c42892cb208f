"""Memory stays flat with the episode's length, whatever the planner has to cut: an hour of
pauses and an hour under a music bed, each built into a real MP3 in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent

# The audio stage alone, on an engine-free layout: every sentence is the same three seconds
# of voiced sound (its own cache key, so no two pieces are alike), read as the real pipeline
# reads speech from the cache, one sentence at a time.
PEAK = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import numpy as np
    from audiodigest.audio import EpisodeTags
    from audiodigest.audio.assemble import lay_out
    from audiodigest.audio.pieces import AudioReport, PieceStore, encode_episode, plan_pieces
    from audiodigest.config import AudioSettings, MusicSettings
    from audiodigest.models import Pause, Pcm, Sentence, SpokenChapter

    mode, folder, minutes = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    rate = 22050
    t = np.arange(3 * rate) / rate
    voice = sum(np.sin(2 * np.pi * 120 * h * t) / h for h in range(1, 12))
    voice *= 0.25 * (0.55 - 0.45 * np.cos(2 * np.pi * 4 * t))
    pcm = Pcm((voice * 32767 / np.abs(voice).max()).astype("<i2").tobytes(), rate)
    say = lambda k: Sentence(f"Sentence {k}.", f"Sentence {k}.", "HOST", k // 4)
    settings = AudioSettings(sample_rate=int(sys.argv[5]), bitrate=int(sys.argv[6]))
    if mode == "pauses":
        music = None
        chapters = [SpokenChapter("Pauses", (say(0), *[Pause(60.0)] * minutes, say(1)))]
    else:
        music = MusicSettings(bed=Path("music/bed.wav"), bed_under="intro")
        count = minutes * 18  # 3 s sentences, 0.25 s gaps, 0.6 s between paragraphs
        chapters = [SpokenChapter("Intro", tuple(say(k) for k in range(count))),
                    SpokenChapter("After", (say(count),))]
    n = sum(len([i for i in c.items if isinstance(i, Sentence)]) for c in chapters)
    keys = [f"{k:064x}" for k in range(n)]
    layout, tracks = lay_out(chapters, [(pcm.frames, rate)] * n, settings, music,
                             Path(sys.argv[4]))
    pieces = plan_pieces(layout, keys, settings, tracks)
    report = AudioReport()
    tags = EpisodeTags(title="t", artist="a", album="b", date="2026-12-01", comment="c",
                       cover=None, cover_mime="image/png", track=1, url="https://example.com/")
    episode = encode_episode(layout, pieces, [pcm] * n, tracks, settings, folder / "e.mp3",
                             tags, PieceStore(folder / "pieces"), report=report)
    status = Path("/proc/self/status").read_text()
    hwm = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    print(json.dumps({"mb": int(hwm.split()[1]) / 1024, "seconds": episode.duration,
                      "pieces": report.pieces, "made": report.made,
                      "longest": max(c.end - c.start for c in pieces) / layout.rate,
                      "seamless": sum(getattr(c, "joined", False) for c in pieces),
                      "lufs": episode.loudness.integrated_lufs}))
""")


def _peak(mode: str, folder: Path, minutes: int, rate: int = 44100, bitrate: int = 64) -> dict:
    done = subprocess.run([sys.executable, "-c", PEAK, mode, str(folder), str(minutes),
                           str(REPO / "episodes"), str(rate), str(bitrate)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_hour_of_pauses_needs_no_more_memory_than_a_piece(tmp_path: Path) -> None:
    found = _peak("pauses", tmp_path, 60)
    assert 3600 < found["seconds"] < 3610, found
    assert found["longest"] <= 45, found
    # The silent pieces are all alike: one is made and used again.
    assert found["made"] <= 4 < found["pieces"], found
    # Measured: 1,944 MB before pauses were cut (the hour was one piece), 162 MB now.
    assert found["mb"] < 400, found


def test_an_hour_under_a_music_bed_needs_no_more_memory_than_a_piece(tmp_path: Path) -> None:
    # At 22.05 kHz and 32 kbit/s, to encode and measure the hour's pieces in half the time.
    found = _peak("music", tmp_path, 60, 22050, 32)
    assert 3600 < found["seconds"] < 3700, found
    assert found["longest"] <= 45 and found["seamless"] >= 80, found
    assert abs(found["lufs"] + 16) < 1, found
    # Measured: 329 MB for 5 minutes before (one piece, growing with its length: about
    # 3.5 GB for the hour), 268 MB now for the hour.
    assert found["mb"] < 400, found
