"""The show's cover art: the user's image checked against Apple's rules, or a generated one.

Apple wants a square JPEG or PNG of 1400-3000 px in RGB whose file extension matches its real
type, and a new file name whenever the art changes (apps cache covers by URL). The cover is
written as ``cover-<8 hex of its content hash>.<ext>`` so the name follows the content.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from audiodigest.config import ShowConfig
from audiodigest.errors import ConfigError, OutputError
from audiodigest.fsutil import atomic_write, read_regular, remove_inside

log = logging.getLogger(__name__)

MIN_SIZE = 1400
MAX_SIZE = 3000
COVER_SIZE = 1400
MAX_BYTES = 64 * 1024 * 1024  # an uncompressed 3000x3000 RGB image is 27 MB
_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
_COVER_NAME = re.compile(r"cover-[0-9a-f]{8}\.(png|jpe?g)")

# Palette of the generated cover: deep ink to teal, warm accent; white text passes WCAG AA
# contrast against every point of the gradient.
_TOP = (17, 24, 52)
_BOTTOM = (12, 84, 96)
_ACCENT = (255, 183, 3)
_TEXT = (255, 255, 255)


def _bad(image: Path, problem: str) -> ConfigError:
    return ConfigError(f"setting 'artwork': {problem}", path=image)


def check_artwork(image: Path, data: bytes) -> str:
    """Check cover bytes against Apple's rules; return the extension to publish it under.

    Raises :class:`ConfigError` naming the setting and the file with what is wrong.
    """
    try:
        with warnings.catch_warnings():
            # The size is checked below, before anything is decoded: no need for the warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:
        raise _bad(image, f"the image has far too many pixels; it must be between {MIN_SIZE} "
                          f"and {MAX_SIZE} pixels square") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _bad(image, f"not a readable JPEG or PNG image ({exc})") from exc
    with img:
        fmt = img.format or "?"
        mode = img.mode
        width, height = img.size
        _check_shape(image, fmt, width, height)
        try:
            img.load()  # decode fully: a truncated file fails here, not in a podcast app
        except (OSError, SyntaxError, ValueError) as exc:
            raise _bad(image, f"not a readable JPEG or PNG image ({exc})") from exc
    if mode != "RGB":
        what = {"CMYK": "CMYK", "P": "palette colour", "RGBA": "RGB with transparency",
                "LA": "grey with transparency", "L": "greyscale", "1": "black and white"}
        raise _bad(image, f"the image uses {what.get(mode, mode)} ({mode}); Apple wants RGB "
                          "without transparency: save it as an RGB JPEG or PNG")
    return image.suffix.lower()


def _check_shape(image: Path, fmt: str, width: int, height: int) -> None:
    """Type, name and size, from the header: a wrong size is never decoded."""
    if fmt not in _EXTENSIONS:
        raise _bad(image, f"the image is {fmt}; Apple accepts only JPEG or PNG")
    ext = image.suffix.lower()
    if ext not in _EXTENSIONS[fmt]:
        named = f"named {image.suffix}" if image.suffix else "named without an extension"
        raise _bad(image, f"the file is a {fmt} image but {named}; "
                          f"rename it to {image.stem}{_EXTENSIONS[fmt][0]}")
    if width != height:
        raise _bad(image, f"the image is {width}x{height}; it must be square")
    if not MIN_SIZE <= width <= MAX_SIZE:
        raise _bad(image, f"the image is {width}x{height}; it must be between "
                          f"{MIN_SIZE} and {MAX_SIZE} pixels square")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont,
          width: int) -> list[str]:
    """Greedy word wrap by measured width; a word too long for a line is split."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if current and draw.textlength(current + ch, font=font) > width:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # Pillow built without FreeType
        raise OutputError("cannot draw the cover: this Pillow has no FreeType support; set "
                          "'artwork' in show.toml to your own image")
    return font


