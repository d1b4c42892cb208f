"""The progress display: plain periodic lines off a terminal, a bar on one, silence when quiet."""

from __future__ import annotations

import io

import pytest

from audiodigest import progress as progress_mod
from audiodigest.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(progress_mod.time, "monotonic", c)
    return c


def test_plain_lines_every_ten_percent_with_eta(clock: Clock) -> None:
    out = io.StringIO()
    with Progress(120, "synthesis", stream=out) as p:
        for _ in range(120):
            clock.now += 0.1
            p.advance()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # every 12 segments (10%), the last one included
    assert lines[0] == "synthesis: 12/120 segments (10%), eta 11s"
    assert lines[-1] == "synthesis: 120/120 segments (100%)"


def test_plain_lines_at_most_every_interval_otherwise(clock: Clock) -> None:
    out = io.StringIO()
    with Progress(1000, "synthesis", stream=out, interval=5.0) as p:
        for _ in range(30):
            clock.now += 1.0
            p.advance()
    lines = out.getvalue().splitlines()
    assert lines[0] == "synthesis: 5/1000 segments (0%), eta 16m35s"
    # One line per 5 s; closing adds none, as the last line already shows the final count.
    assert [line.split()[1] for line in lines] == ["5/1000", "10/1000", "15/1000", "20/1000",
                                                   "25/1000", "30/1000"]


def test_quiet_prints_nothing(clock: Clock) -> None:
    out = io.StringIO()
    with Progress(3, "synthesis", stream=out, enabled=False) as p:
        p.advance(3)
        p.note("retrying")
    assert out.getvalue() == "" and p.done == 3


def test_notes_and_a_total_set_later(clock: Clock) -> None:
    out = io.StringIO()
    with Progress(0, "synthesis", stream=out) as p:
        p.set_total(2)
        p.note("edge-tts answered 429; retrying")
        p.advance(2)
    assert out.getvalue().splitlines() == ["synthesis: edge-tts answered 429; retrying",
                                           "synthesis: 2/2 segments (100%)"]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_rich_bar() -> None:
    out = Tty()
    with Progress(4, "synthesis", stream=out) as p:
        assert p._rich is not None
        p.advance(4)
    text = out.getvalue()
    assert "synthesis" in text and "4/4" in text
