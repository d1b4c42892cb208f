"""The show's settings: one validated model, every default and its help text in one place.

Loaded from ``SHOW_DIR/show.toml``. Unknown keys and bad values are rejected at load time with
the key named; nothing warns and falls back. Relative paths are resolved against the show
folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from audiodigest.categories import parse_category
from audiodigest.errors import ConfigError
from audiodigest.fsutil import read_regular
from audiodigest.urls import check_setting_url

SHOW_FILE = "show.toml"
MAX_SHOW_FILE_BYTES = 1024 * 1024  # show.toml is a page of settings; more is not one


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Owner(_Model):
    name: str = Field(description="Owner's name (itunes:owner); podcast directories contact them.")
    email: str = Field(
        description="Owner's e-mail (itunes:email); directories verify ownership through it.",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    )


class VoiceSettings(_Model):
    engine: str = Field("piper", description="Speech engine: piper (offline), edge (online) or espeak.")
    voice: str = Field(
        "en_US-joe-medium",
        description="Voice name for the engine, or for piper a path to a .onnx voice file.",
    )
    rate: float = Field(1.0, gt=0.25, le=4.0, description="Speaking rate: 1.0 is normal, 1.1 is 10% faster.")
    pitch: int = Field(0, ge=-50, le=50, description="Pitch shift in Hz (edge only).")
    volume: float = Field(1.0, gt=0.0, le=4.0, description="Volume multiplier before mastering.")
    sentence_silence: float = Field(
        0.0, ge=0.0, le=5.0, description="Extra silence the engine adds after each sentence (piper)."
    )


class AudioSettings(_Model):
    format: Literal["mp3", "m4a"] = Field("mp3", description="mp3 (CBR) or m4a (AAC with MP4 chapters).")
    bitrate: int = Field(64, ge=32, le=320, description="Bitrate in kbit/s.")
    sample_rate: Literal[22050, 24000, 32000, 44100, 48000] = Field(44100, description="Output sample rate in Hz.")
    channels: Literal[1, 2] = Field(1, description="1 for mono (speech), 2 for stereo.")
    loudness: float = Field(-16.0, ge=-30.0, le=-10.0, description="Target integrated loudness in LUFS.")
    true_peak: float = Field(-1.0, ge=-9.0, le=0.0, description="Ceiling for the true peak in dBTP.")
    sentence_gap: float = Field(0.25, ge=0.0, le=10.0, description="Silence between sentences, seconds.")
    paragraph_gap: float = Field(0.6, ge=0.0, le=10.0, description="Silence between paragraphs, seconds.")
    chapter_gap: float = Field(1.2, ge=0.0, le=10.0, description="Silence between chapters, seconds.")
    fade_ms: float = Field(6.0, ge=0.0, le=100.0, description="Fade at each segment's edges, milliseconds (no clicks).")


class MusicSettings(_Model):
    intro: Path | None = Field(None, description="Jingle played before the first words.")
    outro: Path | None = Field(None, description="Jingle played after the last words.")
    bed: Path | None = Field(None, description="Music bed played quietly under speech.")
    bed_under: Literal["intro", "chapters", "both"] = Field(
        "intro", description="Where the bed plays: under the intro chapter, between chapters, or both."
    )
    bed_volume: float = Field(-24.0, ge=-60.0, le=0.0, description="Bed level relative to the speech, dB (the bed file is first brought to the speech loudness).")
    duck: float = Field(-12.0, ge=-60.0, le=0.0, description="Extra attenuation of the bed while speech plays, dB.")
    fade: float = Field(1.0, ge=0.0, le=10.0, description="Fade in/out of jingles and bed, seconds.")


class Person(_Model):
    """A podcast:person of the show (every episode lists them)."""

    name: str = Field(min_length=1, max_length=128, description="The person's name.")
    role: str = Field("host", min_length=1, max_length=64,
                      description="Their role (Podcast Taxonomy Project), e.g. host, producer.")
    group: str = Field("cast", min_length=1, max_length=64,
                       description="The role's group (Podcast Taxonomy Project), e.g. cast, writing.")
    href: str | None = Field(None, description="A page about the person (http or https).")
    img: str | None = Field(None, description="A picture of the person (http or https).")

    @field_validator("href", "img")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_setting_url(value)

    @field_validator("name", "role", "group")
    @classmethod
    def _line(cls, value: str) -> str:
        return _one_line(value)


class Funding(_Model):
    """A podcast:funding link: where listeners can support the show."""

    url: str = Field(description="The donation or membership page (http or https).")
    text: str = Field(min_length=1, max_length=128, description="The link's words, e.g. 'Support the show'.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_setting_url(value) or value

    @field_validator("text")
    @classmethod
    def _line(cls, value: str) -> str:
        return _one_line(value)


class License(_Model):
    """The podcast:license of the show's content."""

    identifier: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,127}$",
        description="An SPDX licence identifier such as cc-by-4.0, or a name of your own (then give url).",
    )
    url: str | None = Field(None, description="The licence text (http or https); needed for a licence not in SPDX.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_setting_url(value)


class Txt(_Model):
    """A podcast:txt line: free text for machines, e.g. a directory's ownership token."""

    text: str = Field(min_length=1, max_length=4000, description="The text (at most 4000 characters).")
    purpose: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
        description="What the text is for, one word such as verify or applepodcastsverify.",
    )


