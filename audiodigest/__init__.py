"""audiodigest: turn a digest of article summaries into a podcast episode.

The pipeline reads as its packages: ``sources -> script -> speech -> audio -> publish``;
:mod:`audiodigest.pipeline` calls them in that order.
"""

__version__ = "0.1.0"
