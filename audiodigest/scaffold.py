"""``audiodigest new``: a show folder with a commented show.toml and an example digest.

The comments in show.toml come from the settings model itself (:mod:`audiodigest.config`), so
the help text lives in one place.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from audiodigest.config import SHOW_FILE, ShowConfig, parse
from audiodigest.errors import UserError
from audiodigest.fsutil import atomic_write
from audiodigest.identity import PLACEHOLDER_NOTE, PLACEHOLDERS

EXAMPLE_DIGEST = """\
A quieter way to cool a data centre
Engineers in Oslo report that immersion cooling cut a 2 MW hall's cooling power by 38% over a
winter, while fans ran 4x less often. The trial used 1,200 servers and ends in March 2027.
Read more → https://example.com/immersion-cooling

Open voices for offline reading
A volunteer group released 12 new text-to-speech voices under CC0. Each model is about 60 MB
and runs 20x faster than real time on a laptop CPU, with no network needed.
Read more → https://example.com/open-voices
"""


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(value.as_posix())
    if isinstance(value, list):  # list settings (people, funding, txt) default to empty
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def commented_toml(title: str) -> str:
    """A show.toml that sets the required keys and lists every other one, commented out."""
    required = {
        "title": title,
        "description": f"{title}: the day's articles, read aloud.",
        "author": PLACEHOLDERS["author"],
        "guid": str(uuid.uuid4()),  # base_url is still the loopback preview: no URL to derive from
    }
    note = f"  # {PLACEHOLDER_NOTE}"
    lines = ["# audiodigest show settings. Lines starting with '#' show the defaults.", ""]
    sections: list[tuple[str, type[BaseModel]]] = []
    for name, info in ShowConfig.model_fields.items():
        if info.exclude:
            continue
        ann = info.annotation
        if name in ("owner", "voices"):
            continue  # written below, with example values
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            sections.append((name, ann))
            continue
        lines.append(f"# {info.description}")
        if name in required:
            marked = note if name in PLACEHOLDERS else ""
            lines.append(f"{name} = {_toml_value(required[name])}{marked}")
        else:
            default = info.get_default(call_default_factory=True)
            if default is None:
                lines.append(f"# {name} = (not set)")
            else:
                lines.append(f"# {name} = {_toml_value(default)}")
        lines.append("")
    lines += ["# Contact for podcast directories (itunes:owner).", "[owner]",
              f"name = {_toml_value(PLACEHOLDERS['owner.name'])}{note}",
              f"email = {_toml_value(PLACEHOLDERS['owner.email'])}{note}", ""]
    lines += ["# Who reads: HOST reads untagged paragraphs; tag a paragraph 'READER:' to use READER.",
              "[voices.HOST]"]
    from audiodigest.config import VoiceSettings

    for name, info in VoiceSettings.model_fields.items():
        lines.append(f"# {info.description}")
        lines.append(f"{name} = {_toml_value(info.get_default())}")
    lines.append("")
    for name, model in sections:
        lines.append(f"[{name}]")
        for key, info in model.model_fields.items():
            lines.append(f"# {info.description}")
            default = info.get_default(call_default_factory=True)
            shown = _toml_value(default) if default is not None else "(not set)"
            lines.append(f"# {key} = {shown}")
        lines.append("")
    return "\n".join(lines)


def scaffold(show_dir: Path, title: str = "My Digest") -> list[Path]:
    """Create a new show; refuses to touch an existing show.toml."""
    target = show_dir / SHOW_FILE
    if target.exists():
        raise UserError("a show already exists here; not overwriting it", path=target)
    text = commented_toml(title)
    parse(text, show_dir.resolve(), target)  # the scaffold must itself be a valid show
    made = [atomic_write(target, text)]
    # Named by date like every digest, so a later dated digest is "newer" than the example.
    today = date.today().isoformat()
    made.append(atomic_write(show_dir / "digests" / f"{today}.txt", EXAMPLE_DIGEST))
    for folder in ("scripts", "templates"):
        (show_dir / folder).mkdir(parents=True, exist_ok=True)
        made.append(show_dir / folder)
    made.append(atomic_write(show_dir / ".gitignore", "public/\n.audiodigest/\n"))
    return made
