r"""The narration script file: a small Markdown-like text format an editor can change by hand.

Example::

    ---
    title: The Compute Brief — 27 November 2026
    date: 2026-11-27
    episode: 3
    generated: 9f2c...
    ---

    # Introduction

    Good morning, and welcome to The Compute Brief.

    [pause 1s]

    # Qwen3-30B tops the leaderboard
    <https://example.com/a>
    <!-- id: example.com/a -->

    READER: Alibaba's {Qwen3-30B|Kwen three thirty B} model leads
    the open leaderboard this week.

    HOST: That's a big jump.

The rules, exactly:

* Lines end in ``\n`` (``\r\n`` is accepted). Leading and trailing spaces on a line are ignored.
* Front matter: the first line is ``---``; then ``key: value`` lines (keys are letters, digits,
  ``_`` and ``-``, starting with a letter; values are single-line strings, trimmed); then ``---``.
  ``title`` (required), ``date`` (required, ISO ``YYYY-MM-DD``) and ``episode`` (optional whole
  number) fill the Script; every other key is kept in ``Script.meta`` in file order. The feed's
  keys ``season`` (whole number), ``episode_type`` (full, trailer or bonus) and ``guests``
  (names separated by ``;``) are checked (:mod:`audiodigest.script.episode_meta`).
* Chapters: a line ``# Title`` starts a chapter. The next lines, with no blank line between, may
  be a link line ``<url>``, an article line ``<!-- id: article-id -->`` and an image line
  ``<!-- image: https://... -->`` (any order; the image is an http or https URL).
  Text before the first heading is an error.
* Blocks are separated by blank lines. A line ``[pause 1.5s]`` or ``[pause 500ms]`` is a pause
  (at most 60 s, kept to the millisecond). Other lines form paragraphs: a paragraph may span
  lines, joined with single spaces (runs of spaces also become one).
* Speakers: ``TAG: text`` at the start of a paragraph, TAG being upper-case letters, digits and
  ``_``, sets the speaker; an untagged paragraph is read by ``HOST``.
* Inline, within a paragraph: ``{written|spoken}`` is a pronunciation hint (both parts
  non-empty, one ``|``, no nesting); a backslash makes the next character literal (``\{``,
  ``\}``, ``\|``, ``\\``, and ``\#``/``\[``/``\<`` or ``\WORD:`` at the start of a paragraph).
  ``Paragraph.text`` keeps this inline markup verbatim; :func:`inline_parts` and
  :func:`plain_text` read it.

Canonical form (what :func:`write_script` produces): front matter in the order title, date,
episode, meta; after a heading its link, id and image lines in that order; one blank line
before each heading and each block; one paragraph per line; a
``HOST:`` tag only where the text would otherwise read as a tag, heading, pause or link line.
``parse_script(write_script(s)) == canonical_script(s)`` and ``write_script(parse_script(t)) == t``
for canonical ``t``. :func:`update_script` writes a changed Script over a file someone may have
formatted by hand, keeping the text of every part that did not change (a save with no change
leaves the file byte for byte as it was).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from audiodigest.errors import ScriptError
from audiodigest.models import Block, Paragraph, Pause, Script, ScriptChapter
from audiodigest.script.episode_meta import meta_problem
from audiodigest.script.hints import Hint, HintProblem, Position
from audiodigest.script.hints import inline_parts as inline_hint_parts
from audiodigest.timefmt import seconds_to_decimal
from audiodigest.urls import safe_url

logger = logging.getLogger(__name__)

MAX_PAUSE = 60.0
RESERVED_KEYS = ("title", "date", "episode")

TAG_RE = re.compile(r"[A-Z0-9_]*[A-Z][A-Z0-9_]*")
_TAG_START_RE = re.compile(r"([A-Z0-9_]*[A-Z][A-Z0-9_]*):(?:\s|$)")
_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_META_LINE_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):(.*)")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPISODE_RE = re.compile(r"[0-9]{1,9}")
_PAUSE_START_RE = re.compile(r"\[\s*pause\b", re.IGNORECASE)
_PAUSE_RE = re.compile(r"\[\s*pause\s+([0-9]{1,6}(?:\.[0-9]{1,6})?)\s*(ms|s)\s*\]", re.IGNORECASE)
_ID_LINE_RE = re.compile(r"<!--\s*id:(.*?)-->")
_IMAGE_LINE_RE = re.compile(r"<!--\s*image:(.*?)-->")
_URL_LINE_RE = re.compile(r"<([^\s<>]+)>")



class _Problem(Exception):
    """A parse problem at a position; turned into a ScriptError at the public boundary."""

    def __init__(self, where: Position, message: str) -> None:
        super().__init__(message)
        self.line, self.column = where
        self.message = message


# --- inline markup ------------------------------------------------------------------------


def _scan_inline(text: str, where: list[Position]) -> tuple[str | Hint, ...]:
    """Split paragraph text into literal runs and hints, checking the markup (script.hints)."""
    try:
        return inline_hint_parts(text, where)
    except HintProblem as exc:
        raise _Problem(exc.where, exc.message) from None


def inline_parts(text: str) -> tuple[str | Hint, ...]:
    """``Paragraph.text`` as literal runs (escapes removed) and :class:`Hint` values.

    Raises ScriptError if the markup is invalid.

    >>> inline_parts(r"Say {RLHF|R L H F} \\{twice\\}")
    ('Say ', Hint(written='RLHF', spoken='R L H F'), ' {twice}')
    """
    try:
        return _scan_inline(text, [(1, i + 1) for i in range(len(text))])
    except _Problem as exc:
        raise ScriptError(f"column {exc.column}: {exc.message}") from None


def plain_text(text: str) -> str:
    """What a reader sees: hints in their written form, escapes removed.

    >>> plain_text(r"The {RLHF|R L H F} step \\# 2")
    'The RLHF step # 2'
    """
    return "".join(p.written if isinstance(p, Hint) else p for p in inline_parts(text))


def escape_text(value: str) -> str:
    r"""Escape arbitrary text (article data) so it reads literally as script text.

    Whitespace, line breaks included, collapses to single spaces, so data never starts a new
    paragraph or line. Braces, bars and backslashes get a backslash; so does a start that would
    read as a heading, pause, link line or speaker tag.

    >>> escape_text("{{ 7*7 }}")
    '\\{\\{ 7*7 \\}\\}'
    >>> escape_text("NOTE: prices\n\nrose")
    '\\NOTE: prices rose'
    """
    out = (" ".join(value.split()).replace("\\", "\\\\").replace("{", "\\{")
           .replace("}", "\\}").replace("|", "\\|"))
    return "\\" + out if out and _needs_guard(out) else out


def _needs_guard(text: str) -> bool:
    """Whether text at the start of a line would read as something other than plain text."""
    return text[0] in "#[<" or _TAG_START_RE.match(text) is not None


# --- canonical form -----------------------------------------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _single_line(value: str, what: str) -> str:
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise ScriptError(f"{what} must be a single line")
    return value


def canonical_script(script: Script) -> Script:
    """The Script as :func:`write_script` will write it (whitespace collapsed, pauses rounded
    to the millisecond). Raises ScriptError for a Script the format cannot hold."""
    title = _collapse(script.title)
    if not title:
        raise ScriptError("the script title is empty")
    day = script.date.date() if isinstance(script.date, datetime) else script.date
    if script.episode is not None and not 0 <= script.episode < 10**9:
        raise ScriptError(f"episode number {script.episode} is not a whole number 0-999999999")
    meta: list[tuple[str, str]] = []
    for key, value in script.meta:
        if not _KEY_RE.fullmatch(key):
            raise ScriptError(f"front matter key {key!r} must be letters, digits, '_' or '-', "
                              "starting with a letter")
        if key in RESERVED_KEYS:
            raise ScriptError(f"front matter key {key!r} is reserved for the Script's own field")
        if any(key == k for k, _ in meta):
            raise ScriptError(f"front matter key {key!r} appears twice")
        value = _single_line(value, f"front matter value of {key!r}")
        if problem := meta_problem(key, value):
            raise ScriptError(f"front matter {key!r}: {problem}")
        meta.append((key, value))
    return Script(title=title, date=day, episode=script.episode, meta=tuple(meta),
                  chapters=tuple(_canonical_chapter(ch, n) for n, ch in
                                 enumerate(script.chapters, 1)))


def _canonical_chapter(chapter: ScriptChapter, number: int) -> ScriptChapter:
    title = _collapse(chapter.title)
    if not title:
        raise ScriptError(f"chapter {number} has an empty title")
    url = chapter.url
    if url is not None and (not url or url.startswith("!") or
                            not _URL_LINE_RE.fullmatch(f"<{url}>")):
        raise ScriptError(f"chapter {title!r}: the link {url!r} must be non-empty, without "
                          "spaces or angle brackets")
    article_id = chapter.article_id
    if article_id is not None:
        article_id = _single_line(article_id, f"chapter {title!r}: the article id")
        if not article_id or "-->" in article_id:
            raise ScriptError(f"chapter {title!r}: the article id {chapter.article_id!r} must "
                              "be non-empty and not contain '-->'")
    image = chapter.image
    if image is not None and (problem := _image_problem(image)):
        raise ScriptError(f"chapter {title!r}: the image {image!r} {problem}")
    blocks: list[Block] = []
    for n, block in enumerate(chapter.blocks, 1):
        if isinstance(block, Pause):
            seconds = round(float(block.seconds), 3) + 0.0  # + 0.0 turns -0.0 into 0.0
            if not (math.isfinite(seconds) and 0.0 <= seconds <= MAX_PAUSE):
                raise ScriptError(f"chapter {title!r}, block {n}: a pause must be 0 to "
                                  f"{MAX_PAUSE:g} seconds, not {block.seconds}")
            blocks.append(Pause(seconds))
            continue
        if not TAG_RE.fullmatch(block.speaker):
            raise ScriptError(f"chapter {title!r}, block {n}: speaker {block.speaker!r} must be "
                              "upper-case letters, digits or '_'")
        text = _collapse(block.text)
        if not text:
            raise ScriptError(f"chapter {title!r}, block {n}: the paragraph is empty")
        try:
            _scan_inline(text, [(1, i + 1) for i in range(len(text))])
        except _Problem as exc:
            raise ScriptError(f"chapter {title!r}, block {n}, column {exc.column}: "
                              f"{exc.message}") from None
        blocks.append(Paragraph(text=text, speaker=block.speaker))
    return ScriptChapter(title=title, blocks=tuple(blocks), url=url, article_id=article_id,
                         image=image)


def _image_problem(image: str) -> str | None:
    """Why ``image`` cannot be a chapter's image line, or None."""
    if safe_url(image) != image or "-->" in image:
        return "must be an http:// or https:// URL with a host, without spaces"
    return None


