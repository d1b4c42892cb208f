"""E-mail digests: a newsletter saved as a ``.eml`` file (RFC 5322 / MIME).

The message is read with the standard library's :mod:`email` package (``policy.default``),
which undoes quoted-printable and base64 and decodes each part's charset. Of a multipart
message the ``text/html`` part is read (by the HTML reader, :mod:`.html`), else the
``text/plain`` part (by the plain-text reader, :mod:`.text`). The Subject, without ``Re:``,
``Fwd:`` and ``[List]`` prefixes, is the digest's title. The sender's display name is the
source of the article when the e-mail holds a single article that names none (a post sent as
a newsletter); a digest of many articles keeps their own sources.

(This module is ``mail``, not ``email``: inside the package that name would hide the
standard library's.)
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from email.message import EmailMessage

from audiodigest.errors import SourceError
from audiodigest.sources.common import Draft, Reading, clean_text
from audiodigest.sources.html import read_page
from audiodigest.sources.text import parse_text

_PREFIX = re.compile(r"(?i)^\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*|\[[^\]]{1,40}\]\s*)+")
_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9-]*:[^\n]*\n(?:[ \t][^\n]*\n)*")
_KEY_HEADERS = frozenset({"from", "subject", "mime-version", "date", "to", "message-id"})


def looks_like_email(head: str) -> bool:
    """True when text starts with RFC 822 header lines, among them From: and another key one.

    >>> looks_like_email("From: Weekly <w@example.com>\\nSubject: Issue 3\\n\\nHello")
    True
    >>> looks_like_email("Source: Example Weekly\\nA summary.")
    False
    """
    text = head.lstrip("\ufeff").replace("\r\n", "\n")
    names: set[str] = set()
    pos = 0
    while match := _HEADER_LINE.match(text, pos):
        names.add(match.group(0).split(":", 1)[0].lower())
        pos = match.end()
    return "from" in names and len(names & _KEY_HEADERS) >= 2


def subject_title(subject: str) -> str:
    """The Subject without reply, forward and list prefixes.

    >>> subject_title("Fwd: [Orbit Weekly] Re: Issue 42: sails and starts")
    'Issue 42: sails and starts'
    """
    return _PREFIX.sub("", clean_text(subject)).strip()


def parse_email(data: bytes, name: str) -> Reading:
    """Read an e-mail digest (rules in the module docstring)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("html", "plain"))
        if part is None:
            raise SourceError("the e-mail has no text/html or text/plain part", path=name)
        content = part.get_content()
        subject = str(message.get("subject") or "")
        sender = message.get("from")
        display = sender.addresses[0].display_name if sender and sender.addresses else ""
    except (LookupError, ValueError, TypeError, IndexError, AttributeError) as exc:
        # Unknown charsets (LookupError), broken headers or parts the library cannot decode.
        raise SourceError(f"cannot read the e-mail: {exc}", path=name) from None
    if not isinstance(content, str):
        raise SourceError("the e-mail's text part holds no text", path=name)
    if part.get_content_subtype() == "html":
        reading = read_page(content, name)
    else:
        reading = _read_text_part(data, content, name, part.get_content_charset() or "ascii")
    title = subject_title(subject)
    if title:
        reading.title = title
    _sender_as_source(reading.drafts, clean_text(display))
    return reading


def _read_text_part(data: bytes, content: str, name: str, charset: str) -> Reading:
    """The plain-text reader on the decoded part, its line numbers made lines of the file
    where the part is stored as is (7bit/8bit), else named as lines of the text part."""
    shift = _body_line_shift(data, content, charset)
    try:
        found = parse_text(content.encode("utf-8", "surrogatepass"), name)
    except SourceError as exc:
        if exc.line is None:
            raise
        if shift is not None:
            raise SourceError(exc.message, path=name, line=exc.line + shift) from None
        raise SourceError(f"text part, line {exc.line}: {exc.message}", path=name) from None
    reading = found if isinstance(found, Reading) else Reading(list(found))
    for draft in reading.drafts:
        if draft.where.line is None or draft.origin:
            continue
        if shift is not None:
            draft.where = replace(draft.where, line=draft.where.line + shift)
        else:
            draft.origin = f"{name}: text part, line {draft.where.line}"
    return reading


def _body_line_shift(data: bytes, content: str, charset: str) -> int | None:
    """How many lines of the file precede the text part's first line, when the part is
    stored verbatim; None when it is encoded (quoted-printable, base64)."""
    lines = content.replace("\r\n", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    try:
        needle = lines[first].rstrip().encode(charset)
    except (LookupError, UnicodeEncodeError):
        return None
    at = data.find(b"\n" + needle)
    if at < 0 or data.find(b"\n" + needle, at + 1) >= 0:
        return None  # absent (encoded) or ambiguous
    return data.count(b"\n", 0, at) + 1 - first


def _sender_as_source(drafts: list[Draft], sender: str) -> None:
    if sender and len(drafts) == 1 and not drafts[0].source:
        drafts[0].source = sender
