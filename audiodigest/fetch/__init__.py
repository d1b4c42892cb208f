"""Fetching a show's own news: its ``[[sources]]`` by URL or path -> ``digests/DATE.txt``.

:mod:`.http` downloads (aiohttp: limits, retries, conditional GET, address policy),
:mod:`.state` remembers between runs, :mod:`.select` chooses and sizes the articles,
:mod:`.pace` measures the voice's speed, :mod:`.digest_text` writes the plain-text digest, and
:mod:`.run` puts them in order (``audiodigest fetch``).
"""
