"""One error hierarchy for the whole tool.

Third-party exceptions are wrapped where they enter (mutagen, ffmpeg, aiohttp, onnxruntime) so
the rest of the code, and the command line, only ever catch these. Only :mod:`audiodigest.cli`
turns them into a one-line message and an exit code.
"""

from __future__ import annotations

from pathlib import Path


class AudioDigestError(Exception):
    """Base of every error the tool reports to its user; ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file:line:column: message`` with whatever location parts are known."""
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + " ".join(self.message.split())


class UserError(AudioDigestError):
    """Bad input or configuration: the user can fix it. Exit code 2."""

    exit_code = 2


class SourceError(UserError):
    """A digest could not be read."""


class ConfigError(UserError):
    """show.toml (or a file it names) is invalid."""


class ScriptError(UserError):
    """A narration script could not be parsed or rendered."""


class EngineError(AudioDigestError):
    """A speech engine failed."""


class RetryableEngineError(EngineError):
    """A transient engine failure (network drop, 429, 503): worth trying again."""


class FatalEngineError(EngineError):
    """An engine failure that retrying will not fix (unknown voice, service unreachable)."""


class ToolError(AudioDigestError):
    """An external tool (ffmpeg) is missing or failed."""


class OutputError(AudioDigestError):
    """An output could not be written (disk full, read-only folder, permissions)."""


class QualityError(AudioDigestError):
    """The new episode failed its quality check (silent, cut short, broken): nothing was
    published and the earlier feed stands. Exit code 4."""

    exit_code = 4


class FetchFailed(AudioDigestError):
    """No source of the show could be fetched (network, server or feed errors): nothing was
    written. Exit code 5, so a scheduler can tell it from bad input."""

    exit_code = 5


class BusyError(AudioDigestError):
    """Another build of the same show holds its lock."""

    exit_code = 3


class Interrupted(AudioDigestError):
    """The user pressed Ctrl-C; finished work is kept."""

    exit_code = 130
