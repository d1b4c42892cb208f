"""Lines that decorate a digest rather than carry an article, shared by the line-based readers.

Pasted pages and e-mails bring their own furniture: "View in browser", "Unsubscribe", "You are
receiving this because…", reading times after titles ("(5 minute read)"), bylines ("— Reuters",
"Source: Example Weekly"). Each rule here answers one question about one stripped line, so the
text, Markdown, HTML and e-mail readers agree on what is furniture.
"""

from __future__ import annotations

import re

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
      | sent\s+(?:with|via|by)\s+\w+
      | advertise\s+with\s+us
      | (?:this\s+(?:issue|newsletter|e-?mail)\s+is\s+)?(?:sponsored|brought\s+to\s+you)\s+by\b
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
    >>> is_boilerplate("Try Acme free →"), is_boilerplate("View in browser (https://x.example/1)")
    (True, True)
    >>> is_boilerplate("Researchers found a way to unsubscribe bots from spam lists.")
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
