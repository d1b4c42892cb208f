"""An episode's script as the JSON the studio's page and API use, and its version (ETag).

The JSON holds exactly what the script format keeps (front matter, chapters, paragraphs with
their inline markup, speakers, pauses) plus, read-only, each paragraph's sentences as the
build will say them. :func:`script_from_json` reads the same shape back (the read-only parts
are ignored) and checks every value, raising :class:`DocumentError` with a readable line.
"""

from __future__ import annotations

import difflib
import hashlib
from datetime import date
from typing import Any

from audiodigest.errors import ScriptError, UserError
from audiodigest.models import Block, Paragraph, Pause, Script, ScriptChapter
from audiodigest.script.format import canonical_script
from audiodigest.studio.plan import Planned, PlannedSentence


class DocumentError(UserError):
    """A request body that is not a script the format can hold."""


def etag_of(data: bytes) -> str:
    """The strong ETag naming one version of a script file's bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def sentence_json(planned: PlannedSentence, cached: bool) -> dict[str, Any]:
    return {"text": planned.sentence.text, "spoken": planned.sentence.spoken,
            "voice": planned.job is not None, "cached": cached}


def script_json(episode_id: str, script: Script, planned: Planned,
                cached: set[str]) -> dict[str, Any]:
    """The structured script; ``planned`` is :func:`~audiodigest.studio.plan.plan_paragraphs`."""
    chapters = []
    for chapter, blocks in zip(script.chapters, planned, strict=True):
        out_blocks: list[dict[str, Any]] = []
        for block, sentences in zip(chapter.blocks, blocks, strict=True):
            if isinstance(block, Pause):
                out_blocks.append({"type": "pause", "seconds": block.seconds})
            else:
                out_blocks.append({
                    "type": "paragraph", "speaker": block.speaker, "text": block.text,
                    "sentences": [sentence_json(p, p.key in cached) for p in sentences]})
        chapters.append({"title": chapter.title, "url": chapter.url,
                         "article_id": chapter.article_id, "image": chapter.image,
                         "blocks": out_blocks})
    return {"id": episode_id, "title": script.title, "date": script.date.isoformat(),
            "episode": script.episode, "meta": [list(kv) for kv in script.meta],
            "chapters": chapters}


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DocumentError(f"{where}: '{key}' must be {'a ' if optional else ''}{name}"
                            f"{' or null' if optional else ''}")
    return value


def _block(data: Any, where: str) -> Block:
    if not isinstance(data, dict):
        raise DocumentError(f"{where} must be an object")
    kind = data.get("type")
    if kind == "pause":
        seconds = _get(data, "seconds", (int, float), where)
        return Pause(float(seconds))
    if kind == "paragraph":
        return Paragraph(text=_get(data, "text", str, where),
                         speaker=_get(data, "speaker", str, where))
    raise DocumentError(f"{where}: 'type' must be \"paragraph\" or \"pause\"")


def script_from_json(data: Any) -> Script:
    """The Script a request body describes, canonical; DocumentError says what is wrong."""
    if not isinstance(data, dict):
        raise DocumentError("the body must be a JSON object (the shape GET returns)")
    title = _get(data, "title", str, "the script")
    raw_date = _get(data, "date", str, "the script")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise DocumentError(f"the script: 'date' must be YYYY-MM-DD, not {raw_date!r}") from None
    episode = _get(data, "episode", int, "the script", optional=True)
    meta_in = _get(data, "meta", list, "the script")
    meta = []
    for n, pair in enumerate(meta_in, 1):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str)
                                                                  for x in pair)):
            raise DocumentError(f"meta entry {n} must be a [key, value] pair of strings")
        meta.append((pair[0], pair[1]))
    chapters = []
    for n, ch in enumerate(_get(data, "chapters", list, "the script"), 1):
        where = f"chapter {n}"
        if not isinstance(ch, dict):
            raise DocumentError(f"{where} must be an object")
        blocks = tuple(_block(b, f"{where}, block {i}")
                       for i, b in enumerate(_get(ch, "blocks", list, where), 1))
        chapters.append(ScriptChapter(
            title=_get(ch, "title", str, where), blocks=blocks,
            url=_get(ch, "url", str, where, optional=True),
            article_id=_get(ch, "article_id", str, where, optional=True),
            image=_get(ch, "image", str, where, optional=True)))
    script = Script(title=title, date=day, chapters=tuple(chapters), episode=episode,
                    meta=tuple(meta))
    try:
        return canonical_script(script)
    except ScriptError as exc:
        raise DocumentError(exc.one_line()) from None


def what_changed(before: str, after: str, before_name: str, after_name: str) -> str:
    """A unified diff of two versions of a script file (empty when they are equal)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=before_name, tofile=after_name, n=1))