# --- writing ------------------------------------------------------------------------------


def format_seconds(seconds: float) -> str:
    """Pause length as written: ``1.5s``, ``2s``, ``0.25s``.

    >>> format_seconds(1.5), format_seconds(2.0), format_seconds(0.001)
    ('1.5s', '2s', '0.001s')
    """
    return seconds_to_decimal(seconds) + "s"


def write_block(block: Block) -> str:
    """One block as its canonical line (the block must already be canonical)."""
    if isinstance(block, Pause):
        return f"[pause {format_seconds(block.seconds)}]"
    if block.speaker != "HOST" or _needs_guard(block.text):
        return f"{block.speaker}: {block.text}"
    return block.text


def _front_lines(s: Script) -> list[str]:
    out = ["---", f"title: {s.title}", f"date: {s.date.isoformat()}"]
    if s.episode is not None:
        out.append(f"episode: {s.episode}")
    out.extend(f"{key}: {value}" if value else f"{key}:" for key, value in s.meta)
    out.append("---")
    return out


def _chapter_lines(chapter: ScriptChapter) -> list[str]:
    out = [f"# {chapter.title}"]
    if chapter.url is not None:
        out.append(f"<{chapter.url}>")
    if chapter.article_id is not None:
        out.append(f"<!-- id: {chapter.article_id} -->")
    if chapter.image is not None:
        out.append(f"<!-- image: {chapter.image} -->")
    for block in chapter.blocks:
        out += ["", write_block(block)]
    return out


