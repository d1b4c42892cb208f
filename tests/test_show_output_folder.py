"""The output folder is served and published whole, so show.toml refuses an ``output`` that is,
holds or sits inside the show's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audiodigest.config import parse
from audiodigest.errors import ConfigError
from tests.conftest import SHOW_TOML, make_show, run_cli


@pytest.mark.parametrize("top, tables", [
    ('output = "."', ""),
    ('output = "./"', ""),
    ('output = ".."', ""),
    ('output = "digests"', ""),
    ('output = "digests/site"', ""),
    ('output = "scripts"', ""),
    ('output = "templates/out"', ""),
    ('output = ".audiodigest"', ""),
    ('output = "site"\nartwork = "site/cover.png"', ""),
    ('output = "site"\nlexicon = "site/words.toml"', ""),
    ('output = "site"', '[music]\nbed = "site/bed.mp3"'),
    ('output = "site"', '[voices.HOST]\nvoice = "site/my-voice.onnx"'),
])
def test_an_output_that_would_expose_the_show_is_refused(tmp_path: Path, top: str,
                                                         tables: str) -> None:
    text = f"{top}\n{SHOW_TOML}\n{tables}\n"
    with pytest.raises(ConfigError) as err:
        parse(text, tmp_path, tmp_path / "show.toml")
    line = err.value.one_line()
    assert "show.toml: bad value for 'output':" in line and "\n" not in line


def test_a_link_to_the_show_folder_is_refused_too(tmp_path: Path) -> None:
    os.symlink(tmp_path, tmp_path / "public")
    with pytest.raises(ConfigError, match="'output'"):
        parse(SHOW_TOML, tmp_path, tmp_path / "show.toml")


@pytest.mark.parametrize("output", ["public", "site/public", "OUTSIDE"])
def test_an_output_of_its_own_is_fine(tmp_path: Path, output: str) -> None:
    if output == "OUTSIDE":
        output = (tmp_path.parent / f"{tmp_path.name}-www").as_posix()
    config = parse(f'output = "{output}"\n' + SHOW_TOML, tmp_path, tmp_path / "show.toml")
    assert config.output == Path(output)


@pytest.mark.parametrize("verb", ["publish", "serve", "build"])
def test_serve_publish_and_build_refuse_output_dot(tmp_path: Path, verb: str) -> None:
    root = make_show(tmp_path / "show", extra_toml="")
    (root / "show.toml").write_text('output = "."\n' + SHOW_TOML, encoding="utf-8")
    (root / "feed.xml").write_text("<rss/>", encoding="utf-8")  # as if a build had run
    www = tmp_path / "www"
    args = {"publish": ["--to", www], "serve": ["--port", "8799"], "build": []}[verb]
    result = run_cli(verb, root, *args, timeout=60)
    assert result.code == 2, result.err
    assert "bad value for 'output'" in result.err and "show.toml" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not (www / "show.toml").exists()
