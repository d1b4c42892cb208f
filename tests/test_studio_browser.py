"""The studio in real headless Chromium: open an episode, edit a sentence and hear it, save,
meet a conflict when the file changed on disk, and build with progress, the rebuilt episode
synthesizing exactly the one sentence that was neither heard nor built before."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodigest.pipeline import render_script
from tests.conftest import make_show
from tests.studio_support import StudioServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = Path(os.environ.get("AUDIODIGEST_STUDIO_SCREENSHOT", "/tmp/audiodigest-studio.png"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                       reason="needs Chromium and chromedriver (Debian: apt-get install "
                              "chromium chromium-driver)"),
]

PLAYING = ("const a = document.getElementById('preview');"
           "return !a.paused && a.currentTime > 0 && a.duration > 0;")


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1100,1400",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-studio')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def studio(tmp_path: Path, shared_cache: Path) -> Iterator[StudioServer]:
    show = make_show(tmp_path / "show", cache=shared_cache)
    render_script(show)
    with StudioServer(show) as server:
        yield server


def _wait(driver, script: str, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(script))


def _paragraph(driver, chapter: int):
    """The last paragraph of ``chapter`` (1-based): an article's summary."""
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR,
                                f"#chapters > .chapter:nth-child({chapter}) .paragraph")[-1]


