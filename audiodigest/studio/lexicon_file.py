"""Adding an entry to a show's lexicon file from the studio, keeping the file as it was written
(comments, order, layout) around the new line."""

from __future__ import annotations

from pathlib import Path

import tomlkit
import tomlkit.exceptions

from audiodigest.errors import ConfigError, UserError
from audiodigest.fsutil import atomic_write, read_regular
from audiodigest.script.lexicon import MAX_LEXICON_BYTES, read_lexicon


def add_term(path: Path, term: str, spoken: str) -> None:
    """Set ``term = "spoken"`` under ``[terms]`` in the TOML lexicon at ``path`` (made if
    missing). The result is read back as a lexicon before it replaces the file, atomically;
    raises ConfigError naming the file if it is not a lexicon the studio can edit."""
    term, spoken = " ".join(term.split()), " ".join(spoken.split())
    if not term or not spoken:
        raise UserError("a lexicon entry needs a term and how to say it")
    if path.suffix.lower() != ".toml":
        raise ConfigError("the studio adds entries to a TOML lexicon only; add this one by "
                          f"hand: {term}: {spoken}", path=path)
    text = ""
    if path.exists():
        try:
            text = read_regular(path, MAX_LEXICON_BYTES, "the lexicon").decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("cannot read: not UTF-8 text", path=path) from None
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    terms = doc.get("terms")
    if terms is None:
        terms = tomlkit.table()
        doc["terms"] = terms
    if not isinstance(terms, dict):
        raise ConfigError("'terms' must be a table", path=path)
    terms[term] = spoken
    new_text = tomlkit.dumps(doc)
    read_lexicon(new_text, path)  # the entry must make a valid lexicon, or nothing is written
    atomic_write(path, new_text)
