"""The script stage: articles -> an editable narration script -> what the engine says.

:func:`render_script` turns articles into a :class:`~audiodigest.models.Script` through
templates; :func:`write_script` / :func:`parse_script` are the script file format;
:func:`prepare_script` keeps the file on disk without ever losing an editor's changes.
Speech normalisation and the spoken plan live in ``normalize``, ``lexicon`` and ``spoken``.
"""

from audiodigest.script.format import (
    Hint,
    canonical_script,
    escape_text,
    inline_parts,
    parse_script,
    plain_text,
    write_script,
)
from audiodigest.script.render import render_script
from audiodigest.script.speakdate import cardinal_words, ordinal_words, spoken_date
from audiodigest.script.store import ScriptOutcome, prepare_script, script_path, script_state

__all__ = [
    "Hint",
    "ScriptOutcome",
    "canonical_script",
    "cardinal_words",
    "escape_text",
    "inline_parts",
    "ordinal_words",
    "parse_script",
    "plain_text",
    "prepare_script",
    "render_script",
    "script_path",
    "script_state",
    "spoken_date",
    "write_script",
]
