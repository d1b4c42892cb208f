"""Choosing the day's articles from what the sources brought: pure functions, no I/O.

    per source: since, include/exclude, max_items       (:func:`pick`)
    merged:     not in an earlier episode, one copy of each story, newest first  (:func:`merge`)
    budget:     max_articles, then target minutes, trimming summaries at sentences (:func:`fit`)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rapidfuzz import fuzz, process

from audiodigest.config import Source, keyword_pattern, parse_since
from audiodigest.models import Article
from audiodigest.sources.ids import normalise_url

# Titles this alike (rapidfuzz's normalised Indel similarity, as difflib's ratio) are one story
# told twice ("Heat pumps outsell gas boilers" / "Heat pumps outsell gas boilers!").
TITLE_SIMILARITY = 0.9
_PUNCTUATION = re.compile(r"[^\w\s]")
_NUMBERS = re.compile(r"\d+")


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _newest_first(articles: Sequence[Article]) -> list[Article]:
    # Dated articles newest first; undated ones after them, in the order they came.
    dated = sorted((a for a in articles if a.published), key=lambda a: _aware(a.published),  # type: ignore[arg-type]
                   reverse=True)
    return dated + [a for a in articles if not a.published]


def pick(articles: Sequence[Article], source: Source, now: datetime) -> list[Article]:
    """The articles of one source its settings let through, each carrying a source name.

    ``since`` keeps articles published at most that long before ``now`` (undated ones are
    kept: nothing says they are old); ``include`` keeps those whose title or summary matches
    one pattern, ``exclude`` drops those that match one; ``max_items`` keeps the newest.
    """
    kept = list(articles)
    if source.since:
        oldest = now - parse_since(source.since)
        kept = [a for a in kept if a.published is None or _aware(a.published) >= oldest]
    if source.include:
        patterns = [keyword_pattern(value) for value in source.include]
        kept = [a for a in kept if any(p.search(f"{a.title}\n{a.summary}") for p in patterns)]
    if source.exclude:
        patterns = [keyword_pattern(value) for value in source.exclude]
        kept = [a for a in kept if not any(p.search(f"{a.title}\n{a.summary}") for p in patterns)]
    if source.max_items is not None and len(kept) > source.max_items:
        newest = {id(a) for a in _newest_first(kept)[: source.max_items]}
        kept = [a for a in kept if id(a) in newest]
    return [a if a.source else replace(a, source=source.label) for a in kept]


def title_key(title: str) -> str:
    """A title folded for comparing stories: NFKC, case, punctuation and spacing ignored.

    >>> title_key("  Apple buys  Acme — for $2B! ")
    'apple buys acme for 2b'
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_PUNCTUATION.sub(" ", folded).split())


def similar_titles(a: str, b: str) -> bool:
    """True when two title keys (:func:`title_key`) are near enough to be one story: alike
    letter for letter, and with the same numbers ("Rust 1.90 released" and "Rust 1.91
    released" are two stories, however alike they look).

    >>> similar_titles(title_key("Apple buys Acme"), title_key("Apple buys Acme!"))
    True
    >>> similar_titles(title_key("Rust 1.90 released"), title_key("Rust 1.91 released"))
    False
    """
    if a == b:
        return True
    if not a or not b or _NUMBERS.findall(a) != _NUMBERS.findall(b):
        return False
    return fuzz.ratio(a, b, score_cutoff=TITLE_SIMILARITY * 100) > 0


def _similar_to_any(key: str, others: list[str]) -> bool:
    # One call over all candidates: rapidfuzz stops early on each below the cutoff.
    return bool(others) and process.extractOne(
        key, others, scorer=fuzz.ratio, score_cutoff=TITLE_SIMILARITY * 100) is not None


@dataclass(frozen=True)
class Merged:
    """The merged articles, newest first, and why the others were dropped (by article id)."""

    articles: tuple[Article, ...]
    earlier: frozenset[str]  # ids of articles some earlier episode already had
    duplicates: int  # second copies of a story, left out


def merge(per_source: Sequence[Sequence[Article]], earlier: Collection[str]) -> Merged:
    """All sources' articles as one list: those in an earlier episode (their ids in
    ``earlier``) dropped, the same story from two sources kept once (the first source's copy:
    same id, same URL once normalised, or a near-identical title), newest first."""
    kept: list[Article] = []
    ids: set[str] = set()
    urls: set[str] = set()
    # Kept title keys by their numbers: only titles with the same numbers can be one story.
    titles: dict[tuple[str, ...], list[str]] = {}
    old: set[str] = set()
    twins = 0
    for articles in per_source:
        for article in articles:
            if article.id in earlier:
                old.add(article.id)
                continue
            url = normalise_url(article.url) if article.url else None
            key = title_key(article.title)
            alike = titles.setdefault(tuple(_NUMBERS.findall(key)), [])
            if article.id in ids or (url and url in urls) or _similar_to_any(key, alike):
                twins += 1
                continue
            kept.append(article)
            ids.add(article.id)
            if url:
                urls.add(url)
            alike.append(key)
    return Merged(tuple(_newest_first(kept)), frozenset(old), twins)


def trim(article: Article, max_words: int, split: Callable[[str], list[str]],
         count: Callable[[str], int]) -> Article:
    """``article`` with its summary cut after the last whole sentence within ``max_words``
    words (its first sentence is always kept); paragraphs stay paragraphs."""
    out: list[str] = []
    used = 0
    for paragraph in article.paragraphs:
        sentences: list[str] = []
        for sentence in split(paragraph):
            size = count(sentence)
            if (out or sentences) and used + size > max_words:
                break
            sentences.append(sentence)
            used += size
        else:
            out.append(" ".join(sentences))
            continue
        if sentences:
            out.append(" ".join(sentences))
        break
    summary = "\n\n".join(out)
    return article if summary == article.summary else replace(article, summary=summary)


@dataclass(frozen=True)
class Budget:
    """``seconds(articles)``: how long the episode those articles make would last; ``target``
    the seconds it may last (None: no time budget)."""

    seconds: Callable[[Sequence[Article]], float]
    target: float | None


def fit(articles: Sequence[Article], max_articles: int | None, budget: Budget,
        split: Callable[[str], list[str]], count: Callable[[str], int]) -> list[Article]:
    """The articles a digest takes, in order: at most ``max_articles``, and within the time
    budget, summaries trimmed at sentence boundaries to fit.

    The trimming is even-handed: every summary is cut to the same largest word limit that
    lets all the articles fit; only when their first sentences alone do not fit are the last
    (oldest) articles left out.
    """
    chosen = list(articles[:max_articles] if max_articles is not None else articles)
    if budget.target is None or not chosen or budget.seconds(chosen) <= budget.target:
        return chosen

    def cut(limit: int) -> list[Article]:
        return [trim(item, limit, split, count) for item in chosen]

    while chosen and budget.seconds(cut(0)) > budget.target:
        chosen.pop()  # even first sentences only do not fit: fewer articles
    if not chosen:
        return []
    low, high = 0, max(count(item.summary) for item in chosen)
    while low < high:  # the largest word limit that fits
        middle = (low + high + 1) // 2
        if budget.seconds(cut(middle)) <= budget.target:
            low = middle
        else:
            high = middle - 1
    return cut(low)
