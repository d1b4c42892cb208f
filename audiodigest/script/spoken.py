"""The spoken plan: a Script cut into sentences, each with the text the engine will read.

``plan_spoken`` is pure. Each paragraph becomes Sentences whose ``text`` is the editor's words
(pronunciation hints shown in their written form, escapes removed) and whose ``spoken`` is
:func:`~audiodigest.script.normalize.normalize` of the same words with each hint replaced by its
spoken form. Precedence: inline hint > show lexicon > default lexicon. Pauses pass through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from audiodigest.models import Pause, Script, Sentence, SpokenChapter, SpokenItem
from audiodigest.script.format import format_seconds, inline_parts
from audiodigest.script.lexicon import Lexicon
from audiodigest.script.normalize import HINT, HINT_BASE, mark_hints, normalize_marked, split_marked

logger = logging.getLogger(__name__)

def _sentences(paragraph_text: str, lexicon: Lexicon) -> list[tuple[str, str]]:
    """(text, spoken) for each sentence of one paragraph's script text."""
    marked, hints = mark_hints(inline_parts(paragraph_text))
    out = []
    for sentence in split_marked(marked):
        keys = {
            ch: hints[ord(ch) - HINT_BASE].spoken for ch in set(re.findall(f"[{HINT}]", sentence))
        }
        text = re.sub(f"[{HINT}]", lambda m: hints[ord(m.group()) - HINT_BASE].written, sentence)
        out.append((" ".join(text.split()), normalize_marked(sentence, lexicon, keys)))
    return out


def plan_spoken(script: Script, lexicon: Lexicon) -> tuple[SpokenChapter, ...]:
    """One SpokenChapter per ScriptChapter, in order.

    ``Sentence.paragraph`` is the 0-based index of the paragraph among the chapter's paragraphs
    (pauses are not counted). Sentences with nothing to say (only punctuation) are dropped.
    Raises ScriptError if a paragraph's inline markup is invalid.
    """
    chapters: list[SpokenChapter] = []
    for chapter in script.chapters:
        items: list[SpokenItem] = []
        paragraph = 0
        for block in chapter.blocks:
            if isinstance(block, Pause):
                items.append(block)
                continue
            for text, spoken in _sentences(block.text, lexicon):
                if not any(c.isalnum() for c in text) or not any(c.isalpha() for c in spoken):
                    logger.debug("dropping a sentence with nothing to say: %r", text)
                    continue
                items.append(
                    Sentence(text=text, spoken=spoken, speaker=block.speaker, paragraph=paragraph)
                )
            paragraph += 1
        chapters.append(
            SpokenChapter(
                title=chapter.title,
                items=tuple(items),
                url=chapter.url,
                article_id=chapter.article_id,
            )
        )
    return tuple(chapters)


def spoken_lines(chapters: Sequence[SpokenChapter]) -> list[str]:
    """What the engine will be given, one segment per line, for ``audiodigest script --spoken``.

    Each chapter starts with a ``# title`` line; a sentence is ``SPEAKER: spoken text``; a pause
    is ``[pause 1.5s]``.
    """
    lines: list[str] = []
    for chapter in chapters:
        lines.append(f"# {chapter.title}")
        for item in chapter.items:
            if isinstance(item, Pause):
                lines.append(f"[pause {format_seconds(item.seconds)}]")
            else:
                lines.append(f"{item.speaker}: {item.spoken}")
    return lines


__all__ = ["plan_spoken", "spoken_lines"]