_SINCE = re.compile(r"^\s*(\d{1,5})\s*(minutes?|hours?|days?|weeks?)\s*$", re.IGNORECASE)
_SINCE_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def parse_since(value: str) -> timedelta:
    """A ``since`` setting ("2 days", "36 hours", "90 minutes", "1 week") as a timedelta.

    >>> parse_since("36 hours")
    datetime.timedelta(days=1, seconds=43200)
    """
    match = _SINCE.match(value)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{value!r} is not a time span such as '2 days' or '36 hours'")
    unit = match.group(2).lower().rstrip("s")
    return timedelta(seconds=int(match.group(1)) * _SINCE_UNITS[unit])


def keyword_pattern(value: str) -> re.Pattern[str]:
    """An include/exclude entry as a pattern: ``/regex/`` as written, anything else a keyword
    or phrase matched as whole words; both ignore case."""
    if len(value) > 2 and value.startswith("/") and value.endswith("/"):
        try:
            return re.compile(value[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regular expression: {exc}") from None
    words = value.split()
    if not words:
        raise ValueError("an empty keyword matches everything; remove it")
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)",
                      re.IGNORECASE)


class Source(_Model):
    """Where the day's news comes from: a [[sources]] table with a url or a path."""

    url: str | None = Field(None, description="An RSS/Atom feed, a JSON Feed or a web page of "
                                              "article cards (http or https).")
    path: Path | None = Field(None, description="A digest file, or a folder of them, on this "
                                                "machine (any format 'audiodigest read' reads).")
    name: str | None = Field(None, min_length=1, max_length=100,
                             description="The source's name in reports and in the digest's "
                                         "Source: lines when an item names none (default: "
                                         "its URL's host and path, or its file name).")
    max_items: int | None = Field(None, ge=1, le=10000,
                                  description="Take at most this many of its newest items.")
    since: str | None = Field(None, description="Only items published within this span before "
                                                "the fetch, e.g. '2 days' or '36 hours' (items "
                                                "without a date are kept).")
    include: list[str] = Field(default_factory=list, max_length=100,
                               description="Keep only items whose title or summary matches one "
                                           "of these keywords (or /regular expressions/).")
    exclude: list[str] = Field(default_factory=list, max_length=100,
                               description="Drop items whose title or summary matches one of "
                                           "these keywords (or /regular expressions/).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_setting_url(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _one_line(value)

    @field_validator("since")
    @classmethod
    def _since(cls, value: str | None) -> str | None:
        if value is not None:
            parse_since(value)
        return value

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _keywords(cls, value: object) -> object:
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):
            for item in items:
                if isinstance(item, str):
                    keyword_pattern(item)
        return items

    @model_validator(mode="after")
    def _one_place(self) -> Source:
        if (self.url is None) == (self.path is None):
            raise ValueError("give either url or path (one of them)")
        return self

    @property
    def label(self) -> str:
        """The source's name in reports."""
        if self.name:
            return self.name
        if self.url:
            parts = urlsplit(self.url)
            return (parts.netloc + parts.path).rstrip("/") or self.url
        return self.path.name if self.path else "source"


