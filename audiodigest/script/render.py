"""Render a digest's articles into a narration Script through Jinja2 templates.

Four templates make an episode: ``intro.j2`` (chapter "Introduction"), ``transition.j2`` and
``article.j2`` (together one chapter per article), ``outro.j2`` (chapter "Wrap-up"). A show
overrides any of them by putting a file of the same name in its templates folder; the packaged
defaults fill in the rest.

Each template renders script text for one chapter body (see :mod:`audiodigest.script.format`):
paragraphs separated by blank lines, ``TAG: `` sets the speaker, ``[pause 1s]`` is a pause.
Every value printed with ``{{ }}`` is escaped with :func:`~audiodigest.script.format.escape_text`,
so article text is data: braces, Jinja syntax or a leading ``NOTE:`` come out literally. The
environment is sandboxed and uses StrictUndefined, so a typo in an override is an error.

Variables: ``show`` (title, author, description, language, category, link, speakers),
``episode`` (date, spoken_date, written_date, number, article_count, reading_minutes, title),
``articles`` (every article), ``article`` (title, summary, url, source, id, position, is_first,
is_last, words), and in ``transition.j2`` also ``previous`` (none before the first story) and
``next`` (the same as ``article``). Filters: ``pick`` (one of a list, chosen per episode and
position), ``join_words`` ("A, B and C"), ``words`` (a number in words), ``sentence`` (ends the
text with a full stop unless it already ends with punctuation).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from audiodigest.config import ShowConfig
from audiodigest.errors import ScriptError
from audiodigest.identity import placeholders
from audiodigest.models import Article, Block, Script, ScriptChapter
from audiodigest.script.format import canonical_script, escape_text, parse_body
from audiodigest.script.speakdate import cardinal_words, spoken_date, written_date
from audiodigest.template_files import ShowTemplateLoader

logger = logging.getLogger(__name__)

PACKAGED_TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAMES = ("intro.j2", "transition.j2", "article.j2", "outro.j2")
INTRO_TITLE = "Introduction"
OUTRO_TITLE = "Wrap-up"
WORDS_PER_MINUTE = 150


@dataclass(frozen=True)
class ShowInfo:
    title: str
    author: str
    description: str
    language: str
    category: str
    link: str
    speakers: tuple[str, ...]


@dataclass(frozen=True)
class EpisodeInfo:
    date: date
    spoken_date: str
    written_date: str
    number: int | None
    article_count: int
    reading_minutes: int
    title: str
    summary: str | None = None  # the digest's intro, when it has one


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    title: str
    summary: str  # paragraphs separated by blank lines
    url: str | None
    source: str | None
    position: int  # 1-based
    is_first: bool
    is_last: bool
    words: int
    paragraphs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def _word_count(text: str) -> int:
    return len(text.split())


_NOT_WORD = re.compile(r"[\W_]+")


def _spoken_paragraphs(article: Article) -> tuple[str, ...]:
    """The summary paragraphs to read after the title: a paragraph that only repeats the title
    (a feed entry with nothing but a headline) is not read a second time."""
    title = _NOT_WORD.sub(" ", article.title.casefold()).strip()
    return tuple(p for p in article.paragraphs
                 if _NOT_WORD.sub(" ", p.casefold()).strip() != title)


def _seed(episode_date: date, articles: Sequence[Article]) -> str:
    """Per-episode seed: the same inputs give the same phrasing on every rebuild."""
    key = "\n".join([episode_date.isoformat(), *(a.id for a in articles)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@jinja2.pass_context
def _pick(ctx: jinja2.runtime.Context, options: Any) -> Any:
    """One of ``options``: an offset chosen from the episode seed plus the chapter's position.

    Rotating by position (rather than drawing at random) means neighbouring chapters never
    repeat the same phrase while each episode still starts from a different one.
    """
    choices = list(options)
    if not choices:
        raise jinja2.TemplateRuntimeError("pick needs a non-empty list")
    key = ctx.get("seed", "") + "\x00" + "\x00".join(map(str, choices))
    base = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    return choices[(base + int(ctx.get("position", 0))) % len(choices)]


def _join_words(items: Iterable[Any]) -> str:
    """``A, B and C``; trailing punctuation of the items is dropped so they read as a list."""
    parts = [str(item).rstrip().rstrip(".!?;:,…") for item in items]
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(text: Any) -> str:
    text = str(text).rstrip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _words(number: Any) -> str:
    try:
        return cardinal_words(int(number))
    except (TypeError, ValueError):
        return str(number)


def _finalize(value: Any) -> str:
    """Every printed value is data: escape it so it cannot become markup."""
    return escape_text(value if isinstance(value, str) else str(value))


def _environment(show_templates: Path) -> SandboxedEnvironment:
    loader = jinja2.ChoiceLoader([
        ShowTemplateLoader(show_templates, ScriptError),
        jinja2.FileSystemLoader(str(PACKAGED_TEMPLATES)),
    ])
    env = SandboxedEnvironment(
        loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
        finalize=_finalize, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(pick=_pick, join_words=_join_words, sentence=_sentence, words=_words)
    return env


_VARIABLE_NAMES = {"ShowInfo": "show", "EpisodeInfo": "episode", "ArticleInfo": "article"}


def _template_error(exc: BaseException, fallback: str) -> ScriptError:
    """A one-line ScriptError naming the template file and line the error came from."""
    path, line = fallback, None
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path, line = exc.filename or exc.name or fallback, exc.lineno
        message = exc.message or str(exc)
    else:
        # Jinja rewrites tracebacks so that template frames carry the template's file name
        # and line; the deepest such frame is where the error happened.
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                path, line = filename, tb.tb_lineno
            tb = tb.tb_next
        message = str(exc) or type(exc).__name__
        message = re.sub(r"'audiodigest\.script\.render\.(\w+) object'",
                         lambda m: f"'{_VARIABLE_NAMES.get(m.group(1), m.group(1))}'", message)
    if isinstance(exc, jinja2.UndefinedError):
        kind = "undefined value"
    elif isinstance(exc, jinja2.TemplateNotFound):
        kind = "template not found"
    else:
        kind = "template error"
    return ScriptError(f"{kind}: {message}", path=path, line=line)


def _render_body(env: SandboxedEnvironment, name: str, variables: dict[str, Any]) -> tuple[Block, ...]:
    try:
        template = env.get_template(name)
        text = template.render(variables)
    except ScriptError:
        raise
    except Exception as exc:  # a show override is user code: any failure is a template error
        raise _template_error(exc, name) from None
    try:
        return parse_body(text)
    except ScriptError as exc:
        raise ScriptError(f"the text it rendered is not valid script text (output line "
                          f"{exc.line}, column {exc.column}): {exc.message}",
                          path=template.filename or name) from None


def _clean_url(url: str | None) -> str | None:
    """The article link as the script's link line can hold it (no spaces or angle brackets)."""
    if not url or not url.strip():
        return None
    url = url.strip()
    if re.search(r"[\s<>]", url):
        url = quote(url, safe="".join(chr(c) for c in range(33, 127) if chr(c) not in "<>"))
    # A link line starting "<!" would read as a comment.
    return "%21" + url[1:] if url.startswith("!") else url


