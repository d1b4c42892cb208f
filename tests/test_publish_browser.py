"""An episode page in headless Chromium, served by the preview server: the chapters and the
transcript render, and clicking a chapter or a cue moves the player."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiodigest.publish import write_outputs
from tests.publish_support import Server, daily_records, make_config, write_episode_files

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = Path(os.environ.get("AUDIODIGEST_SCREENSHOT", "/tmp/audiodigest-episode-page.png"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                       reason="needs Chromium and chromedriver (Debian: apt-get install "
                              "chromium chromium-driver)"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list]]:
    root = tmp_path_factory.mktemp("browser")
    config = make_config(root / "show")
    out = root / "public"
    records = [write_episode_files(out, r) for r in daily_records(2)]
    write_outputs(config, records, out)
    with Server(out) as server:
        yield server, records


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1000,1400",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(20)
    try:
        yield browser
    finally:
        browser.quit()


def _wait(driver, script: str, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(script))


def test_episode_page_renders_and_chapters_seek_the_player(site, driver) -> None:
    from selenium.webdriver.common.by import By

    server, records = site
    record = records[-1]
    page_dir = record.page.rsplit("/", 1)[0]
    driver.get(f"http://127.0.0.1:{server.port}/{page_dir}/")
    assert driver.title.startswith(record.title)
    # The audio's metadata loads through the server (range requests included).
    _wait(driver, "return document.querySelector('audio').readyState >= 1")
    duration = driver.execute_script("return document.querySelector('audio').duration")
    assert 3.5 < duration < 4.6

    chapters = driver.find_elements(By.CSS_SELECTOR, "a.chapter")
    assert [c.text for c in chapters] == [f"00:0{int(c.start)} {c.title}"
                                          for c in record.chapters]
    assert all(c.is_displayed() for c in chapters)
    cues = driver.find_elements(By.CSS_SELECTOR, ".transcript a.cue")
    assert len(cues) == 4 and cues[0].text == "Welcome to Signal and Noise."

    driver.save_screenshot(str(SCREENSHOT))

    chapters[2].click()  # "Open voices ship", starts at 2.5 s
    _wait(driver, "return Math.abs(document.querySelector('audio').currentTime - 2.5) < 0.6")
    assert driver.current_url.endswith("#t=2.5")
    driver.execute_script("document.querySelector('audio').pause()")

    cues[1].click()  # starts at 1.0 s; becomes the highlighted cue
    _wait(driver, "return Math.abs(document.querySelector('audio').currentTime - 1.0) < 0.6")
    driver.execute_script("document.querySelector('audio').pause()")
    _wait(driver, "return document.querySelectorAll('.cue.is-current').length === 1")
    current = driver.find_element(By.CSS_SELECTOR, ".cue.is-current")
    assert current.text == "A lab in Zurich cooled a rack."
    assert current.get_attribute("aria-current") == "true"

    # With the script running, the copy button (hidden in the HTML) is offered.
    assert driver.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()


def test_a_shared_time_link_starts_there(site, driver) -> None:
    server, records = site
    page_dir = records[0].page.rsplit("/", 1)[0]
    driver.get(f"http://127.0.0.1:{server.port}/{page_dir}/#t=3")
    _wait(driver, "return Math.abs(document.querySelector('audio').currentTime - 3) < 0.3")
