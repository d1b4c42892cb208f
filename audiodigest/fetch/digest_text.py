"""Writing a digest in the plain-text format, so that reading it back gives the same articles.

The written file is the day's digest: a person may edit it before the build, and it shows
where every entry came from. Each article is its title on a line of its own, its summary
paragraphs, then ``Source:``, ``Published:`` and ``Read more → URL`` lines: the layout the
plain-text reader (:mod:`audiodigest.sources.text`) reads most surely, a Read-more line ending
each article. Plain text has no escapes, so :func:`render_digest` reads its own output back
with that reader: a summary paragraph the reader drops as furniture (a feed's "By Jane Doe")
is left out of the file, an article that would not come back at all (a title the reader takes
for a byline, say) is left out with a warning naming it, and the file it returns reads back
as exactly the articles it reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from audiodigest.errors import SourceError
from audiodigest.models import Article, Digest
from audiodigest.sources.common import shorten


def _web(article: Article) -> str:
    lines = [article.title, ""]
    for paragraph in article.paragraphs:
        lines += [paragraph, ""]
    lines += _meta(article)
    return "\n".join(lines)


def _typed(article: Article) -> str:
    # Title and summary in one block: what the reader expects of a title ending like a sentence.
    return "\n".join([article.title, *article.paragraphs, *_meta(article)])


def _meta(article: Article) -> list[str]:
    lines = []
    if article.source:
        lines.append(f"Source: {article.source}")
    if article.published:
        lines.append(f"Published: {article.published.isoformat()}")
    lines.append(f"Read more → {article.url}" if article.url else "Read more →")
    return lines


_LAYOUTS: tuple[Callable[[Article], str], ...] = (_web, _typed)


def _same(a: Article, b: Article) -> bool:
    return (a.title, a.summary, a.url, a.source, a.published) == (
        b.title, b.summary, b.url, b.source, b.published)


def _read(text: str, name: str) -> Digest | None:
    from audiodigest.sources import parse

    try:
        return parse(text.encode("utf-8"), name, "text")
    except SourceError:
        return None


def _alone(article: Article, layout: Callable[[Article], str], name: str) -> Article | None:
    back = _read(layout(article) + "\n", name)
    return back.articles[0] if back is not None and len(back.articles) == 1 else None


def _fitted(article: Article, layout: Callable[[Article], str], name: str) -> Article | None:
    """``article`` as ``layout`` writes it and the reader reads it back exactly; or with the
    summary paragraphs the reader drops as furniture left out (a feed's "By Jane Doe" line);
    or None when it does not come back."""
    back = _alone(article, layout, name)
    if back is None:
        return None
    if _same(article, back):
        return article
    kept = back.paragraphs
    it = iter(article.paragraphs)
    if not kept or not all(p in it for p in kept) or (
            back.title, back.url, back.source, back.published) != (
            article.title, article.url, article.source, article.published):
        return None
    lighter = replace(article, summary=back.summary)
    again = _alone(lighter, layout, name)
    return lighter if again is not None and _same(lighter, again) else None


@dataclass(frozen=True)
class Rendered:
    """A digest's text, the articles it reads back as, and the articles left out (why)."""

    text: str
    articles: tuple[Article, ...]
    left_out: tuple[tuple[Article, str], ...]


def render_digest(articles: Sequence[Article], name: str) -> Rendered:
    """The plain-text digest of ``articles``; ``name`` is the file name it is checked under.

    Every article in :attr:`Rendered.articles` reads back from :attr:`Rendered.text` with the
    same title, summary, link, source and date, in order.
    """
    entries: list[tuple[Article, str]] = []
    left_out: list[tuple[Article, str]] = []
    for article in articles:
        for layout in _LAYOUTS:
            fitted = _fitted(article, layout, name)
            if fitted is not None:
                entries.append((fitted, layout(fitted)))
                break
        else:
            left_out.append((article, f"'{shorten(article.title)}' would not read back from a "
                                      "plain-text digest as written; left out"))
    # Entries are checked alone above; together, a neighbour could still change how one reads.
    while entries:
        text = "\n\n".join(entry for _, entry in entries) + "\n"
        back = _read(text, name)
        got = back.articles if back is not None else ()
        bad = next((i for i, (article, _) in enumerate(entries)
                    if i >= len(got) or not _same(article, got[i])), None)
        if bad is None and len(got) == len(entries):
            return Rendered(text, tuple(got), tuple(left_out))
        bad = len(entries) - 1 if bad is None else bad
        article = entries.pop(bad)[0]
        left_out.append((article, f"'{shorten(article.title)}' would not read back from the "
                                  "plain-text digest beside its neighbours; left out"))
    return Rendered("", (), tuple(left_out))
