"""Front matter of Markdown pages (Jekyll, Hugo): the block of YAML between ``---`` lines, or of
TOML between ``+++`` lines, at the very top of the file.

Pelican and MultiMarkdown pages open with ``Title: ...`` and more ``Key: value`` lines up to
a blank line instead; those give the page's title and summary only.

A page may keep its stories there instead of in its body::

    ---
    title: The Compute Brief, week 48
    description: Five stories on chips and models.
    stories:
      - title: Sparse attention lands in v2.3
        summary: The release cuts memory by 35%.
        url: https://example.com/sparse
        source: Example Weekly
        date: 2026-11-27
        tags: [models, memory]
    ---

The list sits under the first of :data:`LIST_KEYS` that holds one. Each item is a mapping
with a ``title``, a summary (the first of ``summary``, ``description``, ``excerpt``,
``content``), optionally a ``url`` or ``link``, a ``source``, a ``date`` or ``published``, and
``tags`` or ``categories`` (a list, or text separated by commas). The page's own ``title``
and ``description`` (or ``summary`` / ``excerpt``) become the digest's title and intro.
Titles and summaries may use Markdown (the Markdown reader makes them plain; a summary's
first link is the URL when the item has none). YAML is read with the safe loader, TOML with
:mod:`tomllib`; errors name the file's own line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from audiodigest.errors import SourceError
from audiodigest.sources.common import Draft, Where, check_count, parse_date
from audiodigest.sources.structured import load_yaml_list, text_field

LIST_KEYS = ("stories", "items", "articles", "posts", "entries")
SUMMARY_KEYS = ("summary", "description", "excerpt", "content")
_URL_KEYS = ("url", "link")
_DATE_KEYS = ("date", "published")
_TAG_KEYS = ("tags", "categories")

_YAML_BLOCK = re.compile(r"---[ \t]*\n(?P<body>(?:.*\n)*?)(?:---|\.\.\.)[ \t]*(?:\n|$)")
_TOML_BLOCK = re.compile(r"\+\+\+[ \t]*\n(?P<body>(?:.*\n)*?)\+\+\+[ \t]*(?:\n|$)")
_YAML_KEY_LINE = re.compile(r"^(?:-[ \t]+)?[A-Za-z_][\w-]*[ \t]*:", re.MULTILINE)
# Pelican and MultiMarkdown metadata: "Title: ..." and more "Key: value" lines, then a blank line.
_METADATA_BLOCK = re.compile(
    r"(?i:title)[ \t]*:[^\n]*\n(?:[A-Za-z][\w -]{0,30}:[^\n]*\n)*(?:[ \t]*\n|$)"
)
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass
class FrontMatter:
    """A page's front matter: where the body starts, and what the block held."""

    kind: str  # "yaml", "toml" or "metadata" (Pelican's Key: value lines)
    end: int  # offset in the text where the body starts
    lines: int  # how many lines the block takes
    key: str | None = None  # the list's key; None when the block holds no list
    drafts: list[Draft] = field(default_factory=list)
    title: str | None = None
    summary: str | None = None
    other_lists: list[str] = field(default_factory=list)  # lists under other keys ("links")