def _fit_title(draw: ImageDraw.ImageDraw, title: str, width: int,
               height: int) -> tuple[ImageFont.FreeTypeFont, list[str], int]:
    """The largest font (with its lines and line height) that fits the title in the box."""
    for size in range(184, 39, -8):
        font = _font(size)
        lines = _wrap(draw, title, font, width)
        line_height = round(size * 1.18)
        if len(lines) * line_height <= height:
            return font, lines, line_height
    return font, lines[: max(1, height // line_height)], line_height


def generate_cover(title: str, author: str = "") -> bytes:
    """A 1400x1400 RGB PNG cover with the show's title (deterministic for the same input)."""
    size = COVER_SIZE
    img = Image.new("RGB", (size, size))
    # Vertical gradient, one row at a time (cheap at 1400 rows).
    draw = ImageDraw.Draw(img)
    for y in range(size):
        t = y / (size - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(_TOP, _BOTTOM, strict=True))
        draw.line([(0, y), (size, y)], fill=colour)

    margin = 120
    # A band of rounded bars like a speech waveform; its shape comes from the title's hash so
    # two shows do not get the same picture.
    seed = hashlib.sha256(title.encode("utf-8")).digest()
    bars, base_y, gap = 28, 1090, 12
    bar_w = (size - 2 * margin - gap * (bars - 1)) / bars
    for i in range(bars):
        phase = seed[i % len(seed)] / 255
        level = 0.25 + 0.75 * abs(math.sin(i * 0.55 + phase * math.pi)) * (0.6 + 0.4 * phase)
        h = 30 + level * 170
        x0 = margin + i * (bar_w + gap)
        draw.rounded_rectangle([x0, base_y - h / 2, x0 + bar_w, base_y + h / 2],
                               radius=bar_w / 2, fill=_ACCENT)

    draw.rectangle([margin, margin, margin + 140, margin + 14], fill=_ACCENT)
    # The title fills the space between the accent rule and the waveform.
    top, bottom = margin + 80, base_y - 140
    font, lines, line_height = _fit_title(draw, title, size - 2 * margin, bottom - top)
    for i, line in enumerate(lines):
        draw.text((margin, top + i * line_height), line, font=font, fill=_TEXT)
    if author:
        small = _font(56)
        label = textwrap.shorten(author, 40, placeholder="…")
        draw.text((margin, size - margin - 56), label, font=small, fill=(220, 228, 240))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def remove_old_covers(output_dir: Path, keep: str) -> None:
    """Delete covers other than ``keep`` (call after the feed naming ``keep`` is written)."""
    for path in output_dir.glob("cover-*"):
        if path.name != keep and _COVER_NAME.fullmatch(path.name):
            log.debug("removing old cover %s", path)
            remove_inside(output_dir, path)


@dataclass(frozen=True)
class Cover:
    """The show's cover as it will be published: its file name (``cover-<hash>.<ext>``) and bytes."""

    name: str
    data: bytes

    @property
    def mime_type(self) -> str:
        return "image/png" if self.name.endswith(".png") else "image/jpeg"


def cover_file(config: ShowConfig) -> Cover:
    """The show's cover as it will be published (pure, writes nothing).

    With ``config.artwork`` set, that image is checked (:func:`check_artwork`); otherwise a
    cover is generated from the show's title. The name carries a hash of the content, so it
    changes whenever the art does, as podcast apps expect.
    """
    if config.artwork is not None:
        source = config.path(config.artwork)
        data = read_regular(source, MAX_BYTES, "setting 'artwork'")
        ext = check_artwork(source, data)
    else:
        data = generate_cover(config.title, config.author)
        ext = ".png"
    return Cover(f"cover-{hashlib.sha256(data).hexdigest()[:8]}{ext}", data)


def prepare_artwork(config: ShowConfig, output_dir: Path, cover: Cover | None = None) -> str:
    """Put the cover (``cover``, else the show's, made here) into ``output_dir``; return its
    path relative to it.

    Older covers are left in place: the published feed may still name one. They go with
    :func:`remove_old_covers` once the new feed is written.
    """
    cover = cover or cover_file(config)
    target = Path(output_dir) / cover.name
    # Leave an identical cover untouched so its mtime (and HTTP caches) survive a rebuild.
    if not (target.is_file() and target.read_bytes() == cover.data):
        atomic_write(target, cover.data)
    return cover.name
