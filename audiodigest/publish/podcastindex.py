"""A feedgen extension for what feedgen 1.0 cannot write itself.

* The Podcasting 2.0 namespace (``podcast:guid``, ``podcast:locked``, ``podcast:medium``,
  ``podcast:chapters``, ``podcast:transcript``, ``podcast:episode``, ``podcast:season``,
  ``podcast:person``, ``podcast:funding``, ``podcast:license``, ``podcast:txt``).
* Podlove Simple Chapters (``psc:chapters``).
* The iTunes tags feedgen gets wrong for Apple: ``itunes:explicit`` as ``true``/``false``
  (feedgen only accepts yes/no/clean) and ``itunes:image`` for any extension (feedgen silently
  drops URLs ending in ``.jpeg``), and ``itunes:block`` as Apple spells it (``Yes``).
* An item ``description`` holding HTML in CDATA (feedgen writes it as escaped text whenever
  ``content:encoded`` is also set).

Register it under a name other than ``podcast`` (feedgen's iTunes extension has that one)::

    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension,
                          atom=False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem
from lxml.etree import CDATA

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PSC_NS = "http://podlove.org/simple-chapters"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"

def safe_cdata(html: str) -> Any:
    """Wrap HTML in a CDATA section; a literal ``]]>`` would end the section, so escape it."""
    return CDATA(html.replace("]]>", "]]&gt;"))


@dataclass(frozen=True)
class Transcript:
    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class PscChapter:
    start: str  # HH:MM:SS.mmm
    title: str
    href: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class Person:
    """A ``podcast:person``; role and group from the Podcast Taxonomy Project."""

    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Funding:
    url: str
    text: str


@dataclass(frozen=True)
class License:
    identifier: str
    url: str | None = None


@dataclass(frozen=True)
class Txt:
    text: str
    purpose: str | None = None


def _persons(parent: Any, persons: list[Person]) -> None:
    for p in persons:
        node = xml_elem(f"{{{PODCAST_NS}}}person", parent, role=p.role, group=p.group)
        if p.href:
            node.attrib["href"] = p.href
        if p.img:
            node.attrib["img"] = p.img
        node.text = p.name


class PodcastIndexExtension(BaseExtension):
    """Channel-level tags (see the module docstring)."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: bool | None = None
        self._owner: str | None = None
        self._medium: str | None = None
        self._explicit: bool | None = None
        self._image: str | None = None
        self._drop_last_build_date = False
        self._persons: list[Person] = []
        self._funding: list[Funding] = []
        self._license: License | None = None
        self._block = False
        self._txt: list[Txt] = []
        self._hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "psc": PSC_NS, "itunes": ITUNES_NS}

    def guid(self, value: str) -> None:
        self._guid = value

    def locked(self, value: bool, owner: str | None = None) -> None:
        self._locked = value
        self._owner = owner

    def medium(self, value: str) -> None:
        self._medium = value

    def itunes_explicit(self, value: bool) -> None:
        self._explicit = value

    def itunes_image(self, href: str) -> None:
        self._image = href

    def persons(self, persons: list[Person]) -> None:
        self._persons = list(persons)

    def funding(self, links: list[Funding]) -> None:
        self._funding = list(links)

    def license(self, value: License | None) -> None:
        self._license = value

    def itunes_block(self, value: bool) -> None:
        """Write ``<itunes:block>Yes</itunes:block>`` when true (nothing otherwise)."""
        self._block = value

    def txt(self, lines: list[Txt]) -> None:
        self._txt = list(lines)

    def hub(self, href: str) -> None:
        """A WebSub hub: ``<atom:link rel="hub">`` beside the feed's self link."""
        self._hub = href

    def drop_last_build_date(self) -> None:
        """Omit lastBuildDate (feedgen otherwise fills in the current time)."""
        self._drop_last_build_date = True

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        if self._drop_last_build_date:
            for node in channel.findall("lastBuildDate"):
                channel.remove(node)
        if self._hub:
            atom_link = "{http://www.w3.org/2005/Atom}link"
            selves = [i for i, node in enumerate(channel) if node.tag == atom_link]
            node = channel.makeelement(atom_link, {"href": self._hub, "rel": "hub"})
            channel.insert(selves[0] + 1 if selves else len(channel), node)
        if self._image:
            xml_elem(f"{{{ITUNES_NS}}}image", channel, href=self._image)
        if self._explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = (
                "true" if self._explicit else "false")
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        if self._locked is not None:
            node = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            node.text = "yes" if self._locked else "no"
            if self._owner:
                node.attrib["owner"] = self._owner
        if self._medium:
            xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = self._medium
        if self._block:
            xml_elem(f"{{{ITUNES_NS}}}block", channel).text = "Yes"
        _persons(channel, self._persons)
        for f in self._funding:
            xml_elem(f"{{{PODCAST_NS}}}funding", channel, url=f.url).text = f.text
        if self._license is not None:
            node = xml_elem(f"{{{PODCAST_NS}}}license", channel)
            node.text = self._license.identifier
            if self._license.url:
                node.attrib["url"] = self._license.url
        for t in self._txt:
            node = xml_elem(f"{{{PODCAST_NS}}}txt", channel)
            node.text = t.text
            if t.purpose:
                node.attrib["purpose"] = t.purpose
        return feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    """Item-level tags (see the module docstring)."""

    def __init__(self) -> None:
        self._chapters_url: str | None = None
        self._transcripts: list[Transcript] = []
        self._episode: int | None = None
        self._psc: list[PscChapter] = []
        self._description_html: str | None = None
        self._season: int | None = None
        self._persons: list[Person] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def chapters(self, url: str) -> None:
        self._chapters_url = url

    def transcript(self, item: Transcript) -> None:
        self._transcripts.append(item)

    def episode(self, number: int) -> None:
        self._episode = number

    def season(self, number: int | None) -> None:
        self._season = number

    def persons(self, persons: list[Person]) -> None:
        """The item's people; apps read them instead of the channel's, so list everyone."""
        self._persons = list(persons)

    def psc_chapters(self, chapters: list[PscChapter]) -> None:
        self._psc = list(chapters)

    def description_html(self, html: str) -> None:
        """Write the item's ``description`` as this HTML inside CDATA."""
        self._description_html = html

    def extend_rss(self, entry: Any) -> Any:
        if self._description_html is not None:
            node = entry.find("description")
            if node is None:
                node = xml_elem("description", entry)
            node.text = safe_cdata(self._description_html)
        if self._chapters_url:
            xml_elem(f"{{{PODCAST_NS}}}chapters", entry, url=self._chapters_url,
                     type="application/json+chapters")
        for t in self._transcripts:
            node = xml_elem(f"{{{PODCAST_NS}}}transcript", entry, url=t.url, type=t.type)
            if t.language:
                node.attrib["language"] = t.language
            if t.rel:
                node.attrib["rel"] = t.rel
        if self._episode is not None:
            xml_elem(f"{{{PODCAST_NS}}}episode", entry).text = str(self._episode)
        if self._season is not None:
            xml_elem(f"{{{PODCAST_NS}}}season", entry).text = str(self._season)
        _persons(entry, self._persons)
        if self._psc:
            group = xml_elem(f"{{{PSC_NS}}}chapters", entry, version="1.2")
            for ch in self._psc:
                node = xml_elem(f"{{{PSC_NS}}}chapter", group, start=ch.start, title=ch.title)
                if ch.href:
                    node.attrib["href"] = ch.href
                if ch.image:
                    node.attrib["image"] = ch.image
        return entry