def _edit(driver, chapter: int, text: str) -> None:
    """Replace the last paragraph of ``chapter`` (1-based) with ``text`` and wait until its
    sentences show the new words."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    area = _paragraph(driver, chapter).find_element(By.CSS_SELECTOR, "textarea.text")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys(Keys.DELETE)
    area.send_keys(text)
    first = text.split(". ")[0].rstrip(".")
    _wait(driver, f"return [...document.querySelectorAll('#chapters > .chapter:nth-child({chapter})"
                  f" .paragraph .sentence .written')].some(e => e.textContent.startsWith("
                  f"{json.dumps(first)}))")


def _play_first_sentence(driver, chapter: int) -> float:
    from selenium.webdriver.common.by import By

    driver.execute_script("document.getElementById('preview').removeAttribute('src')")
    _paragraph(driver, chapter).find_element(By.CSS_SELECTOR, ".sentence button.play").click()
    _wait(driver, PLAYING)
    return float(driver.execute_script("return document.getElementById('preview').duration"))


def test_an_editor_edits_hears_saves_and_meets_a_changed_file(studio: StudioServer,
                                                              driver) -> None:
    from selenium.webdriver.common.by import By

    driver.get(studio.base + "/")
    driver.find_element(By.CSS_SELECTOR, "a.episode").click()
    _wait(driver, "return document.querySelectorAll('#chapters > .chapter').length === 5")
    titles = [e.get_attribute("value") for e in
              driver.find_elements(By.CSS_SELECTOR, ".chapter-title")]
    assert titles[1:4] == ["Chips get a cooler", "Open voices ship", "A quiet week for DRAM"]
    # Written beside spoken: the voice says the number in words.
    sentence = _paragraph(driver, 2).find_element(By.CSS_SELECTOR, ".sentence")
    assert "45 degrees" in sentence.find_element(By.CSS_SELECTOR, ".written").text
    assert "forty-five degrees" in sentence.find_element(By.CSS_SELECTOR, ".spoken").text

    _edit(driver, 2, "The rack now runs at 50 degrees in a basement near the lake.")
    spoken = _paragraph(driver, 2).find_element(By.CSS_SELECTOR, ".sentence .spoken").text
    assert spoken == "The rack now runs at fifty degrees in a basement near the lake."
    duration = _play_first_sentence(driver, 2)
    assert 2.0 < duration < 8.0  # twelve words
    assert driver.execute_script("return document.getElementById('preview').dataset"
                                 ".synthesized") == "1"

    # Select a word, say how it is said: a hint goes into the text, and it is heard.
    area = _paragraph(driver, 2).find_element(By.CSS_SELECTOR, "textarea.text")
    driver.execute_script("const a = arguments[0]; a.focus();"
                          "const i = a.value.indexOf('basement'); a.setSelectionRange(i, i + 8);",
                          area)
    _wait(driver, "return !document.getElementById('word-tools').hidden")
    assert driver.find_element(By.CSS_SELECTOR, "#word-tools .word").text == "basement"
    driver.execute_script("document.getElementById('preview').removeAttribute('src')")
    driver.find_element(By.ID, "spoken-form").send_keys("base meant")
    driver.find_element(By.ID, "add-hint").click()
    _wait(driver, PLAYING)
    assert area.get_attribute("value") == ("The rack now runs at 50 degrees in a "
                                           "{basement|base meant} near the lake.")
    sentence = _paragraph(driver, 2).find_element(By.CSS_SELECTOR, ".sentence")
    assert sentence.find_element(By.CSS_SELECTOR, ".written").text.endswith("a basement near "
                                                                              "the lake.")
    assert sentence.find_element(By.CSS_SELECTOR, ".spoken").text.endswith("a base meant near "
                                                                             "the lake.")
    driver.save_screenshot(str(SCREENSHOT))

    script = studio.show / "scripts" / "2026-11-20.md"
    driver.find_element(By.ID, "save").click()
    _wait(driver, "return document.getElementById('status').textContent === 'saved'")
    saved = script.read_text(encoding="utf-8")
    assert "The rack now runs at 50 degrees in a {basement|base meant} near the lake." in saved

    # The file changes on disk (a text editor); the page's next save is refused, with what
    # changed, and the file keeps the editor's words.
    on_disk = saved.replace("Twelve new offline voices were released.",
                            "Twelve voices, edited in a text editor.")
    script.write_text(on_disk, encoding="utf-8")
    _edit(driver, 3, "A change made in the page.")
    driver.find_element(By.ID, "save").click()
    _wait(driver, "return !document.getElementById('conflict').hidden")
    message = driver.find_element(By.CSS_SELECTOR, "#conflict .message").text
    assert "changed since you opened it" in message and "nothing was saved" in message
    changed = driver.find_element(By.CSS_SELECTOR, "#conflict .changed").text
    assert "+Twelve voices, edited in a text editor." in changed
    assert script.read_text(encoding="utf-8") == on_disk
    driver.find_element(By.ID, "reload").click()
    _wait(driver, "return document.getElementById('conflict') && "
                  "document.getElementById('conflict').hidden")
    area = _paragraph(driver, 3).find_element(By.CSS_SELECTOR, "textarea.text")
    assert area.get_attribute("value").startswith("Twelve voices, edited in a text editor.")


def test_speakers_pauses_and_chapters_are_edited_in_the_page(tmp_path: Path,
                                                             shared_cache: Path, driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    voices = '\n[voices.HOST]\nengine = "piper"\n\n[voices.READER]\nengine = "piper"\nrate = 1.1\n'
    show = make_show(tmp_path / "show", cache=shared_cache, extra_toml=voices)
    render_script(show)
    with StudioServer(show, warm=False) as studio:
        driver.get(f"{studio.base}/episodes/2026-11-20")
        chapters = driver.find_elements(By.CSS_SELECTOR, "#chapters > .chapter")
        assert len(chapters) == 5
        chapters[3].find_element(By.CSS_SELECTOR, "button.move-up").click()
        chapters[4].find_element(By.CSS_SELECTOR, "button.remove-chapter").click()
        first = chapters[0].find_element(By.CSS_SELECTOR, ".paragraph")
        Select(first.find_element(By.CSS_SELECTOR, "select.speaker")).select_by_value("READER")
        seconds = chapters[0].find_element(By.CSS_SELECTOR, ".pause input.seconds")
        seconds.clear()
        seconds.send_keys("1.2")
        chapters[1].find_element(By.CSS_SELECTOR, ".paragraph button.add-pause").click()
        driver.find_element(By.ID, "save").click()
        _wait(driver, "return document.getElementById('status').textContent === 'saved'")
        text = (show / "scripts" / "2026-11-20.md").read_text(encoding="utf-8")
        titles = [line for line in text.splitlines() if line.startswith("# ")]
        assert titles == ["# Introduction", "# Chips get a cooler", "# A quiet week for DRAM",
                          "# Open voices ship"]
        assert "\nREADER: Hi there, and welcome to Test Show." in text
        assert "\n[pause 1.2s]\n" in text and "[pause 0.8s]" not in text
        chips = text.split("# Chips get a cooler")[1].split("\n# ")[0]
        assert chips.count("[pause 1s]") == 1 and "\n\nLet's get started.\n\n[pause 1s]" in chips


@pytest.mark.slow
def test_a_build_from_the_studio_streams_progress_and_remakes_one_segment(
        studio: StudioServer, driver) -> None:
    from selenium.webdriver.common.by import By

    # The first build, over the API: progress events, then the result.
    events = studio.events("/api/episodes/2026-11-20/build")
    kinds = [kind for kind, _data in events]
    assert kinds[-1] == "result" and set(kinds[:-1]) == {"progress"}
    messages = [data["message"] for kind, data in events if kind == "progress"]
    assert any(m.startswith("speech: ") and "synthesized" in m for m in messages)
    # New segments are counted as they are made (none when the shared cache has them all).
    counts = [(d["done"], d["total"]) for kind, d in events if "done" in d]
    assert not counts or (counts[0][0] == 0 and counts[-1][0] == counts[-1][1])
    assert any(m.startswith("audio: ") for m in messages)
    first = events[-1][1]
    assert first["audio_url"].startswith("/output/episodes/2026-11-20/")
    assert [c["title"] for c in first["chapters"]][1] == "Chips get a cooler"

    driver.get(f"{studio.base}/episodes/2026-11-20")
    # One sentence heard in the studio (so in the cache), one only typed: the rebuild
    # synthesizes exactly the second.
    _edit(driver, 2, "A new sentence the editor heard before building the episode.")
    from selenium.webdriver.common.keys import Keys

    _paragraph(driver, 2).find_element(By.CSS_SELECTOR, "textarea.text").send_keys(
        Keys.CONTROL, Keys.ENTER)  # hear what changed
    _wait(driver, PLAYING)
    _edit(driver, 4, "Memory prices rose a little, and nobody listened to this line first.")
    driver.find_element(By.ID, "build").click()
    _wait(driver, "return document.getElementById('build-panel').dataset.synthesized "
                  "!== undefined", timeout=300)
    assert driver.execute_script(
        "return document.getElementById('build-panel').dataset.synthesized") == "1"
    progress = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#progress li")]
    assert progress[0].startswith("building 2026-11-20")
    assert "speech: 0 of 1 new segments" in progress and "speech: 1 of 1 new segments" in progress
    assert any(p.startswith("speech: 1 segments synthesized") for p in progress), progress
    assert progress[-1].startswith("built in ")
    # The new episode plays, with its chapters.
    _wait(driver, "return document.getElementById('episode-audio').readyState >= 1")
    duration = driver.execute_script("return document.getElementById('episode-audio').duration")
    assert abs(duration - first["duration"]) < 15
    starts = driver.find_elements(By.CSS_SELECTOR, "#episode-chapters button.chapter-start")
    assert len(starts) == len(first["chapters"])
    starts[2].click()
    _wait(driver, "const a = document.getElementById('episode-audio');"
                  "return !a.paused && a.currentTime > 0;")
    transcript = next((studio.show / "public" / "episodes" / "2026-11-20").glob(
        "transcript-*.json"))
    bodies = [s["body"] for s in json.loads(transcript.read_text())["segments"]]
    assert "Memory prices rose a little, and nobody listened to this line first." in bodies