class FetchSettings(_Model):
    max_articles: int | None = Field(None, ge=1, le=1000,
                                     description="At most this many articles in a fetched digest.")
    target_minutes: float | None = Field(None, gt=0, le=600,
                                         description="Size a fetched digest to about this many "
                                                     "minutes of speech, at the show's voice "
                                                     "speed measured on its cached segments.")
    timeout: float = Field(20.0, gt=0, le=300,
                           description="Seconds each download attempt may take.")
    allow_private_addresses: bool = Field(
        False, strict=True,
        description="Allow sources on loopback and private addresses (an intranet feed); off, "
                    "so a feed cannot point the fetcher at this machine's own services.")


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value or not value.strip():
        raise ValueError("must be one non-empty line of text")
    return value.strip()


class CacheSettings(_Model):
    """The ``[cache]`` table (``cache = "folder"`` alone still names the folder)."""

    folder: Path = Field(Path(".audiodigest/cache"), description="The show's own segment cache folder.")
    store: str | None = Field(
        None, description="A segment store shared by many shows: a folder, or any fsspec URL "
                          "(s3://bucket/prefix, ...); 'batch' makes and reads segments there.")

    @field_validator("store")
    @classmethod
    def _store(cls, value: str | None) -> str | None:
        return None if value is None else _one_line(value)


