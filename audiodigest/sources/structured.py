"""JSON and YAML digests.

Both hold a list of articles, either at the top level or under an ``articles``, ``items`` or
``entries`` key of a top-level object::

    [{"title": "...", "summary": "...", "url": "https://...", "source": "...",
      "published": "2026-11-27T08:00:00Z"}]

``title`` and ``summary`` are required text; ``url``, ``source`` and ``published`` are optional
(null allowed); other keys are ignored. ``published`` is ISO 8601 or RFC 2822 text (in YAML also
an unquoted date). Errors name the entry by its 1-based position and, where known, its line.
YAML is read with the safe loader only, one document per file.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from audiodigest.errors import SourceError
from audiodigest.sources.common import Draft, Where, check_count, decode, line_of, parse_date

LIST_KEYS = ("articles", "items", "entries")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _article_list(data: object, name: str, line: int | None = None) -> tuple[str | None, list[Any]]:
    """The list of entries in a loaded document and the key it sat under (None: top level)."""
    if isinstance(data, list):
        return None, data
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return key, data[key]
    raise _not_a_list(name, line)


def _not_a_list(name: str, line: int | None) -> SourceError:
    return SourceError(
        "expected a list of articles, or an object with an 'articles', 'items' or 'entries' list",
        path=name,
        line=line,
    )


def text_field(entry: dict[Any, Any], key: str, where: Where, required: bool) -> str | None:
    """The text under ``key`` (None when absent or blank), or an error naming the entry."""
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise where.error(f"missing {key!r}")
        return None
    if not isinstance(value, str):
        # YAML turns unquoted `yes`, `1.10` or `2026` into other types; guessing the text back
        # would be lossy, so ask for quotes.
        raise where.error(f"{key!r} must be text, not {type(value).__name__} (put it in quotes)")
    return value


def _drafts(items: list[Any], lines: list[int | None], name: str) -> list[Draft]:
    drafts = []
    for index, entry in enumerate(items, 1):
        where = Where(name, lines[index - 1] if index <= len(lines) else None, f"entry {index}")
        check_count(index, where)
        if not isinstance(entry, dict):
            raise where.error(
                f"expected an object with title and summary, not {type(entry).__name__}"
            )
        title = text_field(entry, "title", where, required=True)
        summary = text_field(entry, "summary", where, required=True)
        drafts.append(
            Draft(
                where=where,
                title=title or "",
                summary=summary or "",
                url=text_field(entry, "url", where, required=False),
                source=text_field(entry, "source", where, required=False),
                published=parse_date(entry.get("published"), where),
            )
        )
    return drafts


# --- JSON -------------------------------------------------------------------------------------


def _json_item_offsets(text: str, key: str | None) -> list[int]:
    """Where each item of the article list starts in ``text`` (already known to be valid JSON).

    The json module reports no positions for values, so this walks the list with
    ``raw_decode`` to give entries line numbers for error messages.
    """
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        match = _JSON_SPACE.match(text, i)
        return match.end() if match else i

    i = skip(0)
    if key is not None:  # find the (last, as json.loads keeps the last) value of `key`
        found, i = -1, skip(i + 1)
        while text[i] != "}":
            name, i = decoder.raw_decode(text, i)
            i = skip(skip(i) + 1)  # past the colon
            if name == key:
                found = i
            _, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i] == ",":
                i = skip(i + 1)
        i = found
    offsets: list[int] = []
    i = skip(i + 1)  # past "["
    while text[i] != "]":
        offsets.append(i)
        _, i = decoder.raw_decode(text, i)
        i = skip(i)
        if text[i] == ",":
            i = skip(i + 1)
    return offsets


def load_json(text: str, name: str) -> Any:
    """The document in ``text``, or a one-line :class:`SourceError` naming its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON: {exc.msg}", path=name, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise SourceError("JSON nested too deeply", path=name) from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise SourceError(f"not valid JSON: {exc}", path=name) from None


def json_item_lines(text: str, key: str | None) -> list[int | None]:
    """The 1-based line where each item of the list (at the top level, or under ``key`` of the
    top-level object) starts in ``text``, which must be valid JSON; [] when not found."""
    try:
        offsets = _json_item_offsets(text, key)
    except (ValueError, IndexError):  # never expected on valid JSON; lines are only a nicety
        return []
    starts = [match.start() for match in re.finditer("\n", text)] if offsets else []
    return [bisect.bisect_left(starts, off) + 1 for off in offsets]


