"""The pronunciation lexicon: how the engine should say particular words.

A lexicon maps a *term* as it is written to the *spoken* form the speech engine reads. The
package ships a default lexicon (``lexicon_default.toml`` next to this module); a show may add its
own ``lexicon.toml`` (or ``.yaml`` / ``.yml``), whose entries win over the defaults. Inline hints
in the script (``{RLHF|R L H F}``) win over both.

File format (TOML; YAML has the same shape)::

    [terms]
    RLHF = "R L H F"          # short form: term = spoken
    Qwen = "Kwen"

    [terms."nginx"]           # long form, with options
    spoken = "engine x"
    case_sensitive = false    # default: true when the term is all capitals, else false
    whole_word = true         # default: true

Only the ``terms`` table is allowed at the top level; each long-form entry takes only the three
keys shown. ``whole_word`` means the term is not part of a longer word: it may not touch a
letter on either side, and a term that begins or ends with a digit may not touch a digit there
either (so ``Qwen`` matches in ``Qwen3``, but ``GPT-4`` does not match in ``GPT-4o``). An
all-capitals term also matches its plural (``GPUs``, ``GPU's``), said as the spoken form plus
``'s``. YAML files are read with every value as text (so ``NO:`` stays the term ``NO``);
``true``/``false``/``yes``/``no`` are accepted for the two options.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from audiodigest.errors import ConfigError
from audiodigest.fsutil import read_regular

logger = logging.getLogger(__name__)

DEFAULT_LEXICON = "lexicon_default.toml"
_ENTRY_KEYS = ("spoken", "case_sensitive", "whole_word")
_MAX_TERM = 100
MAX_LEXICON_BYTES = 16 * 1024 * 1024  # far beyond 20,000 terms (about 600 kB)


@dataclass(frozen=True)
class LexiconEntry:
    """One term and how to say it."""

    term: str
    spoken: str
    case_sensitive: bool
    whole_word: bool = True

    @property
    def key(self) -> str:
        """Identity for merging: a show entry replaces a default entry with the same key."""
        return self.term.casefold()


def is_all_caps(term: str) -> bool:
    """True when the term has letters and all of them are capitals (``RLHF``, ``U.S.``)."""
    if term.isascii():  # the common case, fast: ASCII letters are exactly its cased characters
        return term.isupper()
    letters = [c for c in term if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class Lexicon:
    """An ordered set of entries; earlier entries win ties when two terms match equally long."""

    entries: tuple[LexiconEntry, ...] = ()

    def merged(self, over: Lexicon) -> Lexicon:
        """This lexicon with ``over``'s entries added; they replace entries of the same term."""
        replaced = {e.key for e in over.entries}
        kept = tuple(e for e in self.entries if e.key not in replaced)
        return Lexicon(over.entries + kept)

    def fingerprint(self) -> str:
        """A stable hash of the entries, so caches notice when the lexicon changes."""
        rows = sorted((e.term, e.spoken, e.case_sensitive, e.whole_word) for e in self.entries)
        blob = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def lookup(self, word: str) -> LexiconEntry | None:
        """The whole-word entry for exactly this word (respecting case sensitivity), if any."""
        exact, folded = _index(self)
        return exact.get(word) or folded.get(word.casefold())

    def __len__(self) -> int:
        return len(self.entries)

    def __hash__(self) -> int:
        # Matchers and indexes are cached per lexicon and looked up once per sentence and
        # word: hashing 20,000 entries each time would cost more than the matching.
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(self.entries)


@cache
def _index(lexicon: Lexicon) -> tuple[dict[str, LexiconEntry], dict[str, LexiconEntry]]:
    exact: dict[str, LexiconEntry] = {}
    folded: dict[str, LexiconEntry] = {}
    for e in lexicon.entries:
        if not e.whole_word:
            continue
        if e.case_sensitive:
            exact.setdefault(e.term, e)
        else:
            folded.setdefault(e.key, e)
    return exact, folded


# --- reading files -------------------------------------------------------------------------


def _line_of(text: str, term: str) -> int | None:
    """Best-effort line number of a term's entry, for error messages (only: it scans the
    whole text, so calling it for every term would make loading quadratic)."""
    for n, line in enumerate(text.splitlines(), start=1):
        if term in line:
            return n
    return None


def _flag(value: Any, name: str, term: str, source: str | Path) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    raise ConfigError(
        f"lexicon term {term!r}: {name} must be true or false, not {value!r}", path=source
    )