def write_script(script: Script) -> str:
    """The script as canonical file text. Raises ScriptError if the format cannot hold it."""
    s = canonical_script(script)
    out = _front_lines(s)
    for chapter in s.chapters:
        out += ["", *_chapter_lines(chapter)]
    return "\n".join(out) + "\n"


_RAW_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _raw_parts(text: str) -> tuple[str, list[str]]:
    """The text of a script that parses, cut into its front matter (with the blank lines after
    it) and one piece per chapter (its heading up to the next heading), each verbatim."""
    lines = _RAW_LINE_RE.findall(text)
    starts = []
    closed = False
    for i, line in enumerate(lines):
        stripped = _strip(line)[0]
        if not closed:
            closed = i > 0 and stripped == "---"
        elif _is_heading(stripped):
            starts.append(i)
    bounds = [*starts, len(lines)]
    head = "".join(lines[: bounds[0]])
    return head, ["".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def update_script(old_text: str, script: Script) -> str:
    """The file text for ``script`` as a change to ``old_text`` (a script that parses).

    The front matter and every chapter that did not change keep their text byte for byte
    (line wrapping, spacing and line ends included), wherever the chapter now stands, only a
    line end or a blank line being added where a piece now has another after it; what
    changed is written in canonical form. So a save with no change gives ``old_text`` back:
    ``update_script(t, parse_script(t)) == t``, and always
    ``parse_script(update_script(t, s)) == canonical_script(s)``. Raises ScriptError if
    ``old_text`` does not parse or the format cannot hold ``script``.
    """
    new = canonical_script(script)
    old = canonical_script(parse_script(old_text))
    if old == new:
        return old_text
    head, pieces = _raw_parts(old_text)
    if (old.title, old.date, old.episode, old.meta) != (new.title, new.date, new.episode,
                                                        new.meta):
        head = "\n".join(_front_lines(new)) + "\n\n"
    unused: dict[ScriptChapter, list[str]] = {}
    for chapter, piece in zip(old.chapters, pieces, strict=True):
        unused.setdefault(chapter, []).append(piece)
    out = [head]
    for chapter in new.chapters:
        kept = unused.get(chapter)
        out.append(kept.pop(0) if kept else "\n".join(_chapter_lines(chapter)) + "\n")
    for i in range(len(out) - 1):  # a piece that ended the file may now be followed
        if not out[i].endswith(("\n", "\r")):
            out[i] += "\n"
        if out[i + 1].strip() and not re.search(r"(\r?\n|\r)[ \t]*(\r?\n|\r)\Z", out[i]):
            out[i] += "\n"  # a blank line before each heading, as the canonical form has
    return "".join(out)


# --- parsing ------------------------------------------------------------------------------


def _strip(line: str) -> tuple[str, int]:
    """The stripped line and the 1-based column of its first character."""
    body = line.lstrip()
    return body.rstrip(), len(line) - len(body) + 1


def _is_heading(stripped: str) -> bool:
    return stripped == "#" or (stripped.startswith("#") and stripped[1].isspace())


def _parse_pause(stripped: str, where: Position) -> Pause:
    match = _PAUSE_RE.fullmatch(stripped)
    if match is None:
        raise _Problem(where, "expected a pause like '[pause 1.5s]' or '[pause 500ms]'")
    number, unit = match.groups()
    seconds = float(number) / (1000.0 if unit.lower() == "ms" else 1.0)
    if seconds > MAX_PAUSE:
        raise _Problem(where, f"expected a pause of at most {MAX_PAUSE:g} seconds")
    return Pause(round(seconds, 3) + 0.0)


def _paragraph(lines: list[tuple[int, str]]) -> Paragraph:
    """Join a paragraph's lines (whitespace collapsed), read its speaker tag, check its markup."""
    chars: list[str] = []
    where: list[Position] = []
    for lineno, raw in lines:
        for col, ch in enumerate(raw, 1):
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    where.append((lineno, col))
            else:
                chars.append(ch)
                where.append((lineno, col))
        if chars and chars[-1] != " ":
            chars.append(" ")
            where.append((lineno, len(raw) + 1))
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    text = "".join(chars)
    speaker = "HOST"
    tag = _TAG_START_RE.match(text)
    if tag is not None:
        speaker = tag.group(1)
        start = tag.end()
        if not text[start:]:
            raise _Problem((where[tag.end(1)][0], where[tag.end(1)][1] + 1),
                           f"expected text after the speaker tag '{speaker}:'")
        text, where = text[start:], where[start:]
    _scan_inline(text, where)
    return Paragraph(text=text, speaker=speaker)


def _parse_body(lines: list[tuple[int, str]], *, in_file: bool) -> tuple[Block, ...]:
    """Blocks from a chapter body: paragraphs split on blank lines, pause lines on their own."""
    blocks: list[Block] = []
    pending: list[tuple[int, str]] = []

    def flush() -> None:
        if pending:
            blocks.append(_paragraph(pending))
            pending.clear()

    for lineno, raw in lines:
        stripped, col = _strip(raw)
        if not stripped:
            flush()
        elif _PAUSE_START_RE.match(stripped):
            flush()
            blocks.append(_parse_pause(stripped, (lineno, col)))
        elif not in_file and _is_heading(stripped):
            raise _Problem((lineno, col), "a chapter body cannot contain a '# ' heading line "
                           "(write '\\#' for a literal '#')")
        else:
            pending.append((lineno, raw))
    flush()
    return tuple(blocks)


def parse_body(text: str) -> tuple[Block, ...]:
    """Blocks of a chapter body given as script text (used for rendered templates).

    Raises ScriptError whose ``line``/``column`` count within ``text``.
    """
    lines = list(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1))
    try:
        return _parse_body(lines, in_file=False)
    except _Problem as exc:
        raise ScriptError(exc.message, line=exc.line, column=exc.column) from None