def parse_json(data: bytes, name: str) -> list[Draft]:
    """Read a JSON digest (shape in the module docstring) into drafts."""
    text = decode(data, name)
    key, items = _article_list(load_json(text, name), name)
    return _drafts(items, json_item_lines(text, key), name)


# --- YAML -------------------------------------------------------------------------------------


def _yaml_error(exc: yaml.YAMLError, name: str) -> SourceError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return SourceError(
        f"not valid YAML: {problem}",
        path=name,
        line=mark.line + 1 if mark is not None else None,
        column=mark.column + 1 if mark is not None else None,
    )


def _reader_error(exc: yaml.reader.ReaderError, text: str, name: str) -> SourceError:
    return SourceError(
        f"not valid YAML: character U+{exc.character:04X} is not allowed",
        path=name,
        line=line_of(text, exc.position),
    )


def _yaml_list_node(
    node: yaml.Node | None, keys: tuple[str, ...] = LIST_KEYS
) -> tuple[str | None, yaml.SequenceNode | None]:
    """The node of the article list and its key, found as :func:`_article_list` finds the list."""
    if isinstance(node, yaml.SequenceNode):
        return None, node
    if isinstance(node, yaml.MappingNode):
        for key in keys:
            found = None
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    found = value_node  # the last one wins, as in construction
            if isinstance(found, yaml.SequenceNode):
                return key, found
    return None, None


@dataclass
class YamlList:
    """A YAML document's article list: its items, each item's line, the key it sat under
    (None: the document is the list) and the document's other top-level scalar values."""

    items: list[Any] | None  # None: the document holds no list under any of the keys
    lines: list[int | None] = field(default_factory=list)
    key: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    other_lists: list[str] = field(default_factory=list)  # top-level keys of other lists


def load_yaml_list(text: str, name: str, keys: tuple[str, ...] = LIST_KEYS) -> YamlList:
    """The article list of one YAML document (safe loader), found at the top level or under the
    first of ``keys`` that holds a list; a :class:`SourceError` with the line for bad YAML.

    Line numbers are those of ``text``: pad it with blank lines to report a file's lines.
    """
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        # Raised at once for characters YAML forbids (most control characters).
        raise _reader_error(exc, text, name) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # the reader checks the text in chunks
            raise _reader_error(exc, text, name) from None
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, name) from None
        key, list_node = _yaml_list_node(node, keys)
        found = YamlList(None, key=key)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and isinstance(
                    value_node, yaml.SequenceNode
                ):
                    found.other_lists.append(str(key_node.value))
                if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.ScalarNode):
                    # Metadata is a nicety: a bad value there does not stop the reading.
                    with contextlib.suppress(yaml.YAMLError, ValueError, TypeError, OverflowError):
                        found.meta[key_node.value] = loader.construct_object(value_node)
        if list_node is None:
            found.items = None
            found.lines = [node.start_mark.line + 1] if node is not None else [None]
            return found
        # Items are built one by one so a bad value is reported at its entry's line.
        found.items = []
        for index, item in enumerate(list_node.value, 1):
            line = item.start_mark.line + 1
            try:
                found.items.append(loader.construct_object(item, deep=True))
            except yaml.YAMLError as exc:
                raise _yaml_error(exc, name) from None
            except (ValueError, TypeError, OverflowError) as exc:
                # The safe constructors raise these for values that match a tag's pattern but
                # are out of range, such as the timestamp 2026-02-30.
                raise SourceError(
                    f"entry {index}: invalid value: {exc}", path=name, line=line
                ) from None
            found.lines.append(line)
    except RecursionError:
        raise SourceError("YAML nested too deeply", path=name) from None
    finally:
        loader.dispose()
    return found


def parse_yaml(data: bytes, name: str) -> list[Draft]:
    """Read a YAML digest (shape in the module docstring) into drafts, with entry lines."""
    found = load_yaml_list(decode(data, name), name)
    if found.items is None:
        raise _not_a_list(name, found.lines[0])
    items, lines = found.items, found.lines
    return _drafts(items, lines, name)
