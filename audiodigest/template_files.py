"""Loading the show's template overrides as bounded regular files.

Jinja's own ``FileSystemLoader`` skips a name that is not a regular file (a named pipe, a link
to ``/dev/zero``) and silently uses the packaged template instead, and reads a regular file of
any size. :class:`ShowTemplateLoader` reads through :func:`audiodigest.fsutil.read_regular`: a
template that exists but is not a regular file of at most :data:`MAX_TEMPLATE_BYTES` is a
one-line error naming it.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from audiodigest.errors import UserError
from audiodigest.fsutil import read_regular

MAX_TEMPLATE_BYTES = 1024 * 1024


class ShowTemplateLoader(jinja2.BaseLoader):
    """Templates from one folder of the show; a missing one falls through to the next loader."""

    def __init__(self, folder: str | Path, error: type[UserError]) -> None:
        self.folder = str(folder)
        self.error = error

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        filename = posixpath.join(self.folder, *split_template_path(template))
        if not os.path.lexists(filename):
            raise jinja2.TemplateNotFound(template)
        data = read_regular(filename, MAX_TEMPLATE_BYTES, f"template {template}", self.error)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(f"template {template}: not UTF-8 text (byte {exc.start})",
                             path=filename) from None
        mtime = os.path.getmtime(filename)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(filename) == mtime
            except OSError:
                return False

        return text, os.path.normpath(filename), uptodate


__all__ = ["MAX_TEMPLATE_BYTES", "ShowTemplateLoader"]
