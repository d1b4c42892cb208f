"""Lines that decorate a digest rather than carry an article, shared by the line-based readers.

Pasted pages and e-mails bring their own furniture: "View in browser", "Unsubscribe", "You are
receiving this because…", reading times after titles ("(5 minute read)"), bylines ("— Reuters",
"Source: Example Weekly"). Each rule here answers one question about one stripped line, so the
text, Markdown, HTML and e-mail readers agree on what is furniture.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# Whole lines an e-mail or a page adds around its articles. Matched against the start of a
# short line only (see is_boilerplate), so an article that mentions "unsubscribe" stays.
_BOILERPLATE = re.compile(
    r"""(?ix)^[\W_]*(?:
        view\s+(?:(?:this|the)\s+)?(?:(?:e-?mail|newsletter|issue|post|message)\s+)?(?:in\s+(?:your\s+|a\s+)?(?:web\s+)?browser|online|on\s+the\s+web|as\s+a\s+web\s*page)
      | (?:read|open)\s+(?:it\s+)?(?:in|on)\s+(?:the\s+)?(?:app|browser|web)
      | (?:click\s+here\s+to\s+)?unsubscribe
      | manage\s+(?:your\s+)?(?:subscription|preferences|e-?mail\s+preferences)
      | update\s+your\s+(?:e-?mail\s+)?preferences
      | you(?:'re|\s+are)?\s+(?:receiving|received|getting|subscribed)\b
      | you\s+(?:received|got)\s+this\b
      | (?:this\s+(?:e-?mail|newsletter)\s+was\s+)?forwarded\s+(?:to\s+you\s+)?by\b
      | (?:was\s+this|did\s+someone)\s+(?:e-?mail\s+)?forward
      | forward(?:ed)?\s+this\s+(?:e-?mail|newsletter)\b
      | (?:not\s+)?subscribed\?\s
      | (?:subscribe|sign\s+up)(?:\s+(?:here|now|for\s+free|to\s+\w+))?\s*[.!:→»>-]*$
      | share\s+(?:this|on)\b
      | follow\s+us\b
      | privacy\s+policy
      | (?:copyright\s+)?(?:©|\(c\))\s*\d{4}
      | all\s+rights\s+reserved
      | powered\s+by\b
      | (?:curated|compiled|generated)\s+(?:\S+\s+){0,3}?(?:by|with|using|from|on)\b.{0,80}$
      | made\s+with\s+(?:love|care|[^\w\s]+)\s
      | sent\s+(?:with|via|by)\s+\w+
      | advertise\s+with\s+us
      | (?:this\s+(?:issue|newsletter|e-?mail)\s+is\s+)?(?:sponsored|brought\s+to\s+you)\s+by\b
      | (?:\d+|no|one)\s+(?:comments?|responses?|replies)\s*[.!»›→]*$
      | (?:leave\s+a|add\s+a|post\s+a)\s+(?:comment|reply)\b
      | (?:tweet|share|like)\s*$
      | continue\s+reading\b
      | read\s+(?:the\s+)?(?:full|whole|entire|rest\s+of\s+the)\s+(?:article|story|post|piece)\b
      | the\s+post\s+.{1,200}?\s+appeared\s+first\s+on\s+\S.*
      | (?:\d+\s+)?(?:comments?|replies|discuss(?:ion)?|permalink)\s*[.!:→»>)\]-]*$
      | -{2,}\s*forwarded\s+message
      | begin\s+forwarded\s+message
      | (?:thanks|thank\s+you)\s+for\s+reading\b
      | that(?:'s|’s|\s+is)\s+(?:all|it)\s+for\s+(?:today|now|this\s+(?:week|issue|time))\b
      | (?:see\s+you|until)\s+(?:next\s+(?:time|week|issue)|tomorrow|monday)\b
      | (?:enjoy(?:ed)?|like|love)(?:d)?\s+(?:this|the)\s+(?:newsletter|issue|e-?mail)\b
      | refer\s+(?:a\s+)?friends?\b
      | (?:love|like|enjoy(?:ing)?|liked|enjoyed)\s+(?:this\s+|the\s+)?[\w.-]+(?:\s+[\w.-]+)?\?(?:\s+(?:tell|share|forward|refer|pass)\b.*)?$
      | (?:tell|share\s+(?:it|this|us)\s+with)\s+(?:your\s+|a\s+)?friends?\b
      | share\s+your\s+(?:referral|unique)\s+link
      | (?:want\s+to\s+)?advertise\s+(?:with|in)\b
      | (?:hit\s+)?reply\s+to\s+(?:this|let)\b
      | (?:in\s+)?(?:this|today's|today’s)\s+issue\s*:?$
      | (?:back\s+to\s+top|table\s+of\s+contents|contents|skip\s+to\s+(?:main\s+)?content)\s*[↑:]*$
    )""",
)
_MAX_BOILERPLATE_WORDS = 25
_MAX_FURNITURE_CHARS = 300  # longer lines are prose; the cap also keeps the rules cheap

# Lines that announce a paid block ("Sponsored by Acme", "SPONSOR", "Together with Acme"), and
# the marker a paid entry carries after its title ("Cut your bill in half (Sponsor)").
_SPONSOR_LINE = re.compile(
    r"""(?ix)^[\W_]*(?:
        sponsor(?:ed)?(?:\s+(?:content|post|message|section))?
      | (?:this\s+(?:issue|newsletter|e-?mail|episode)\s+is\s+)?(?:sponsored|brought\s+to\s+you|presented)\s+by\b.*
      | (?:today's\s+|today’s\s+)?sponsor\s*:.*
      | together\s+with\b.*
      | a\s+(?:word|message)\s+from\s+(?:our\s+|today's\s+|this\s+week's\s+)?(?:sponsors?|partners?)\b.*
      | (?:paid\s+)?partner(?:ed)?\s+(?:content|post)
      | advertisement | promoted | paid\s+post
    )[\W_]*$"""
)
_SPONSOR_MARK = re.compile(r"(?i)[(\[]\s*(?:sponsor(?:ed)?|ad|partner|promoted)\s*[)\]]\s*$")
_MAX_SPONSOR_WORDS = 12

# Card furniture pasted from an article list: "5 min read", "Nov 27, 2026 · 4 min read",
# "By Jane Doe", "12 comments", "3 hours ago". Every part between separators must be one.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_CARD_PART = re.compile(
    rf"""(?ix)(?:
        \d{{1,3}}\s*(?:-\s*)?(?:minutes?|mins?|m)\.?(?:\s+read(?:ing)?)?(?:\s+time)?
      | (?:reading\s+time\s*:?\s*)\d{{1,3}}\s*(?:minutes?|mins?)
      | \d[\d,.]*k?\s+(?:comments?|replies|points?|likes?|shares?|views?)
      | \d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?)\s+ago
      | (?:updated|posted|published)?\s*(?:on\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?
      | (?:updated|posted|published)?\s*(?:on\s+)?\d{{1,2}}\s+{_MONTH},?(?:\s+\d{{4}})?
      | (?:updated|posted|published)?\s*(?:on\s+)?\d{{4}}-\d{{2}}-\d{{2}}
      | (?:yesterday|today|just\s+now)
      | by\s+(?-i:[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|van|de|von|and|&)){{0,4}})
    )"""
)
# Every kind of card part holds a digit or one of these words; most lines hold neither.
_CARD_HINT = re.compile(r"(?i)\d|\bby\s|yesterday|today|just\s+now")
_CARD_SEPARATOR_HINT = re.compile(r"[·|•]|\s[-–]\s")
_CARD_SEPARATORS = re.compile(r"\s*(?:[·|•]|\s-\s|\s–\s)\s*")

# The words of a link that leads to the rest of an article ("Read more →", "Continue reading").
_READ_MORE = re.compile(
    r"""(?ix)^[\W_]*(?:
        read\s+(?:more|on|the\s+(?:full\s+)?(?:story|article|post)|full\s+(?:story|article|post))
      | continue\s+reading | keep\s+reading | full\s+(?:story|article)
      | more\s*(?:→|->|»|›)
    )(?!\w)[\W_]*(?:(?:at|on|in)\s+\S.*)?$""",
)

# "(5 minute read)", "[3 min read]", "· 4 min", "(GitHub Repo)" after a title.
_READING_TIME = re.compile(
    r"""(?ix)\s*(?:
        [(\[]\s*(?P<m1>\d{1,3})\s*(?:-\s*)?(?:minutes?|mins?|m)\.?(?:\s+read(?:ing)?)?(?:\s+time)?\s*[)\]]
      | [·|•–—-]\s*(?P<m2>\d{1,3})\s*(?:minutes?|mins?)\.?(?:\s+read)?
      | [(\[]\s*(?:github\s+repo|sponsor(?:ed)?|website|video|podcast|pdf)\s*[)\]]
    )\s*$""",
)

# Bylines that name where an article comes from.
_BYLINE = re.compile(
    r"""(?ix)^(?:
        (?:source|via|from|publication|published\s+(?:by|in))\s*[:\-–—]\s*(?P<a>\S.*?)
      | via\s+(?P<b>\S.*?)
      | [—–]\s*(?P<c>\S.*?)
    )\s*$""",
)
_MAX_BYLINE_CHARS = 80


# A pasted button: a short call to action that ends in an arrow ("Try it free →", "Get started »").
_BUTTON = re.compile(r"(?i)^\S(?:.{0,40}\S)?\s*(?:→|->|»|›|➜|➔)$")
_MAX_BUTTON_WORDS = 6
_ARROW_ENDS = "→>»›➜➔"


def is_boilerplate(line: str) -> bool:
    """True for a short line that an e-mail or page adds around its articles.

    >>> is_boilerplate("View in browser")
    True
    >>> is_boilerplate("You are receiving this because you signed up at example.com.")
    True
    >>> is_boilerplate("12 Comments"), is_boilerplate("Leave a comment")
    (True, True)
    >>> is_boilerplate("Try Acme free →"), is_boilerplate("View in browser (https://x.example/1)")
    (True, True)
    >>> is_boilerplate("Researchers found a way to unsubscribe bots from spam lists.")
    False
    >>> is_boilerplate("The post Chips get cheaper appeared first on Example Weekly.")
    True
    >>> is_boilerplate("Continue reading →"), is_boilerplate("12 comments")
    (True, True)
    >>> is_boilerplate("Curated from real-time AI news using Groq + Tavily")
    True
    >>> is_boilerplate("Made with recycled steel, the bridge opens in May.")
    False
    """
    if "://" in line and len(line) <= _MAX_FURNITURE_CHARS:
        line = _TRAILING_URL.sub("", line) or line  # "View in browser (https://...)"
    words = len(line.split())
    if words > _MAX_BOILERPLATE_WORDS or len(line) > _MAX_FURNITURE_CHARS:
        return False
    if words <= _MAX_BUTTON_WORDS and line[-1:] in _ARROW_ENDS and _BUTTON.match(line):
        return True
    return _BOILERPLATE.match(line) is not None


def is_read_more(label: str) -> bool:
    """True for the words of a link that leads to the rest of an article.

    >>> is_read_more("Read more →"), is_read_more("Continue reading »"), is_read_more("More →")
    (True, True, True)
    >>> is_read_more("Read more than 500 papers in a week")
    False
    """
    return len(label.split()) <= 6 and _READ_MORE.match(label) is not None


def is_sponsor(line: str) -> bool:
    """True for a short line that announces a paid block, or a title marked as paid.

    >>> is_sponsor("SPONSORED BY ACME"), is_sponsor("Cut your cloud bill in half (Sponsor)")
    (True, True)
    >>> is_sponsor("Sponsors pull out of the World Cup after the vote")
    False
    """
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    if _SPONSOR_MARK.search(line):
        return True
    return len(line.split()) <= _MAX_SPONSOR_WORDS and _SPONSOR_LINE.match(line) is not None


# An image left behind as text: "[image: Acme logo]", "hero-1200.png".
_IMAGE = re.compile(r"(?i)\[(?:image|img|photo|picture)\b[^\]]*\]|\S+\.(?:png|jpe?g|gif|webp|svg)(?:\?\S*)?")
_ALNUM = re.compile(r"[^\W_]")
_TRAILING_URL = re.compile(r"\s*[:(<\[]?\s*https?://\S+?\s*[)>\]]?\s*$")


def is_decoration(line: str) -> bool:
    """True for a line that says nothing to a listener: card furniture (:func:`is_card_meta`),
    an image's name, or emoji and symbols alone.

    >>> is_decoration("🚀"), is_decoration("[image: Acme logo]"), is_decoration("Rust 2.0")
    (True, True, False)
    """
    if _ALNUM.search(line) is None:
        return True
    return len(line) <= 80 and (is_card_meta(line) or _IMAGE.fullmatch(line) is not None)


def is_card_meta(line: str) -> bool:
    """True for a short line of card furniture: dates, reading times, "By Name", counts.

    >>> is_card_meta("Nov 27, 2026 · 4 min read"), is_card_meta("By Jane Doe | 12 comments")
    (True, True)
    >>> is_card_meta("By noon the market had recovered.")
    False
    """
    if len(line) > 80 or not _CARD_HINT.search(line):
        return False
    line = line.strip()
    if not _CARD_SEPARATOR_HINT.search(line):
        return _CARD_PART.fullmatch(line) is not None
    parts = [part for part in _CARD_SEPARATORS.split(line) if part]
    return bool(parts) and all(_CARD_PART.fullmatch(part) for part in parts)


def split_reading_time(title: str) -> tuple[str, int | None]:
    """A title without its trailing reading time (or "(GitHub Repo)" marker), and the minutes.

    >>> split_reading_time("Chips get cheaper (5 minute read)")
    ('Chips get cheaper', 5)
    >>> split_reading_time("A tool for diffs (GitHub Repo)")
    ('A tool for diffs', None)
    >>> split_reading_time("Windows 11 (2024)")
    ('Windows 11 (2024)', None)
    """
    tail = title[-24:].lower()
    if not (tail.endswith((")", "]")) or "min" in tail):
        return title, None  # the common case, without the search
    match = _READING_TIME.search(title)
    if not match or match.start() == 0:
        return title, None
    minutes = match.group("m1") or match.group("m2")
    return title[: match.start()].rstrip(), int(minutes) if minutes else None


def byline(line: str) -> str | None:
    """The publication a byline line names, or None when the line is not a byline.

    >>> byline("— Reuters")
    'Reuters'
    >>> byline("Source: Example Weekly")
    'Example Weekly'
    >>> byline("via The Verge")
    'The Verge'
    >>> byline("— and then the market fell for the third day in a row, which nobody expected.")
    """
    match = _BYLINE.match(line)
    if not match:
        return None
    name = (match.group("a") or match.group("b") or match.group("c") or "").strip(" *_.")
    if not name or len(name) > _MAX_BYLINE_CHARS or len(name.split()) > 8:
        return None
    return name


# Query keys under which click trackers carry the real destination.
_REDIRECT_KEYS = frozenset(
    {
        "url",
        "u",
        "q",
        "redirect",
        "redirect_url",
        "target",
        "dest",
        "destination",
        "link",
        "r",
        "to",
        "goto",
    }
)


def untrack(url: str) -> str:
    """The destination of a newsletter's click-tracking link, or ``url`` itself.

    Trackers wrap the real address either as a path segment (``/CL0/https:%2F%2Fexample.com%2Fa``)
    or as a query value (``?url=https%3A%2F%2Fexample.com%2Fa``). The ``utm_*`` parameters the
    newsletter added to the destination go too.

    >>> untrack("https://tracking.example.net/CL0/https:%2F%2Fexample.com%2Fa%3Fx=1%26utm_source=nl/1/0100abc")
    'https://example.com/a?x=1'
    >>> untrack("https://click.example.net/ls/click?upn=xyz&url=https%3A%2F%2Fexample.org%2Fb")
    'https://example.org/b'
    >>> untrack("https://example.com/2026/11/a-story")
    'https://example.com/2026/11/a-story'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    for segment in parts.path.split("/")[1:]:
        inner = unquote(segment)
        if re.match(r"https?://[^/\s]", inner, re.IGNORECASE):
            return _without_utm(inner)
    for key, value in parse_qsl(parts.query):
        if key.lower() in _REDIRECT_KEYS and re.match(r"https?://[^/\s]", value, re.IGNORECASE):
            return _without_utm(value)
    return url


def _without_utm(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
# Section headings of a newsletter that hold no article: the archive, sponsors, calls to
# subscribe or share, a metrics table, a table of contents, the "about" blurb.
_FURNITURE_HEADING = re.compile(
    r"""(?ix)^(?:
        (?:the\s+|our\s+)?archives?(?:\s+of\s+.*)?
      | (?:past|previous|back|older|more|recent)\s+(?:issues|editions|newsletters|posts)
      | (?:our\s+|this\s+(?:week|month|issue)['’]?s?\s+|today['’]?s\s+)?(?:sponsors?|partners?)
      | sponsored(?:\s+by\b.*)?
      | (?:subscribe|sign\s+up|join\s+us|share|spread\s+the\s+word|follow\s+us)
            (?:\s+(?:this|it|now|here|today|the\s+\w+|for\s+free|to\s+\S+|with\s+(?:a\s+)?\w+|on\s+\S+))*
      | (?:key\s+)?(?:metrics|stats|statistics)(?:\s+of\s+the\s+week)?
      | (?:this\s+(?:week|issue)\s+)?(?:in|by)\s+(?:the\s+)?numbers
      | at\s+a\s+glance | in\s+this\s+issue | (?:table\s+of\s+)?contents | toc
      | about(?:\s+(?:this|the|us)\b.*)? | (?:send\s+)?feedback | contact(?:\s+us)?
      | advertise\b.* | support\s+us | footer | housekeeping | unsubscribe
    )[\s.!:?]*$""",
)
# Words of a link that only points at the article ("Read full article", "Source", "link").
_LINK_LABEL = re.compile(
    r"""(?ix)^(?:
        (?:read|see|view|open|get)\s+(?:the\s+)?(?:more|full|whole|complete|original|rest)
            (?:\s+(?:article|story|post|piece|report|paper|thread|text))?(?:\s+(?:here|(?:on|at|in)\s+\S+(?:\s+\S+){0,3}))?
      | (?:read|see|view|open)(?:\s+(?:it|the\s+\w+))?\s+(?:here|online|(?:on|at|in)\s+\S+(?:\s+\S+){0,3})
      | (?:full|original)\s+(?:article|story|post|piece|report|paper|text)
      | continue\s+reading | keep\s+reading | more | details | learn\s+more | source | link
      | article | story | here | permalink | discuss(?:ion)? | comments?
    )\s*(?:→|->|=>|»|›|>|…|\.\.\.)?$""",
)


def is_decorative_char(ch: str) -> bool:
    """True for a character that decorates rather than says something: emoji and pictographs,
    arrows and bullets, and the joiners and selectors that build emoji sequences.

    >>> [is_decorative_char(c) for c in "🚀→•a1"]
    [True, True, True, False, False]
    """
    if ch in "\u200d\ufe0e\ufe0f\u20e3•·▪▸►▶◆◇○●■□★☆✓✔✗✘|":
        return True
    code = ord(ch)
    if 0x2190 <= code <= 0x21FF or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # arrows, skin tones, tag characters (flag sequences)
    return unicodedata.category(ch) == "So"


_WORD_CHAR = re.compile(r"[^\W_]")
_ORNAMENT = {"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sk", "Sm"}
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")


def strip_decoration(text: str, end: bool = False) -> str:
    """``text`` without the emoji, arrows or bullets that open it (and close it, with ``end``).

    Emoji inside a sentence stay: they are part of what it says.

    >>> strip_decoration("🚀 Launch day ✨", end=True)
    'Launch day'
    >>> strip_decoration("1️⃣ First, then 🎉 a party")
    'First, then 🎉 a party'
    """
    text = _KEYCAP.sub("", text[:4]) + text[4:] if "\u20e3" in text[:4] else text
    start, stop = 0, len(text)
    while start < stop and (text[start].isspace() or is_decorative_char(text[start])):
        start += 1
    while end and stop > start and (text[stop - 1].isspace() or is_decorative_char(text[stop - 1])):
        stop -= 1
    return text[start:stop].strip()


@functools.lru_cache(maxsize=512)
def is_ornament(line: str) -> bool:
    """True for a line of nothing but decoration and punctuation ("🔥🔥🔥", "* * *", "—").

    >>> is_ornament("✨ 🚀 ✨")
    True
    >>> is_ornament("🚀 Launch")
    False
    """
    if _WORD_CHAR.search(line):  # letters or digits: words, whatever surrounds them
        return False
    # Punctuation and the symbols markup leaves behind (` ^ ~ + = |) count as decoration too.
    return all(
        ch.isspace() or is_decorative_char(ch) or unicodedata.category(ch) in _ORNAMENT for ch in line
    )


def is_furniture_heading(heading: str) -> bool:
    """True for a newsletter section heading that holds no article (archive, sponsors,
    subscribe, share, metrics, contents, about).

    >>> is_furniture_heading("📚 Archive")
    True
    >>> is_furniture_heading("This Week in Numbers")
    True
    >>> is_furniture_heading("Share this issue")
    True
    >>> is_furniture_heading("Share prices of chip makers fall")
    False
    """
    text = strip_decoration(heading, end=True)
    return bool(_FURNITURE_HEADING.match(text)) or (bool(text) and is_boilerplate(text))


def is_link_label(text: str) -> bool:
    """True for link words that only point at the article ("Read full article", "link").

    >>> is_link_label("🔗 Read full article")
    True
    >>> is_link_label("Read more →")
    True
    >>> is_link_label("Read the full story on Kernel Weekly →")
    True
    >>> is_link_label("The full story of the chip")
    False
    """
    return bool(_LINK_LABEL.match(strip_decoration(text, end=True)))