def _front_matter(lines: list[str]) -> tuple[Script, int]:
    """Read the front matter; returns a Script without chapters and the index of the body."""
    first = lines[0].lstrip("\ufeff").strip()
    if first != "---":
        raise _Problem((1, 1), "expected '---' on the first line to open the front matter")
    seen: dict[str, tuple[str, Position]] = {}
    end = None
    for i in range(1, len(lines)):
        stripped, col = _strip(lines[i])
        if stripped == "---":
            end = i
            break
        if not stripped:
            continue
        match = _META_LINE_RE.fullmatch(stripped)
        if match is None and _is_heading(stripped):
            raise _Problem((i + 1, col), "expected '---' to close the front matter (opened on "
                           "line 1) before the first heading")
        if match is None:
            raise _Problem((i + 1, col), "expected 'key: value' or '---' to close the front "
                           "matter")
        key, value = match.group(1), match.group(2)
        value_col = col + len(key) + 1 + (len(value) - len(value.lstrip()))
        if key in seen:
            raise _Problem((i + 1, col), f"duplicate key '{key}' (first given on line "
                           f"{seen[key][1][0]})")
        if problem := meta_problem(key, value.strip()):
            raise _Problem((i + 1, value_col), problem)
        seen[key] = (value.strip(), (i + 1, value_col))
    if end is None:
        raise _Problem((1, 1), "the front matter opened here is not closed with '---'")
    for key in ("title", "date"):
        if key not in seen:
            raise _Problem((end + 1, 1), f"expected a '{key}:' line in the front matter")
    title, where = seen["title"]
    title = _collapse(title)
    if not title:
        raise _Problem(where, "expected a title after 'title:'")
    raw_date, where = seen["date"]
    try:
        if not _DATE_RE.fullmatch(raw_date):
            raise ValueError
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise _Problem(where, f"expected a date like 2026-11-27, not '{raw_date}'") from None
    episode = None
    if "episode" in seen:
        raw_episode, where = seen["episode"]
        if not _EPISODE_RE.fullmatch(raw_episode):
            raise _Problem(where, f"expected a whole episode number, not '{raw_episode}'")
        episode = int(raw_episode)
    meta = tuple((k, v) for k, (v, _) in seen.items() if k not in RESERVED_KEYS)
    return Script(title=title, date=day, chapters=(), episode=episode, meta=meta), end + 1


