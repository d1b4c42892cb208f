"""``audiodigest batch`` on this machine: shows from overlapping digests share one segment
store (each distinct sentence made once), a failing show does not stop the others, the JSON
summary, and the scheduler and store errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch_support import make_show, spoken_pairs, store_entries
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_overlapping_shows_make_each_sentence_once_and_a_bad_show_fails_alone(
        tmp_path: Path) -> None:
    one = make_show(tmp_path / "one", "ab")
    two = make_show(tmp_path / "two", "bc")
    bad = make_show(tmp_path / "bad", "a")
    (bad / "show.toml").write_text("title = [\n", encoding="utf-8")
    store = tmp_path / "store"

    run = run_cli("batch", one, bad, two, "--store", store, "--json")

    assert run.code == 1, run.err  # one show failed
    rows = json.loads(run.out)["shows"]
    assert [set(row) for row in rows] == [
        {"show", "episode", "synthesized", "reused", "seconds", "ok"}] * 3
    by_show = {row["show"]: row for row in rows}
    assert by_show[str(bad)] == {"show": str(bad), "episode": None, "synthesized": 0,
                                 "reused": 0, "seconds": 0.0, "ok": False}
    errors = [line for line in run.err.splitlines() if "error" in line]
    assert len(errors) == 1 and f"{bad}/show.toml" in errors[0] and "TOML" in errors[0]
    assert "Traceback" not in run.err
    good = [by_show[str(one)], by_show[str(two)]]
    assert all(row["ok"] and row["episode"] == "2026-11-20" and row["seconds"] > 1 for row in good)
    # Same voice, same title: the intro, outro and story "b" are shared by both shows.
    said_one, said_two = spoken_pairs(one), spoken_pairs(two)
    pairs, shared = said_one | said_two, said_one & said_two
    assert shared and len(store_entries(store)) == len(pairs)
    assert sum(row["synthesized"] for row in good) == len(pairs)
    assert by_show[str(two)]["reused"] == len(shared)
    for show in (one, two):
        assert (show / "public" / "feed.xml").is_file()
        assert list((show / "public" / "episodes" / "2026-11-20").glob("*.mp3"))

    again = run_cli("batch", one, two, "--store", store)
    assert again.code == 0, again.err
    lines = again.out.splitlines()
    assert lines[0].split() == ["show", "episode", "synthesized", "reused", "seconds", "ok"]
    assert [line.split()[2] for line in lines[1:]] == ["0", "0"]  # everything reused
    assert all(line.split()[-1] == "yes" for line in lines[1:])


def test_the_store_comes_from_show_toml(tmp_path: Path) -> None:
    store = tmp_path / "shared"
    show = make_show(tmp_path / "show", "d", extra='[cache]\nstore = "../shared"\n')
    run = run_cli("batch", show, "--json", "-q")
    assert run.code == 0, run.err
    assert json.loads(run.out)["shows"][0]["ok"] is True
    assert len(store_entries(store)) == len(spoken_pairs(show))


@pytest.mark.parametrize("address, message", [
    ("tcp://127.0.0.1:{port}", "no scheduler answers there (Connection refused)"),
    ("nowhere", "not a scheduler address"),
])
def test_an_unreachable_scheduler_is_one_line_exit_2(tmp_path: Path, address: str,
                                                     message: str) -> None:
    from tests.batch_support import free_port

    show = make_show(tmp_path / "show", "a")
    run = run_cli("batch", show, "--scheduler", address.format(port=free_port()))
    assert run.code == 2
    assert run.err.count("\n") == 1 and message in run.err, run.err
    assert not (show / "scripts").exists()  # nothing was done


def test_a_bad_store_url_in_show_toml_names_the_setting(tmp_path: Path) -> None:
    show = make_show(tmp_path / "show", "a", extra='[cache]\nstore = "nosuch://x/y"\n')
    run = run_cli("batch", show)
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert f"{show}/show.toml: bad value for 'cache.store'" in run.err, run.err