def _clean_id(article: Article) -> str | None:
    article_id = " ".join(article.id.split())
    if not article_id or "-->" in article_id:
        logger.warning("article id %r cannot be recorded in the script; chapter left without "
                       "an id", article.id)
        return None
    return article_id


def render_script(articles: Sequence[Article], config: ShowConfig, *, episode_date: date,
                  number: int | None, digest_title: str | None = None,
                  digest_summary: str | None = None) -> Script:
    """Render the narration Script for ``articles`` (pure: reads templates, writes nothing).

    Chapter 0 is "Introduction", then one chapter per article (title, url and article_id from
    the article), then "Wrap-up". The digest's own title, when it has one (an e-mail's
    Subject), titles the episode; its intro becomes the ``summary`` of the front matter (the
    episode's description). Same inputs give the same Script. Raises ScriptError naming the
    template file and line for a template problem.
    """
    env = _environment(config.path(config.templates))
    words = sum(_word_count(a.title) + _word_count(a.summary) for a in articles)
    minutes = max(1, math.ceil(words / WORDS_PER_MINUTE)) if articles else 0
    title = " ".join((digest_title or "").split()) or f"{config.title} — {written_date(episode_date)}"
    summary = " ".join((digest_summary or "").split()) or None
    show = ShowInfo(
        # A placeholder author ("Your Name") is never read out.
        title=config.title, author="" if "author" in placeholders(config) else config.author,
        description=config.description,
        language=config.language, category=config.category, link=config.site_link,
        speakers=tuple(sorted(config.voices)),
    )
    episode = EpisodeInfo(
        date=episode_date, spoken_date=spoken_date(episode_date),
        written_date=written_date(episode_date), number=number, article_count=len(articles),
        reading_minutes=minutes, title=title, summary=summary,
    )
    infos = [
        ArticleInfo(id=a.id, title=" ".join(a.title.split()), summary=a.summary.strip(),
                    url=a.url, source=a.source, position=n, is_first=n == 1,
                    is_last=n == len(articles), words=_word_count(a.summary),
                    paragraphs=_spoken_paragraphs(a), tags=a.tags)
        for n, a in enumerate(articles, 1)
    ]
    common: dict[str, Any] = {"show": show, "episode": episode, "articles": infos,
                              "seed": _seed(episode_date, articles)}

    def render(name: str, extra: dict[str, Any]) -> tuple[Block, ...]:
        return _render_body(env, name, {**common, **extra})

    chapters = [ScriptChapter(INTRO_TITLE, render("intro.j2", {"position": 0}))]
    for n, (article, info) in enumerate(zip(articles, infos, strict=True)):
        extra = {"article": info, "position": info.position,
                 "previous": infos[n - 1] if n else None, "next": info}
        blocks = render("transition.j2", extra) + render("article.j2", extra)
        chapters.append(ScriptChapter(info.title or f"Story {info.position}", blocks,
                                      url=_clean_url(article.url), article_id=_clean_id(article)))
    chapters.append(ScriptChapter(OUTRO_TITLE, render("outro.j2",
                                                      {"position": len(articles) + 1})))
    meta = (("summary", summary),) if summary else ()
    return canonical_script(Script(title=title, date=episode_date, chapters=tuple(chapters),
                                   episode=number, meta=meta))