def _chapters(lines: list[str], start: int) -> tuple[ScriptChapter, ...]:
    chapters: list[ScriptChapter] = []
    i = start
    while i < len(lines):
        stripped, col = _strip(lines[i])
        if not stripped:
            i += 1
            continue
        if not _is_heading(stripped):
            raise _Problem((i + 1, col), "expected a chapter heading ('# Title') before any text")
        title = _collapse(stripped[1:])
        if not title:
            raise _Problem((i + 1, col + 1), "expected a chapter title after '#'")
        url: str | None = None
        article_id: str | None = None
        image: str | None = None
        i += 1
        while i < len(lines):
            stripped, col = _strip(lines[i])
            id_match = _ID_LINE_RE.fullmatch(stripped)
            image_match = None if id_match else _IMAGE_LINE_RE.fullmatch(stripped)
            url_match = None if id_match or image_match else _URL_LINE_RE.fullmatch(stripped)
            if image_match is not None:
                if image is not None:
                    raise _Problem((i + 1, col), "this chapter already has an image line")
                image = image_match.group(1).strip()
                if problem := _image_problem(image):
                    raise _Problem((i + 1, col), f"the image {image!r} {problem}")
            elif id_match is not None:
                if article_id is not None:
                    raise _Problem((i + 1, col), "this chapter already has an article id line")
                article_id = id_match.group(1).strip()
                if not article_id:
                    raise _Problem((i + 1, col), "expected an article id in '<!-- id: ... -->'")
            elif url_match is not None:
                if url is not None:
                    raise _Problem((i + 1, col), "this chapter already has a link line")
                url = url_match.group(1)
            else:
                break
            i += 1
        body_start = i
        while i < len(lines) and not _is_heading(_strip(lines[i])[0]):
            i += 1
        body = [(n + 1, lines[n]) for n in range(body_start, i)]
        chapters.append(ScriptChapter(title=title, blocks=_parse_body(body, in_file=True),
                                      url=url, article_id=article_id, image=image))
    return tuple(chapters)


def parse_script(text: str, path: str | Path | None = None) -> Script:
    """Read script text; raises ScriptError naming the line and column of the first problem.

    ``path`` only names the file in errors (``<script>`` when not given).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    try:
        head, body_start = _front_matter(lines)
        return replace(head, chapters=_chapters(lines, body_start))
    except _Problem as exc:
        raise ScriptError(exc.message, path=path if path is not None else "<script>",
                          line=exc.line, column=exc.column) from None