def read_front_matter(text: str, name: str) -> FrontMatter | None:
    """The front matter at the top of ``text``, or None when there is none.

    A ``---`` block that is not YAML key/value text (a Markdown rule above a paragraph) is not
    front matter. Raises :class:`SourceError` for a block that is front matter but broken.
    """
    match = _YAML_BLOCK.match(text)
    kind = "yaml"
    if not match:
        match, kind = _TOML_BLOCK.match(text), "toml"
    if not match:
        metadata = _METADATA_BLOCK.match(text)
        if metadata is None:
            return None
        fields = dict(
            (key.strip().lower(), value.strip())
            for key, _, value in (line.partition(":") for line in metadata.group().splitlines())
            if value.strip()
        )
        front = FrontMatter("metadata", metadata.end(), metadata.group().count("\n"))
        front.title = fields.get("title")
        front.summary = next((fields[k] for k in SUMMARY_KEYS if k in fields), None)
        return front
    # Padding with the opening line keeps the loaders' line numbers those of the file.
    source = "\n" + match.group("body")
    if kind == "yaml":
        if not _YAML_KEY_LINE.search(source):
            return None
        try:
            found = load_yaml_list(source, name, LIST_KEYS)
        except SourceError as exc:
            raise SourceError(
                f"front matter: {exc.message}", path=name, line=exc.line, column=exc.column
            ) from None
        meta, key, items, lines = found.meta, found.key, found.items, found.lines
        others = [k for k in found.other_lists if k != key]
    else:
        meta, key, items, lines, others = _toml(source, name)
    front = FrontMatter(kind, match.end(), match.group().count("\n"), key=key)
    front.other_lists = others
    front.title = meta.get("title") if isinstance(meta.get("title"), str) else None
    front.summary = next(
        (meta[k] for k in SUMMARY_KEYS if isinstance(meta.get(k), str) and meta[k].strip()), None
    )
    if items is not None:
        front.drafts = _drafts(items, lines, name)
    return front


def _toml(
    source: str, name: str
) -> tuple[dict[str, Any], str | None, list[Any] | None, list[int | None], list[str]]:
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        raise SourceError(
            f"front matter: not valid TOML: {message[: at.start()] if at else message}",
            path=name,
            line=int(at.group(1)) if at else None,
            column=int(at.group(2)) if at else None,
        ) from None
    meta = {k: v for k, v in document.items() if not isinstance(v, (dict, list))}
    lists = [k for k, v in document.items() if isinstance(v, list)]
    for key in LIST_KEYS:
        items = document.get(key)
        if isinstance(items, list):
            # tomllib gives no positions; an array of tables has one header line per item.
            header = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(key)}[ \t]*\]\]", re.MULTILINE)
            starts = [source.count("\n", 0, m.start()) + 1 for m in header.finditer(source)]
            lines: list[int | None] = list(starts) if len(starts) == len(items) else []
            return meta, key, items, lines, [k for k in lists if k != key]
    return meta, None, None, [], lists


def _first(entry: dict[Any, Any], keys: tuple[str, ...], where: Where) -> str | None:
    for key in keys:
        value = text_field(entry, key, where, required=False)
        if value is not None:
            return value
    return None


def _tags(entry: dict[Any, Any], where: Where) -> list[str]:
    tags: list[str] = []
    for key in _TAG_KEYS:
        value = entry.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            tags.extend(part.strip() for part in value.split(","))
        elif isinstance(value, list) and all(isinstance(tag, (str, int)) for tag in value):
            tags.extend(str(tag) for tag in value)
        else:
            raise where.error(f"{key!r} must be a list of words or text separated by commas")
    return tags


def _drafts(items: list[Any], lines: list[int | None], name: str) -> list[Draft]:
    drafts = []
    for index, entry in enumerate(items, 1):
        line = lines[index - 1] if index <= len(lines) else None
        where = Where(name, line, f"entry {index}")
        check_count(index, where)
        if not isinstance(entry, dict):
            raise where.error(
                f"expected a mapping with a title and a summary, not {type(entry).__name__}"
            )
        title = text_field(entry, "title", where, required=True) or ""
        summary = _first(entry, SUMMARY_KEYS, where)
        if summary is None:
            raise where.error(
                f"{title[:60]!r} has no summary (give it one of "
                f"{', '.join(repr(k) for k in SUMMARY_KEYS)})"
            )
        published = next((entry[k] for k in _DATE_KEYS if entry.get(k) is not None), None)
        drafts.append(
            Draft(
                where=where,
                title=title,
                summary=summary,
                url=_first(entry, _URL_KEYS, where),
                source=text_field(entry, "source", where, required=False),
                published=parse_date(published, where),
                tags=_tags(entry, where),
                origin=None if line else f"{name}: front matter entry {index}",
            )
        )
    return drafts