class ShowConfig(_Model):
    title: str = Field(min_length=1, max_length=255, description="The show's name.")
    description: str = Field(min_length=1, max_length=4000, description="What the show is about (feed description).")
    author: str = Field(min_length=1, max_length=255, description="Who makes the show (itunes:author).")
    owner: Owner = Field(description="Contact for podcast directories.")
    language: str = Field("en-us", pattern=r"^[a-z]{2,3}(-[a-zA-Z]{2,4})?$", description="ISO 639 language code, e.g. en-us.")
    category: str = Field(
        "News", description="Apple Podcasts category; 'Parent > Child' for a subcategory, e.g. 'Technology' or 'News > Tech News'."
    )
    explicit: bool = Field(False, description="Whether episodes contain explicit content.")
    base_url: str = Field(
        "http://127.0.0.1:8000/",
        pattern=r"^https?://[^\s]+$",
        description="Public URL of the output folder; the feed is at BASE_URL/feed.xml.",
    )
    guid: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="The show's permanent podcast:guid, written once by 'audiodigest new' (or the "
                    "first build); podcast apps follow the show by it, so never change it.",
    )
    feed_moved_to: str | None = Field(
        None, pattern=r"^https?://[^\s]+$",
        description="The feed's new URL once the show has moved: written as itunes:new-feed-url, "
                    "and 'serve' answers the old feed with a redirect there.",
    )
    link: str | None = Field(None, description="The show's website; defaults to base_url.")
    hub: str | None = Field(
        None, description="A WebSub hub (http(s) URL): named in the feed (atom:link rel=hub) "
                          "and told of each publish.")
    podcastindex_ping: bool = Field(
        False, description="Tell Podcast Index (its pubnotify URL) of each publish.")
    podcastindex_pubnotify: str = Field(
        "https://api.podcastindex.org/api/1.0/hub/pubnotify",
        description="The Podcast Index pubnotify URL podcastindex_ping calls.")
    copyright: str | None = Field(None, description="Copyright line for the feed.")
    type: Literal["episodic", "serial"] = Field("episodic", description="itunes:type.")
    locked: bool = Field(True, description="podcast:locked: forbid other platforms from importing the feed.")
    artwork: Path | None = Field(None, description="Square JPEG or PNG, 1400-3000 px; a cover is generated if absent.")
    publish_time: str | None = Field(
        None, pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$",
        description="Local time (HH:MM, in 'timezone') each episode is published on its day; an "
                    "episode whose time has not come is built but kept out of the feed until "
                    "then. Unset: 06:00, or at once when built later that day.",
    )
    timezone: str = Field("UTC", description="Time zone of publish_time, e.g. Europe/Oslo.")
    feed_items: int = Field(50, ge=1, le=10000, description="How many of the newest episodes the feed lists.")
    digests: Path = Field(Path("digests"), description="Folder of digests; build takes the newest.")
    scripts: Path = Field(Path("scripts"), description="Folder of the editable narration scripts.")
    templates: Path = Field(Path("templates"), description="Folder of template overrides (script and site).")
    lexicon: Path | None = Field(Path("lexicon.toml"), description="Show pronunciation lexicon (TOML or YAML), if present.")
    output: Path = Field(Path("public"), description="Where the feed, audio and site are written.")
    cache: Path = Field(Path(".audiodigest/cache"),
                        description="Segment cache folder; or a [cache] table: folder, store.")
    # Set from [cache] store by parse(), not a key of its own.
    cache_store: str | None = Field(None, exclude=True, description="[cache] store.")
    jobs: int = Field(
        0, ge=0, le=64,
        description="Parallel piper runs; 0 = one run using every core (least memory).",
    )
    voices: dict[str, VoiceSettings] = Field(
        default_factory=lambda: {"HOST": VoiceSettings()},
        description="Speaker tag -> engine and voice. HOST reads untagged paragraphs.",
    )
    people: list[Person] = Field(
        default_factory=list, max_length=64,
        description="podcast:person of the show, one [[people]] table each: name, role (host), "
                    "group (cast), href, img. An episode's guests come from its script's "
                    "'guests:' line.",
    )
    season: int | None = Field(
        None, ge=1, le=999_999_999,
        description="Season new episodes get when first built (podcast:season, itunes:season); "
                    "a script's 'season:' line overrides it for that episode.",
    )
    funding: list[Funding] = Field(
        default_factory=list, max_length=16,
        description="podcast:funding links, one [[funding]] table each: url, text.",
    )
    license: License | None = Field(
        None, description="podcast:license: a [license] table with identifier (e.g. cc-by-4.0) "
                          "and optional url.",
    )
    block: bool = Field(False, strict=True,
                        description="itunes:block: keep the show out of Apple Podcasts (true or false).")
    txt: list[Txt] = Field(
        default_factory=list, max_length=16,
        description="podcast:txt lines, one [[txt]] table each: text, optional purpose.",
    )
    sources: list[Source] = Field(
        default_factory=list, max_length=100,
        description="Where 'audiodigest fetch' gets the day's news, one [[sources]] table each: "
                    "url or path, and optional name, max_items, since, include, exclude.",
    )
    fetch: FetchSettings = Field(default_factory=FetchSettings,
                                 description="How 'audiodigest fetch' downloads and sizes a digest.")
    audio: AudioSettings = Field(default_factory=AudioSettings, description="Assembly, mastering and encoding.")
    music: MusicSettings = Field(default_factory=MusicSettings, description="Optional jingles and music bed.")

    # Set by load(), not by the file.
    root: Path = Field(Path("."), exclude=True, description="The show folder (set on load).")

    @field_validator("voices")
    @classmethod
    def _voices(cls, value: dict[str, VoiceSettings]) -> dict[str, VoiceSettings]:
        for name in value:
            if not name.isupper() or not name.replace("_", "").isalnum():
                raise ValueError(f"speaker tag {name!r} must be upper-case letters, digits or _")
        if "HOST" not in value:
            raise ValueError("a HOST voice is required: it reads untagged paragraphs")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use a name such as Europe/Oslo or "
                             "America/New_York)") from None
        return value

    @field_validator("base_url", "link", "feed_moved_to", "hub", "podcastindex_pubnotify")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_setting_url(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > 4000:
            raise ValueError(f"{size} bytes long; podcast directories accept at most 4000 bytes")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        try:
            parent, child = parse_category(value)
        except ConfigError as exc:
            raise ValueError(exc.message.removeprefix("bad value for 'category': ")) from None
        return f"{parent} > {child}" if child else parent

    def path(self, value: Path) -> Path:
        """Resolve a path setting against the show folder."""
        return value if value.is_absolute() else self.root / value

    @property
    def feed_url(self) -> str:
        return self.base_url.rstrip("/") + "/feed.xml"

    @property
    def site_link(self) -> str:
        return self.link or self.base_url


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def parse(text: str, root: Path, source: str | Path = SHOW_FILE) -> ShowConfig:
    """Validate show.toml text; ``root`` is the show folder paths are relative to."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=source) from exc
    for own in ("root", "cache_store"):
        if own in raw:
            raise ConfigError(f"unknown key '{own}'", path=source)
    if isinstance(raw.get("cache"), dict):
        raw = {**raw, **_cache_table(raw["cache"], source)}
    try:
        config = ShowConfig.model_validate({**raw, "root": root})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _field_path(first["loc"])
        if first["type"] == "extra_forbidden":
            msg = f"unknown key '{key}'"
        elif first["type"] == "missing":
            msg = f"missing required key '{key}'"
        else:
            msg = f"bad value for '{key}': {first['msg'].removeprefix('Value error, ')}"
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ConfigError(msg, path=source) from exc
    if problem := _check_output(config):
        raise ConfigError(f"bad value for 'output': {problem}", path=source)
    return config


def _cache_table(table: dict[str, Any], source: str | Path) -> dict[str, Any]:
    """``[cache]`` as the ``cache`` and ``cache_store`` fields; errors name ``cache.KEY``."""
    try:
        settings = CacheSettings.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "cache." + _field_path(first["loc"])
        if first["type"] == "extra_forbidden":
            raise ConfigError(f"unknown key '{key}'", path=source) from exc
        raise ConfigError(f"bad value for '{key}': "
                          f"{first['msg'].removeprefix('Value error, ')}", path=source) from exc
    return {"cache": settings.folder, "cache_store": settings.store}


def _check_output(config: ShowConfig) -> str | None:
    """Why ``output`` may not be used, or None: the output folder is served and published
    whole, so it must not be the show folder, hold it, or hold (or sit in) any of the show's
    own files and folders (symbolic links resolved)."""
    out = config.path(config.output).resolve()
    root = config.root.resolve()
    if out == root or root.is_relative_to(out):
        return f"{config.output} would publish the show folder itself (show.toml, digests, " \
               "scripts); use a folder inside it, e.g. output = \"public\""
    owned: list[tuple[str, Path]] = [(SHOW_FILE, Path(SHOW_FILE)), ("state", Path(".audiodigest"))]
    owned += [(key, value) for key in ("digests", "scripts", "templates", "lexicon", "cache",
                                       "artwork") if (value := getattr(config, key)) is not None]
    owned += [(f"music.{key}", value) for key in ("intro", "outro", "bed")
              if (value := getattr(config.music, key)) is not None]
    owned += [(f"voices.{tag}.voice", Path(v.voice)) for tag, v in config.voices.items()
              if v.voice.endswith(".onnx") or "/" in v.voice]
    for key, value in owned:
        mine = config.path(value).resolve()
        if mine == out or mine.is_relative_to(out):
            return f"{config.output} holds the show's own {key} ({value}), which serve and " \
                   "publish would then expose; choose a folder of its own"
        if out.is_relative_to(mine):
            return f"{config.output} is inside the show's {key} ({value}); choose a folder of " \
                   "its own"
    return None


def load(show_dir: str | Path) -> ShowConfig:
    """Load and validate ``SHOW_DIR/show.toml``."""
    root = Path(show_dir)
    path = root / SHOW_FILE
    if not root.is_dir():
        raise ConfigError("show folder not found", path=root)
    if not os.path.lexists(path):
        raise ConfigError("no show.toml here; 'audiodigest new DIR' makes one", path=root)
    data = read_regular(path, MAX_SHOW_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path=path) from None
    return parse(text, root.resolve(), path)


def documented_settings(model: type[BaseModel] = ShowConfig, prefix: str = "") -> list[tuple[str, str]]:
    """Every setting with its help text, for the scaffold and the README check."""
    rows: list[tuple[str, str]] = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(documented_settings(ann, f"{prefix}{name}."))
        else:
            rows.append((prefix + name, info.description or ""))
    return rows


__all__ = ["ShowConfig", "VoiceSettings", "Source", "FetchSettings", "parse_since",
           "keyword_pattern", "AudioSettings", "MusicSettings", "Owner", "Person",
           "Funding", "License", "Txt", "load", "parse",
           "documented_settings", "SHOW_FILE", "Annotated"]
