"""The word lists and tables of the normaliser, read from packaged data files.

One entry a line; ``#`` starts a comment line; tables (``.tsv``) have tab-separated columns.
The files are part of the package, so a broken one is a bug, not user input: it fails loudly.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _lines(name: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def words(name: str) -> frozenset[str]:
    """The set of entries in ``data/<name>.txt``."""
    return frozenset(line.strip() for line in _lines(f"{name}.txt"))


def ordered_words(name: str) -> tuple[str, ...]:
    """The entries of ``data/<name>.txt`` in file order."""
    return tuple(line.strip() for line in _lines(f"{name}.txt"))


def table(name: str, columns: int) -> dict[str, tuple[str, ...]]:
    """``data/<name>.tsv`` as key -> the other ``columns - 1`` cells, in file order."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _lines(f"{name}.tsv"):
        cells = line.split("\t")
        if len(cells) != columns:
            raise ValueError(f"data/{name}.tsv: expected {columns} columns in {line!r}")
        out[cells[0]] = tuple(cells[1:])
    return out
