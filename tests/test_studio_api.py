"""The studio's JSON API with a real HTTP client against the real server on 127.0.0.1: the
episodes, the script as JSON with its version, saving (byte-identical without an edit,
refused when the file changed on disk), previews through the segment cache, hints and lexicon
entries, and who may call it (Host, Origin, token)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodigest.pipeline import render_script
from tests.conftest import REPO, make_show
from tests.studio_support import StudioServer

HAND_MADE = (
    "---\r\n"
    "title:   A hand-made   episode\r\n"
    "date: 2026-11-21\r\n"
    "note: kept as it is\r\n"
    "---\r\n"
    "\r\n"
    "# First    chapter\r\n"
    "<https://example.com/first>\r\n"
    "\r\n"
    "This paragraph was\r\n"
    "   wrapped by hand,   with spaces.\r\n"
    "\r\n"
    "[pause 500ms]\r\n"
    "\r\n"
    "READER: Second  paragraph.\r\n"
    "\r\n"
    "# Second chapter\r\n"
    "\r\n"
    "Plain words here. And a second sentence here.\r\n"
)
READER = '\n[voices.HOST]\nengine = "piper"\n\n[voices.READER]\nengine = "piper"\nvoice = "en_US-joe-medium"\nrate = 1.1\n'


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, shared_cache: Path) -> Iterator[StudioServer]:
    show = make_show(tmp_path_factory.mktemp("studio-api") / "show", cache=shared_cache,
                     extra_toml=READER)
    render_script(show)  # scripts/2026-11-20.md from the digest
    (show / "scripts" / "2026-11-21.md").write_bytes(HAND_MADE.encode())
    with StudioServer(show) as server:
        yield server


def _doc(studio: StudioServer, episode: str) -> tuple[dict, str]:
    status, headers, body = studio.request("GET", f"/api/episodes/{episode}")
    assert status == 200, body
    return json.loads(body), headers["etag"]


def test_the_episodes_are_listed_with_id_title_and_date(studio: StudioServer) -> None:
    status, headers, body = studio.request("GET", "/api/episodes")
    assert status == 200 and headers["content-type"].startswith("application/json")
    rows = {row["id"]: row for row in json.loads(body)}
    assert rows["2026-11-21"]["title"] == "A hand-made episode"
    assert rows["2026-11-21"]["date"] == "2026-11-21"
    assert rows["2026-11-20"]["date"] == "2026-11-20"
    assert rows["2026-11-20"]["buildable"] and not rows["2026-11-21"]["buildable"]


def test_an_episode_is_its_script_as_json_with_its_version(studio: StudioServer) -> None:
    doc, etag = _doc(studio, "2026-11-21")
    assert etag == doc["version"] and etag.startswith('"')
    assert doc["meta"] == [["note", "kept as it is"]]
    first, second = doc["chapters"]
    assert first["title"] == "First chapter" and first["url"] == "https://example.com/first"
    assert [b["type"] for b in first["blocks"]] == ["paragraph", "pause", "paragraph"]
    assert first["blocks"][1] == {"type": "pause", "seconds": 0.5}
    assert first["blocks"][2]["speaker"] == "READER"
    assert doc["speakers"] == ["HOST", "READER"]
    assert [s["text"] for s in second["blocks"][0]["sentences"]] == [
        "Plain words here.", "And a second sentence here."]
    # The spoken form is what the voice will say: numbers in words, as the build says them.
    doc, _ = _doc(studio, "2026-11-20")
    spoken = [s["spoken"] for ch in doc["chapters"] for b in ch["blocks"]
              for s in b.get("sentences", [])]
    assert any("forty-five degrees" in s for s in spoken)


def test_a_save_without_an_edit_leaves_the_file_byte_identical(studio: StudioServer) -> None:
    path = studio.show / "scripts" / "2026-11-21.md"
    before = path.read_bytes()
    stat = path.stat()
    doc, etag = _doc(studio, "2026-11-21")
    status, headers, body = studio.request("PUT", "/api/episodes/2026-11-21", doc,
                                           {"If-Match": etag})
    assert status == 200, body
    assert json.loads(body)["saved"] is False and headers["etag"] == etag
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_save_writes_the_edit_and_keeps_the_rest_as_it_was(studio: StudioServer) -> None:
    path = studio.show / "scripts" / "2026-11-20.md"
    doc, etag = _doc(studio, "2026-11-20")
    before = path.read_text(encoding="utf-8")
    block = doc["chapters"][1]["blocks"][0]
    block["text"] = "A lab in Geneva cooled a rack with {H2O|water}."
    status, headers, body = studio.request("PUT", "/api/episodes/2026-11-20", doc,
                                           {"If-Match": etag})
    assert status == 200, body
    assert json.loads(body)["saved"] is True and headers["etag"] != etag
    after = path.read_text(encoding="utf-8")
    assert "A lab in Geneva cooled a rack with {H2O|water}." in after
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ["A lab in Geneva cooled a rack with {H2O|water}."]
    doc2, etag2 = _doc(studio, "2026-11-20")
    assert etag2 == headers["etag"]
    assert doc2["chapters"][1]["blocks"][0]["sentences"][0]["spoken"].endswith("with water.")
    # Reordering and removing chapters keeps the text of the ones that stay.
    doc2["chapters"] = [doc2["chapters"][2], doc2["chapters"][0]]
    status, headers, body = studio.request("PUT", "/api/episodes/2026-11-20", doc2,
                                           {"If-Match": etag2})
    assert status == 200, body
    titles = [line for line in path.read_text(encoding="utf-8").splitlines()
              if line.startswith("# ")]
    assert titles == [f"# {doc2['chapters'][0]['title']}", f"# {doc2['chapters'][1]['title']}"]


def test_a_save_after_the_file_changed_on_disk_is_refused_with_what_changed(
        studio: StudioServer) -> None:
    path = studio.show / "scripts" / "2026-11-21.md"
    doc, etag = _doc(studio, "2026-11-21")
    # Someone changes the file in a text editor meanwhile.
    edited = path.read_bytes().replace(b"Plain words here.", b"Words from the editor.")
    path.write_bytes(edited)
    doc["chapters"][0]["blocks"][0]["text"] = "My own change."
    status, _headers, body = studio.request("PUT", "/api/episodes/2026-11-21", doc,
                                            {"If-Match": etag})
    assert status == 412
    answer = json.loads(body)
    assert "changed since you opened it" in answer["error"] and "nothing was saved" in answer["error"]
    assert "-Plain words here. And a second sentence here." in answer["changed"]
    assert "+Words from the editor. And a second sentence here." in answer["changed"]
    assert path.read_bytes() == edited  # never overwritten
    path.write_bytes(HAND_MADE.encode())


def test_a_save_needs_if_match_and_a_body_the_format_can_hold(studio: StudioServer) -> None:
    doc, etag = _doc(studio, "2026-11-21")
    status, _h, body = studio.request("PUT", "/api/episodes/2026-11-21", doc)
    assert status == 428 and "If-Match" in json.loads(body)["error"]
    doc["chapters"][1]["blocks"][0]["text"] = "An {unclosed hint"
    status, _h, body = studio.request("PUT", "/api/episodes/2026-11-21", doc, {"If-Match": etag})
    assert status == 400
    assert "chapter 'Second chapter', block 1, column" in json.loads(body)["error"]
    doc["chapters"][1]["blocks"][0] = {"type": "paragraph", "speaker": "host", "text": "x"}
    status, _h, body = studio.request("PUT", "/api/episodes/2026-11-21", doc, {"If-Match": etag})
    assert status == 400 and "speaker 'host'" in json.loads(body)["error"]
    assert (studio.show / "scripts" / "2026-11-21.md").read_bytes() == HAND_MADE.encode()


def _wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def test_a_preview_says_exactly_that_text_and_the_build_reuses_it(studio: StudioServer) -> None:
    from audiodigest.plan import plan_episode
    from audiodigest.script.format import parse_script

    text = "Preview number 7 has eleven words, said by the resident voice."
    status, headers, body = studio.request("POST", "/api/preview",
                                           {"speaker": "HOST", "text": text})
    assert status == 200, body
    assert headers["content-type"] == "audio/wav"
    seconds = _wav_seconds(body)
    assert 2.0 < seconds < 8.0  # eleven words at 1.5 to 5 words a second
    assert abs(float(headers["x-audiodigest-seconds"]) - seconds) < 0.01
    assert headers["x-audiodigest-synthesized"] == "1"
    status, headers, again = studio.request("POST", "/api/preview",
                                            {"speaker": "HOST", "text": text})
    assert (headers["x-audiodigest-synthesized"], headers["x-audiodigest-reused"]) == ("0", "1")
    assert again == body
    # The segment is in the cache under the key a build of a script saying it would use.
    script = parse_script(f"---\ntitle: T\ndate: 2026-11-22\n---\n\n# C\n\n{text}\n")
    plan = plan_episode(studio.studio.show.config, "2026-11-22", script, Path("x.md"))
    assert plan.segment_keys and all(key in studio.studio.voices.cache
                                     for key in plan.segment_keys)


def test_a_preview_of_one_sentence_and_of_another_speaker(studio: StudioServer) -> None:
    text = "Short one. And this second sentence is a good deal longer than the first."
    status, headers, first = studio.request("POST", "/api/preview",
                                            {"speaker": "READER", "text": text, "sentence": 0})
    assert status == 200, first
    status, headers, whole = studio.request("POST", "/api/preview",
                                            {"speaker": "READER", "text": text})
    assert headers["x-audiodigest-reused"] == "1"  # the first sentence, made above
    assert _wav_seconds(first) < 2.0 < _wav_seconds(whole)
    for bad, message in (({"speaker": "NOBODY", "text": "hi"}, "has no voice"),
                         ({"speaker": "HOST", "text": "  "}, "'text'"),
                         ({"speaker": "HOST", "text": "Hi.", "sentence": 3}, "'sentence'"),
                         ({"speaker": "HOST", "text": "{open"}, "column")):
        status, _h, body = studio.request("POST", "/api/preview", bad)
        assert status == 400 and message in json.loads(body)["error"], body


def test_hints_and_lexicon_entries_change_what_the_voice_says(studio: StudioServer) -> None:
    status, _h, body = studio.request("POST", "/api/plan", {
        "speaker": "HOST", "text": "The {GPU|gee pee you} ran in Zurich. It was 45 degrees."})
    assert status == 200, body
    sentences = json.loads(body)["sentences"]
    assert sentences[0]["text"] == "The GPU ran in Zurich."
    assert sentences[0]["spoken"] == "The gee pee you ran in Zurich."
    assert "forty-five" in sentences[1]["spoken"]
    lexicon = studio.show / "lexicon.toml"
    lexicon.write_text("# our words\n[terms]\nQwen = \"Kwen\"  # the model\n", encoding="utf-8")
    status, _h, body = studio.request("POST", "/api/lexicon",
                                      {"term": "Zurich", "spoken": "Zoo rick"})
    assert status == 200, body
    assert json.loads(body)["file"] == "lexicon.toml"
    assert lexicon.read_text(encoding="utf-8") == (
        "# our words\n[terms]\nQwen = \"Kwen\"  # the model\nZurich = \"Zoo rick\"\n")
    status, _h, body = studio.request("POST", "/api/plan",
                                      {"speaker": "HOST", "text": "It ran in Zurich."})
    assert json.loads(body)["sentences"][0]["spoken"] == "It ran in Zoo rick."
    status, _h, body = studio.request("POST", "/api/lexicon", {"term": " ", "spoken": "x"})
    assert status == 400


def test_only_the_studio_s_own_pages_may_drive_it(studio: StudioServer) -> None:
    preview = {"speaker": "HOST", "text": "Hi."}
    for headers in ({"Origin": "http://evil.example"},
                    {"Origin": f"http://localhost:{studio.port + 1}"},
                    {"Sec-Fetch-Site": "cross-site"}):
        status, _h, body = studio.request("POST", "/api/preview", preview, headers)
        assert status == 403, headers
        doc, etag = _doc(studio, "2026-11-21")
        status, _h, _b = studio.request("PUT", "/api/episodes/2026-11-21", doc,
                                        {"If-Match": etag, **headers})
        assert status == 403
    status, _h, _b = studio.request("POST", "/api/preview", preview,
                                    {"Origin": f"http://127.0.0.1:{studio.port}"})
    assert status == 200
    # A name that is not this server (DNS rebinding) gets nothing, not even a read.
    status, _h, _b = studio.request("GET", "/api/episodes", headers={"Host": "evil.example"})
    assert status == 403
    status, _h, _b = studio.request("GET", "/api/episodes",
                                    headers={"Host": f"localhost:{studio.port}"})
    assert status == 200
    # No path outside the show.
    for path in ("/api/episodes/..%2F..%2Fshow", "/api/episodes/%2e%2e", "/episodes/..%2Fshow",
                 "/output/../show.toml", "/output/%2e%2e/show.toml", "/static/../app.py"):
        status, _h, _b = studio.request("GET", path)
        assert status in (403, 404), path
    outside = studio.show.parent / "secret.md"
    outside.write_bytes(HAND_MADE.encode())
    link = studio.show / "scripts" / "linked.md"
    link.symlink_to(outside)
    try:
        status, _h, _b = studio.request("GET", "/api/episodes/linked")
        assert status == 403
        status, _h, body = studio.request("GET", "/api/episodes")
        assert "linked" not in {row["id"] for row in json.loads(body)}
        doc, etag = _doc(studio, "2026-11-21")
        status, _h, _b = studio.request("PUT", "/api/episodes/linked", doc, {"If-Match": etag})
        assert status == 403 and outside.read_bytes() == HAND_MADE.encode()
    finally:
        link.unlink()


def test_a_studio_on_another_address_needs_its_token(tmp_path: Path) -> None:
    show = make_show(tmp_path / "show")
    with StudioServer(show, guard_host="0.0.0.0", warm=False) as studio:
        token = studio.guard.token
        assert token
        assert studio.request("GET", "/api/episodes")[0] == 403
        assert studio.request("GET", "/api/episodes",
                              headers={"Authorization": "Bearer wrong"})[0] == 403
        assert studio.request("GET", "/api/episodes",
                              headers={"Authorization": f"Bearer {token}"})[0] == 200
        status, headers, _b = studio.request("GET", f"/?token={token}")
        assert status == 303 and headers["location"] == "/"
        cookie = headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
        assert studio.request("GET", "/", headers={"Cookie": cookie})[0] == 200


def test_the_studio_command_prints_its_address_and_stops_on_sigterm(
        tmp_path: Path, shared_cache: Path) -> None:
    show = make_show(tmp_path / "show", cache=shared_cache)
    proc = subprocess.Popen([sys.executable, "-m", "audiodigest", "studio", str(show),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"studio for {show} at http://127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1].strip(" /\n"))
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/")
        page = conn.getresponse()
        assert page.status == 200 and b"Episodes" in page.read()
        conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize("host, port, value, allowed", [
    ("127.0.0.1", 8765, "127.0.0.1:8765", True),
    ("127.0.0.1", 8765, "LOCALHOST:8765", True),
    ("127.0.0.1", 8765, "[::1]:8765", True),
    ("127.0.0.1", 8765, "127.0.0.1:8766", False),
    ("127.0.0.1", 8765, "127.0.0.1", False),
    ("127.0.0.1", 8765, "attacker.example:8765", False),
    ("127.0.0.1", 8765, "", False),
    ("::1", 8765, "[::1]:8765", True),
    ("localhost", 80, "localhost", True),
])
def test_a_loopback_studio_answers_only_to_its_own_names(host: str, port: int, value: str,
                                                         allowed: bool) -> None:
    from audiodigest.studio.security import Guard

    guard = Guard.for_address(host, port)
    assert guard.token is None
    assert guard.host_allowed(value) is allowed


def test_pages_are_not_framed_sniffed_or_referred(studio: StudioServer) -> None:
    status, headers, body = studio.request("GET", "/episodes/2026-11-21")
    assert status == 200 and b"First chapter" in body
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_a_script_that_does_not_parse_is_named_with_its_line(studio: StudioServer) -> None:
    broken = studio.show / "scripts" / "2026-11-19.md"
    broken.write_text("---\ntitle: T\ndate: 2026-11-19\n---\n\n# C\n\nAn {open hint\n",
                      encoding="utf-8")
    try:
        status, _h, body = studio.request("GET", "/api/episodes/2026-11-19")
        assert status == 422
        assert json.loads(body)["error"].startswith("scripts/2026-11-19.md:8:")
        status, headers, body = studio.request("GET", "/episodes/2026-11-19")
        assert status == 422 and headers["content-type"].startswith("text/html")
        assert b"scripts/2026-11-19.md:8:" in body
        status, _h, body = studio.request("GET", "/api/episodes")
        row = next(r for r in json.loads(body) if r["id"] == "2026-11-19")
        assert ":8:" in row["error"]
    finally:
        broken.unlink()


def test_the_studio_command_names_a_bad_show_or_a_busy_port_in_one_line(
        studio: StudioServer, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    busy = run_cli("studio", studio.show, "--port", str(studio.port), timeout=120)
    assert busy.code == 2, busy.err
    assert busy.err.strip().splitlines() == [
        f"audiodigest: error: cannot listen on 127.0.0.1:{studio.port}: Address already in use"]
    missing = run_cli("studio", tmp_path / "nowhere", timeout=120)
    assert missing.code == 2 and missing.err.strip().splitlines() == [
        f"audiodigest: error: {tmp_path / 'nowhere'}: show folder not found"]


def test_a_speaker_without_a_voice_still_opens_and_says_why(studio: StudioServer) -> None:
    script = studio.show / "scripts" / "2026-11-18.md"
    script.write_text("---\ntitle: T\ndate: 2026-11-18\n---\n\n# C\n\nGUEST: Hello there.\n",
                      encoding="utf-8")
    try:
        doc, etag = _doc(studio, "2026-11-18")
        assert "speaker GUEST" in doc["problem"] and "[voices.GUEST]" in doc["problem"]
        (sentence,) = doc["chapters"][0]["blocks"][0]["sentences"]
        assert sentence["text"] == "Hello there." and sentence["voice"] is False
        doc["chapters"][0]["blocks"][0]["speaker"] = "READER"
        status, _h, body = studio.request("PUT", "/api/episodes/2026-11-18", doc,
                                          {"If-Match": etag})
        assert status == 200 and json.loads(body)["episode"]["problem"] is None
        assert script.read_text(encoding="utf-8").endswith("\nREADER: Hello there.\n")
    finally:
        script.unlink()
