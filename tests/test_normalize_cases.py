"""The normalisation table: tests/data/normalize/cases.tsv, one ``input<TAB>expected`` per line.

Adding a case means adding a line. After an intended change to the rules, regenerate the
expected column and review the diff:

    .venv/bin/python tests/test_normalize_cases.py --regen
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from audiodigest.script.lexicon import default_lexicon
from audiodigest.script.normalize import normalize

CASES = Path(__file__).parent / "data" / "normalize" / "cases.tsv"


def read_cases(path: Path = CASES) -> list[tuple[int, str, str]]:
    """(line number, input, expected) for every non-comment line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        source, sep, expected = line.partition("\t")
        assert sep, f"{path}:{number}: expected input<TAB>expected"
        rows.append((number, source, expected))
    return rows


def test_the_table_is_big_enough_and_has_no_duplicates() -> None:
    rows = read_cases()
    assert len(rows) >= 100
    inputs = [source for _, source, _ in rows]
    assert len(set(inputs)) == len(inputs)


@pytest.mark.parametrize(("line", "source", "expected"), read_cases(),
                         ids=lambda value: str(value)[:40] if isinstance(value, str) else None)
def test_case(line: int, source: str, expected: str) -> None:
    assert normalize(source, default_lexicon()) == expected, f"{CASES}:{line}"


def regenerate() -> None:
    """Rewrite the expected column from the current rules, keeping comments and order."""
    out = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            out.append(line)
            continue
        source = line.partition("\t")[0]
        out.append(f"{source}\t{normalize(source, default_lexicon())}")
    CASES.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--regen"]:
        regenerate()
    else:
        print(__doc__)
