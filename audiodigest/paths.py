"""Where a show keeps its state and output: :class:`ShowPaths` and the state folder.

Everything the tool writes for itself (the lock files, the episode index, the publish stamp,
the kept audio pieces) lives in the show's :data:`STATE_DIR`; the output, cache and scripts
folders come from show.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiodigest.config import ShowConfig

STATE_DIR = ".audiodigest"


@dataclass(frozen=True)
class ShowPaths:
    """Where a show keeps its state and output."""

    config: ShowConfig

    @property
    def state(self) -> Path:
        return self.config.root / STATE_DIR

    @property
    def lock(self) -> Path:
        return self.state / "lock"

    @property
    def output_lock(self) -> Path:
        """Shared by readers of the output, exclusive while its feed and pages change."""
        return self.state / "output.lock"

    @property
    def index(self) -> Path:
        return self.state / "episodes.json"

    @property
    def publish_stamp(self) -> Path:
        return self.state / "published.json"

    def pieces(self, episode_id: str) -> Path:
        """Where the encoded pieces of an episode's audio are kept for the next rebuild."""
        return self.state / "pieces" / episode_id

    @property
    def output(self) -> Path:
        return self.config.path(self.config.output)

    @property
    def cache(self) -> Path:
        return self.config.path(self.config.cache)

    @property
    def scripts(self) -> Path:
        return self.config.path(self.config.scripts)

    @property
    def feed(self) -> Path:
        return self.output / "feed.xml"

    def lexicon_file(self) -> Path | None:
        """The show's lexicon; ``lexicon.yaml`` / ``.yml`` stand in for a missing default TOML."""
        if not self.config.lexicon:
            return None
        path = self.config.path(self.config.lexicon)
        if not path.exists() and self.config.lexicon == Path("lexicon.toml"):
            for other in (path.with_suffix(".yaml"), path.with_suffix(".yml")):
                if other.exists():
                    return other
        return path
