"""Web addresses and e-mail addresses, said as their host ("example dot com") or mailbox.

A URL is said as its host alone: a listener cannot type a path they hear.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from audiodigest.script.normalize.chars import Shelf
from audiodigest.script.normalize.data import ordered_words

_TLDS = "|".join(ordered_words("tlds"))
EMAIL_RE = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
URL_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    rf"|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
URL_TRAIL = ".,;:!?)]}'\""


def _host_words(host: str, speak: Callable[[str], str]) -> str:
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) > 2 and labels[0] == "www":
        labels = labels[1:]
    return " dot ".join(
        speak(label.replace("-", " ").replace("_", " ")) for label in labels
    )


def speak_urls(text: str, shelf: Shelf, speak: Callable[[str], str]) -> str:
    """URLs and e-mail addresses shelved as speech; ``speak`` normalises one plain word."""
    def email(m: re.Match[str]) -> str:
        local = re.sub(
            r"[._+-]",
            lambda s: {".": " dot ", "_": " underscore ", "+": " plus ", "-": " dash "}[s.group()],
            m.group(1),
        )
        local = speak(local)
        return shelf.put(f" {local} at {_host_words(m.group(2), speak)} ")

    def url(m: re.Match[str]) -> str:
        raw = m.group(0)
        tail = ""
        while raw and raw[-1] in URL_TRAIL:
            raw, tail = raw[:-1], raw[-1] + tail
        host = re.sub(r"^[a-z]+://", "", raw, flags=re.IGNORECASE)
        host = re.split(r"[/?#:]", host, maxsplit=1)[0].rsplit("@", 1)[-1]
        if not re.search("[A-Za-z0-9]", host):
            return m.group(0)
        return shelf.put(f" {_host_words(host, speak)} ") + tail

    return URL_RE.sub(url, EMAIL_RE.sub(email, text))

