"""The episode index: round trips, stable guids and numbers, and clear errors for damaged files."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiodigest.errors import UserError
from audiodigest.models import PublishedChapter
from audiodigest.publish.index import (
    load_index,
    next_number,
    record_from_dict,
    record_to_dict,
    remove,
    save_index,
    upsert,
)
from tests.publish_support import daily_records, make_record

CASES = Path(__file__).parent / "data" / "publish" / "index"
EXPECTED = tomllib.loads((CASES / "expected.toml").read_text(encoding="utf-8"))


def test_missing_index_is_empty(tmp_path: Path) -> None:
    assert load_index(tmp_path / "nope.json") == []


def test_save_then_load_gives_the_same_records_newest_first(tmp_path: Path) -> None:
    records = daily_records(4)
    path = tmp_path / ".audiodigest" / "episodes.json"
    save_index(path, records)
    loaded = load_index(path)
    assert loaded == list(reversed(records))
    assert json.loads(path.read_text())["version"] == 1
    assert not [p for p in path.parent.iterdir() if p.name != path.name]  # no temp files left


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_damaged_index_gives_one_line_naming_the_file(name: str) -> None:
    path = CASES / name
    with pytest.raises(UserError) as err:
        load_index(path)
    message = err.value.one_line()
    assert "\n" not in message
    assert message.startswith(str(path))
    for words in EXPECTED[name]:
        assert words in message, message


def test_every_damaged_case_has_an_expectation() -> None:
    assert {p.name for p in CASES.glob("*.json")} == set(EXPECTED)


def test_upsert_keeps_guid_and_number_of_an_existing_episode() -> None:
    records = daily_records(3)
    changed = replace(records[1], guid="new-guid", number=99, title="Retitled",
                      summary="Edited summary")
    result = upsert(records, changed)
    assert len(result) == 3
    (updated,) = [r for r in result if r.id == records[1].id]
    assert updated.guid == records[1].guid
    assert updated.number == records[1].number
    assert updated.title == "Retitled" and updated.summary == "Edited summary"
    assert records[1].title != "Retitled"  # the input list is untouched


def test_upsert_adds_new_episodes_in_date_order() -> None:
    records = daily_records(2)
    older = make_record("2026-10-01", number=7, pub_date=datetime(2026, 10, 1, 6, tzinfo=UTC))
    newer = make_record("2026-12-01", number=8, pub_date=datetime(2026, 12, 1, 6, tzinfo=UTC))
    result = upsert(upsert(records, older), newer)
    assert [r.id for r in result] == ["2026-12-01", "2026-11-02", "2026-11-01", "2026-10-01"]
    assert next_number(result) == 9


def test_remove_drops_only_the_named_episode() -> None:
    records = daily_records(3)
    assert [r.id for r in remove(records, "2026-11-02")] == ["2026-11-03", "2026-11-01"]
    assert remove(records, "unknown") == list(reversed(records))


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=80, deadline=None)
@given(
    title=_text, summary=_text, size=st.integers(0, 2**40),
    duration=st.floats(0, 1e6, allow_nan=False), number=st.integers(1, 10**6),
    offset=st.integers(-14 * 60, 14 * 60), urls=st.lists(st.none() | _text, max_size=4),
    episode_type=st.sampled_from(["full", "trailer", "bonus"]),
)
def test_records_round_trip_through_json(title: str, summary: str, size: int, duration: float,
                                         number: int, offset: int, urls: list,
                                         episode_type: str) -> None:
    from datetime import timezone

    tz = timezone(timedelta(minutes=offset))
    chapters = tuple(PublishedChapter(f"c{i}", float(i), i + 0.5, url) for i, url in enumerate(urls))
    record = replace(make_record(title=title, summary=summary, audio_size=size, number=number,
                                 chapters=chapters, duration=duration,
                                 pub_date=datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)),
                     episode_type=episode_type)
    text = json.dumps(record_to_dict(record))
    assert record_from_dict(json.loads(text)) == record


@settings(max_examples=80, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12))
def test_any_json_gives_records_or_a_clear_error(tmp_path_factory, data: object) -> None:
    path = tmp_path_factory.mktemp("idx") / "episodes.json"
    path.write_text(json.dumps({"version": 1, "episodes": [data]}))
    try:
        load_index(path)
    except UserError as exc:
        assert exc.path == str(path)
        assert "\n" not in exc.one_line()
