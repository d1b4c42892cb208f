"""What the feed readers (RSS/Atom and JSON Feed) share: deciding what to say about an entry.

A feed entry may carry a summary, content, or both, as HTML or plain text, and many feeds fill
the summary with nothing but the title again. The rules, the same for every feed format:

- HTML is made speakable (:func:`~audiodigest.sources.speakable.speakable_paragraphs`):
  paragraphs stay paragraphs, list items become sentences, code blocks, tables and figures are
  left out.
- The first text that says more than the title wins (the candidates come in the reader's
  order of preference); leading paragraphs that only repeat the title are dropped, so the
  title is never read twice.
- Paragraphs that are furniture ("Continue reading →", "Read more", "12 comments", "The post …
  appeared first on …", a bare link) are left out
  (:func:`~audiodigest.sources.boilerplate.is_boilerplate`); an excerpt cut short ("… […]",
  "legitimate…") ends at its last whole sentence.
- An entry without a title is titled by its first sentence; the rest is its summary.
- An entry with nothing to say beyond its title keeps its title as its summary: the script
  reads the headline once (see ``script/render.py``), and one warning lists such entries.
- A text longer than the summary limit is cut after its last whole paragraph (or sentence)
  that fits, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from audiodigest.sources.boilerplate import is_boilerplate
from audiodigest.sources.common import (
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    Kind,
    classify,
    clean_paragraphs,
    clean_text,
    shorten,
)
from audiodigest.sources.speakable import speakable_paragraphs

# An untitled entry's title is its first sentence, cut to this many characters at a word.
TITLE_FROM_TEXT_CHARS = 90

_SENTENCE = re.compile(r"(?s)(.+?[.!?…])(?=\s+\S|$)")
_NOT_WORD = re.compile(r"[\W_]+")
# An excerpt cut short: "[…]" (WordPress), or an ellipsis glued to a word ("legitimate…").
# "…" / "..." after a space is the same cut (generated excerpts: "… { ID: 1 } ...").
_CUT_SHORT = re.compile(r"(?:\s*\[(?:…|\.\.\.)\]|(?<=\w)(?:…|\.\.\.)|\s+(?:…|\.\.\.))$")
_SENTENCE_ENDS = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")
# "The post <title> appeared first on <blog>." (WordPress, Yoast), at the end of a paragraph.
_APPEARED_FIRST = re.compile(r"(?is)\s*\b(?:the|this)\s+post\b.{0,300}?\bappeared\s+first\s+on\b.*$")


def html_text(html: str) -> str:
    """The speakable text of an HTML fragment, its paragraphs separated by blank lines."""
    return "\n\n".join(speakable_paragraphs(html))


def html_line(html: str) -> str:
    """The speakable text of an HTML fragment as one line (for titles and names)."""
    return " ".join(speakable_paragraphs(html))


def _folded(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def repeats(text: str, title: str) -> bool:
    """True when ``text`` says nothing but ``title`` (case, spacing, punctuation aside).

    >>> repeats("Release 2.3 is out…", "Release 2.3 is out")
    True
    >>> repeats("Release 2.3 is out with faster builds.", "Release 2.3 is out")
    False
    """
    return bool(_folded(title)) and _folded(text) == _folded(title)


def _cut(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—–-")
    return head + "…"


def title_from_text(text: str) -> tuple[str, str]:
    """A title for an untitled entry and what remains to be said: its first sentence and the
    rest. When the sentence is too long to be a title it is shortened and the whole text stays
    the summary.

    >>> title_from_text("Shipped the new parser today. It reads JSON Feed.")
    ('Shipped the new parser today', 'It reads JSON Feed.')
    """
    text = clean_paragraphs(text)
    first, _, others = text.partition("\n\n")
    match = _SENTENCE.match(first)
    sentence = match.group(1) if match else first
    rest = first[len(sentence):].strip()
    # A chapter title reads better without the sentence's full stop or a colon leading on.
    title = sentence.rstrip(":;,") if sentence.endswith("...") else sentence.rstrip(".:;,")
    if len(title) > TITLE_FROM_TEXT_CHARS:
        return _cut(title, TITLE_FROM_TEXT_CHARS), text
    return title or sentence, "\n\n".join(part for part in (rest, others) if part)


def fit(summary: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """``summary`` cut after its last whole paragraph (else sentence, else word) within ``limit``."""
    if len(summary) <= limit:
        return summary
    kept = ""
    for paragraph in summary.split("\n\n"):
        candidate = f"{kept}\n\n{paragraph}" if kept else paragraph
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    sentences = ""
    for match in _SENTENCE.finditer(summary):
        if match.end() > limit:
            break
        sentences = summary[: match.end()]
    return sentences.strip() or _cut(summary, limit)


def _whole_sentences(paragraph: str) -> str:
    """An excerpt cut short mid-sentence ends at its last whole sentence instead.

    >>> _whole_sentences("Prices fell. Analysts expect a rise in […]")
    'Prices fell.'
    >>> _whole_sentences("Driven by legitimate…")
    'Driven by legitimate…'
    >>> _whole_sentences("We hit a bug. The table: id role 1 USER { ID: 1 } ...")
    'We hit a bug.'
    """
    marker = _CUT_SHORT.search(paragraph)
    if not marker:
        return paragraph
    head = paragraph[: marker.start()]
    ends = list(_SENTENCE_ENDS.finditer(head + " "))
    return head[: ends[-1].end()].strip() if ends else head.rstrip() + "…"


def _says_only_title(paragraph: str, title: str) -> bool:
    """The paragraph is the title again, whole or cut short ("Release 2.3 is…")."""
    if repeats(paragraph, title):
        return True
    marker = _CUT_SHORT.search(paragraph)
    head = _folded(paragraph[: marker.start()]) if marker else ""
    return bool(head) and _folded(title).startswith(head)


def _speakable_part(text: str, title: str) -> str:
    """``text`` without the paragraphs that repeat the title or are furniture ("Continue
    reading →", "Comments", "The post … appeared first on …"); an excerpt cut short ends at its
    last whole sentence."""
    raw = [_APPEARED_FIRST.sub("", p) for p in clean_paragraphs(text).split("\n\n")]
    pairs = [(p, _whole_sentences(p)) for p in raw]
    kept = [(p, cut) for p, cut in pairs if cut and not is_boilerplate(cut)
            and classify(cut)[0] not in (Kind.READ_MORE, Kind.URL)]
    # A leading paragraph that is the title again, whole or cut short ("Title…"), says nothing.
    while kept and title and _says_only_title(kept[0][0], title):
        kept.pop(0)
    return "\n\n".join(cut for _, cut in kept)


def choose(title: str | None, candidates: Iterable[str | None], label: str,
           warnings: list[str]) -> tuple[str, str] | None:
    """The title and summary to read for one entry. ``candidates`` are plain texts (HTML
    already made speakable) in order of preference; ``label`` names the entry in warnings
    ("feed.xml: entry 3").

    The summary is "" when the entry says nothing beyond its title (the caller decides what to
    do with a headline); None means the entry has neither a title nor any text.
    """
    title = clean_text(title or "")
    texts = [clean_paragraphs(c) for c in candidates if c and c.strip()]
    if not title:
        spoken = next((t for t in (_speakable_part(t, "") for t in texts) if t), "")
        if not spoken:
            return None
        title, summary = title_from_text(spoken)
        texts = [summary]
    for text in texts:
        summary = _speakable_part(text, title)
        if summary:
            if len(summary) > MAX_SUMMARY_CHARS:
                warnings.append(f"{label}: {shorten(title)!r} is {len(summary):,} characters "
                                f"long; reading the first {MAX_SUMMARY_CHARS:,}")
                summary = fit(summary)
            return _cut(title, MAX_TITLE_CHARS), summary
    return _cut(title, MAX_TITLE_CHARS), ""


def entry_text(title: str | None, candidates: Iterable[str | None], label: str, number: int,
               warnings: list[str], headlines: list[str]) -> tuple[str, str] | None:
    """:func:`choose` for one entry of a feed, with what both feed readers do around it: an
    entry with neither title nor text is left out with a warning (None); an entry with only a
    title is noted in ``headlines`` and read as its headline, once (the script reads a summary
    that repeats the title only once)."""
    chosen = choose(title, candidates, label, warnings)
    if chosen is None:
        warnings.append(f"{label}: no title and no text; left out")
        return None
    headline, summary = chosen
    if not summary:
        headlines.append(str(number))
        summary = headline
    return headline, summary


def headline_only_warning(name: str, numbers: list[str], one: str, many: str) -> str:
    """One warning for the entries that have only a title (their headline is read alone);
    ``one``/``many`` name them ("entry"/"entries")."""
    shown = ", ".join(numbers[:5]) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
    if len(numbers) == 1:
        return f"{name}: {one} {shown} says nothing beyond its title; only the headline is read"
    return (f"{name}: {len(numbers)} {many} ({shown}) say nothing beyond their titles; only "
            "their headlines are read")