def _entry(term: str, value: Any, source: str | Path) -> LexiconEntry:
    """One validated entry; a ConfigError here has no line yet (the caller finds it)."""
    if not term.strip() or len(term) > _MAX_TERM or term != term.strip():
        raise ConfigError(
            f"lexicon term {term!r} must be 1-{_MAX_TERM} characters without "
            "leading or trailing spaces",
            path=source,
        )
    options: Mapping[str, Any]
    if isinstance(value, str):
        options = {"spoken": value}
    elif isinstance(value, Mapping):
        options = value
    else:
        raise ConfigError(
            f"lexicon term {term!r} needs a spoken form (text) or a table with 'spoken'",
            path=source,
        )
    extra = [str(k) for k in options if k not in _ENTRY_KEYS]
    if extra:
        raise ConfigError(
            f"lexicon term {term!r}: unknown key {extra[0]!r} (allowed: "
            f"{', '.join(_ENTRY_KEYS)})",
            path=source,
        )
    spoken = options.get("spoken")
    if not isinstance(spoken, str) or not spoken.strip():
        raise ConfigError(f"lexicon term {term!r} needs a non-empty spoken form", path=source)
    case_sensitive = (
        _flag(options["case_sensitive"], "case_sensitive", term, source)
        if "case_sensitive" in options
        else is_all_caps(term)
    )
    whole_word = (
        _flag(options["whole_word"], "whole_word", term, source) if "whole_word" in options else True
    )
    return LexiconEntry(term, " ".join(spoken.split()), case_sensitive, whole_word)


def parse_lexicon(data: Any, source: str | Path, text: str = "") -> Lexicon:
    """Validate decoded lexicon data (the TOML/YAML document); ``text`` helps locate errors."""
    if data is None:
        return Lexicon()
    if not isinstance(data, Mapping):
        raise ConfigError("a lexicon must be a table with a 'terms' table in it", path=source)
    unknown = [str(k) for k in data if k != "terms"]
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} in the lexicon (only 'terms' is allowed)",
            path=source,
            line=_line_of(text, unknown[0]),
        )
    terms = data.get("terms") or {}
    if not isinstance(terms, Mapping):
        raise ConfigError(
            "'terms' must be a table of term = spoken form",
            path=source,
            line=_line_of(text, "terms"),
        )
    entries: list[LexiconEntry] = []
    for raw_term, value in terms.items():
        term = str(raw_term)
        try:
            entries.append(_entry(term, value, source))
        except ConfigError as exc:
            raise ConfigError(exc.message, path=source, line=_line_of(text, term)) from None
    return Lexicon(tuple(entries))


_TOML_LINE = re.compile(r"at line (\d+)")


def read_lexicon(text: str, source: str | Path, fmt: str = "toml") -> Lexicon:
    """Parse lexicon file text in ``fmt`` ("toml" or "yaml"); ConfigError names the file."""
    if fmt == "toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_LINE.search(str(exc))
            raise ConfigError(
                f"not valid TOML: {exc}", path=source, line=int(found.group(1)) if found else None
            ) from None
    elif fmt == "yaml":
        try:
            # BaseLoader keeps every scalar as text: "NO: N O" must stay the term NO.
            data = yaml.load(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(
                f"not valid YAML: {problem}",
                path=source,
                line=mark.line + 1 if mark is not None else None,
            ) from None
    else:
        raise ConfigError(f"unknown lexicon format {fmt!r}", path=source)
    return parse_lexicon(data, source, text)


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package."""
    text = resources.files("audiodigest.script").joinpath(DEFAULT_LEXICON).read_text("utf-8")
    return read_lexicon(text, DEFAULT_LEXICON)


def load_lexicon(show_file: Path | None) -> Lexicon:
    """The default lexicon merged with the show's file (TOML or YAML by extension).

    A path that does not exist means "no show lexicon". A file that cannot be read or is
    invalid raises ConfigError naming it (and the line, where known).
    """
    base = default_lexicon()
    if show_file is None:
        return base
    path = Path(show_file)
    if not path.exists():
        logger.debug("no show lexicon at %s; using the defaults", path)
        return base
    suffix = path.suffix.lower()
    fmt = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    if fmt is None:
        raise ConfigError("a lexicon file must end in .toml, .yaml or .yml", path=path)
    data = read_regular(path, MAX_LEXICON_BYTES, "the lexicon")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("cannot read: not UTF-8 text", path=path) from None
    show = read_lexicon(text, path, fmt)
    logger.debug("show lexicon %s: %d terms", path, len(show))
    return base.merged(show)


__all__ = [
    "Lexicon",
    "LexiconEntry",
    "load_lexicon",
    "read_lexicon",
    "parse_lexicon",
    "default_lexicon",
    "is_all_caps",
]
