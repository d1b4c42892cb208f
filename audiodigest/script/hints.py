"""The one reader of inline pronunciation hints ``{written|spoken}`` and backslash escapes.

Everything that looks inside a paragraph's text reads it here: the script parser (strict: bad
markup is an error naming its position), and the speech normaliser, the sentence splitter and
:func:`written_form` (lenient: bad markup is read as the literal characters, so any string has
a spoken form). Both modes give the same parts for valid markup.

Markup: ``{written|spoken}``, both parts non-empty after trimming, one ``|``, no nesting; a
backslash makes the next character literal (``\\{``, ``\\}``, ``\\|``, ``\\\\``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Position = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True)
class Hint:
    """A pronunciation hint ``{written|spoken}``, both parts unescaped."""

    written: str
    spoken: str


class HintProblem(Exception):
    """Invalid inline markup at a file position (strict mode only)."""

    def __init__(self, where: Position, message: str, literal_from: int = 0, resume: int = 0) -> None:
        super().__init__(message)
        self.where = where
        self.message = message
        # Lenient recovery: the bad markup from ``literal_from`` is read as literal text and
        # scanning goes on at ``resume``.
        self.literal_from = literal_from
        self.resume = resume


def inline_parts(text: str, where: Sequence[Position] | None = None,
                 strict: bool = True) -> tuple[str | Hint, ...]:
    """Split paragraph text into literal runs (escapes removed) and :class:`Hint` values.

    ``where[i]`` is the file position of ``text[i]`` (default: line 1, column ``i + 1``); errors
    past the end point just after the last character. Strict mode raises :class:`HintProblem`;
    otherwise an unclosed or malformed hint, a stray ``}`` and a lone trailing backslash are kept
    as literal characters.

    >>> inline_parts(r"Say {RLHF|R L H F} \\{twice\\}")
    ('Say ', Hint(written='RLHF', spoken='R L H F'), ' {twice}')
    >>> inline_parts("a {b|c|d} e}", strict=False)
    ('a {b|c|d} e}',)
    """
    return _merge(_parts(text, where, strict, []))


def hint_spans(text: str) -> list[tuple[int, int, Hint]]:
    """Where each hint stands in ``text`` (start, end, hint), read leniently; the text around
    them is left as written (escapes included), for callers that must keep every character."""
    spans: list[tuple[int, int]] = []
    hints = [p for p in _parts(text, None, False, spans) if isinstance(p, Hint)]
    return [(start, end, hint) for (start, end), hint in zip(spans, hints, strict=True)]


def _parts(text: str, where: Sequence[Position] | None, strict: bool,
           spans: list[tuple[int, int]]) -> list[str | Hint]:
    positions = where if where is not None else [(1, i + 1) for i in range(len(text))]
    parts: list[str | Hint] = []
    buf: list[str] = []
    i = 0
    while True:
        try:
            i = _scan(text, i, positions, parts, buf, spans)
            break
        except HintProblem as problem:
            if strict:
                raise
            buf.append(text[problem.literal_from : problem.resume])
            i = problem.resume
    if buf:
        parts.append("".join(buf))
    return parts


def _merge(parts: list[str | Hint]) -> tuple[str | Hint, ...]:
    out: list[str | Hint] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return tuple(out)


def _scan(text: str, i: int, where: Sequence[Position], parts: list[str | Hint],
          buf: list[str], spans: list[tuple[int, int]]) -> int:
    """Scan from ``i`` to the end, appending to ``parts`` and ``buf`` (and each hint's
    ``(start, end)`` to ``spans``); returns ``len(text)``.

    Bad markup raises :class:`HintProblem`; inside a hint, recovery re-reads the text from just
    after its ``{``, the brace itself being literal.
    """

    def at(k: int) -> Position:
        if k < len(where):
            return where[k]
        line, col = where[-1] if where else (1, 0)
        return (line, col + 1)

    def opened(start: int, here: int) -> str:
        line, col = at(start)
        return f"column {col}" if at(here)[0] == line else f"line {line}, column {col}"

    def problem(k: int, message: str, literal_from: int, resume: int) -> HintProblem:
        return HintProblem(at(k), message, literal_from, resume)

    hint_start: int | None = None
    written: str | None = None

    def reopen() -> None:
        # Lenient recovery: forget the open hint (buf holds only its text); it is re-read.
        buf.clear()

    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1].isspace():
                if hint_start is not None:
                    reopen()
                    raise problem(i + 1, "expected a character after '\\' (write '\\\\' for a "
                                  "backslash)", hint_start, hint_start + 1)
                raise problem(i + 1, "expected a character after '\\' (write '\\\\' for a "
                              "backslash)", i, i + 1)
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == "{":
            if hint_start is not None:
                reopen()
                raise problem(i, f"expected '|' or '}}' to close the pronunciation hint "
                              f"opened at {opened(hint_start, i)}, not another '{{' (write "
                              f"'\\{{' for a literal brace)", hint_start, hint_start + 1)
            if buf:
                parts.append("".join(buf))
                buf.clear()
            hint_start, written = i, None
        elif ch == "|" and hint_start is not None:
            if written is not None:
                reopen()
                raise problem(i, f"expected '}}' to close the pronunciation hint opened at "
                              f"{opened(hint_start, i)} (a hint has one '|'; write '\\|' for a "
                              f"literal bar)", hint_start, hint_start + 1)
            written = "".join(buf).strip()
            if not written:
                reopen()
                raise problem(i, f"expected the written form before '|' in the "
                              f"pronunciation hint opened at {opened(hint_start, i)}",
                              hint_start, hint_start + 1)
            buf.clear()
        elif ch == "}":
            if hint_start is None:
                raise problem(i, "unexpected '}' outside a pronunciation hint (write '\\}' "
                              "for a literal brace)", i, i + 1)
            if written is None:
                reopen()
                raise problem(i, f"expected '|' between the written and spoken forms of "
                              f"the pronunciation hint opened at {opened(hint_start, i)}",
                              hint_start, hint_start + 1)
            spoken = "".join(buf).strip()
            if not spoken:
                reopen()
                raise problem(i, f"expected the spoken form after '|' in the "
                              f"pronunciation hint opened at {opened(hint_start, i)}",
                              hint_start, hint_start + 1)
            parts.append(Hint(written, spoken))
            spans.append((hint_start, i + 1))
            buf.clear()
            hint_start, written = None, None
        else:
            buf.append(ch)
        i += 1
    if hint_start is not None:
        expected = "'}'" if written is not None else "'|' or '}'"
        reopen()
        raise problem(len(text), f"expected {expected} to close the pronunciation hint "
                      f"opened at {opened(hint_start, len(text))}", hint_start, hint_start + 1)
    return i


def written_form(text: str) -> str:
    """What a reader sees: each hint in its written form, escapes removed; never raises.

    >>> written_form(r"The {RLHF|R L H F} step \\# 2")
    'The RLHF step # 2'
    """
    return "".join(p.written if isinstance(p, Hint) else p for p in inline_parts(text, strict=False))


__all__ = ["Hint", "HintProblem", "Position", "hint_spans", "inline_parts", "written_form"]
