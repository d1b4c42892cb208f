"""Cover art: the user's image checked against Apple's rules, or a generated cover."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from audiodigest.errors import ConfigError
from audiodigest.publish.artwork import prepare_artwork, remove_old_covers
from tests.publish_support import make_config


def image_bytes(mode: str = "RGB", size: tuple[int, int] = (1400, 1400),
                fmt: str = "JPEG") -> bytes:
    colour = {"RGB": (30, 90, 160), "CMYK": (10, 20, 30, 0), "RGBA": (1, 2, 3, 128),
              "L": 128, "P": 3, "LA": (1, 128)}[mode]
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def with_art(tmp_path: Path, name: str, data: bytes):
    show = tmp_path / "show"
    show.mkdir(parents=True, exist_ok=True)
    (show / name).write_bytes(data)
    return make_config(show, f'artwork = "{name}"')


def test_generated_cover_is_a_1400_px_rgb_png_named_by_content(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show")
    out = tmp_path / "out"
    name = prepare_artwork(config, out)
    data = (out / name).read_bytes()
    assert name == f"cover-{hashlib.sha256(data).hexdigest()[:8]}.png"
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGB", (1400, 1400))
        # Not a blank square: the title is drawn in white over the dark gradient.
        colours = img.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50
        assert img.getpixel((700, 5)) != img.getpixel((700, 1395))


def test_cover_name_changes_with_the_title_and_old_covers_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = prepare_artwork(make_config(tmp_path / "a"), out)
    assert prepare_artwork(make_config(tmp_path / "a"), out) == first  # stable
    renamed = make_config(tmp_path / "a").model_copy(update={"title": "A New Name"})
    second = prepare_artwork(renamed, out)
    assert second != first
    # The old cover stays until the feed that names the new one is written...
    assert sorted(p.name for p in out.iterdir()) == sorted([first, second])
    (out / "cover-notours.png").write_bytes(b"keep me")  # not a name we make
    remove_old_covers(out, second)
    assert sorted(p.name for p in out.iterdir()) == sorted([second, "cover-notours.png"])


@pytest.mark.parametrize(("name", "fmt"), [("art.jpg", "JPEG"), ("art.jpeg", "JPEG"),
                                          ("art.png", "PNG"), ("ART.JPG", "JPEG")])
def test_valid_artwork_is_copied_unchanged_keeping_its_extension(
        tmp_path: Path, name: str, fmt: str) -> None:
    data = image_bytes(fmt=fmt, size=(1500, 1500))
    config = with_art(tmp_path, name, data)
    out = tmp_path / "out"
    published = prepare_artwork(config, out)
    assert published == f"cover-{hashlib.sha256(data).hexdigest()[:8]}{Path(name).suffix.lower()}"
    assert (out / published).read_bytes() == data


def test_changed_artwork_gets_a_new_name_and_the_old_one_goes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = prepare_artwork(with_art(tmp_path, "art.png", image_bytes(fmt="PNG")), out)
    second = prepare_artwork(
        with_art(tmp_path, "art.png", image_bytes(fmt="PNG", size=(1600, 1600))), out)
    assert first != second
    remove_old_covers(out, second)
    assert [p.name for p in out.iterdir()] == [second]


def _truncated() -> bytes:
    return image_bytes(fmt="PNG")[:300]


BAD: list[tuple[str, Callable[[], bytes], str]] = [
    ("art.jpg", lambda: image_bytes("CMYK"), "CMYK"),
    ("art.png", lambda: image_bytes("P", fmt="PNG"), "palette"),
    ("art.png", lambda: image_bytes("RGBA", fmt="PNG"), "transparency"),
    ("art.jpg", lambda: image_bytes("L"), "greyscale"),
    ("art.jpg", lambda: image_bytes(size=(1400, 1500)), "must be square"),
    ("art.jpg", lambda: image_bytes(size=(1000, 1000)), "between 1400 and 3000"),
    ("art.jpg", lambda: image_bytes(size=(3001, 3001)), "between 1400 and 3000"),
    ("art.png", lambda: image_bytes(), "rename it to art.jpg"),
    ("art.jpg", lambda: image_bytes(fmt="PNG"), "rename it to art.png"),
    ("art.gif", lambda: image_bytes(fmt="GIF", mode="P"), "only JPEG or PNG"),
    ("art.jpg", lambda: b"not an image at all", "not a readable"),
    ("art.png", _truncated, "not a readable"),
]


@pytest.mark.parametrize(("name", "make", "problem"), BAD,
                         ids=[f"{n}-{p}" for n, _m, p in BAD])
def test_bad_artwork_names_the_setting_the_file_and_the_problem(
        tmp_path: Path, name: str, make: Callable[[], bytes], problem: str) -> None:
    config = with_art(tmp_path, name, make())
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as err:
        prepare_artwork(config, out)
    message = err.value.one_line()
    assert "'artwork'" in message and problem in message
    assert message.startswith(str(tmp_path / "show" / name))
    assert not out.exists() or not list(out.iterdir())


def test_missing_artwork_file_is_reported(tmp_path: Path) -> None:
    config = make_config(tmp_path / "show", 'artwork = "nope.png"')
    with pytest.raises(ConfigError, match="'artwork': file not found"):
        prepare_artwork(config, tmp_path / "out")
