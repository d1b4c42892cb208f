"""The command line: ``audiodigest VERB SHOW_DIR ...``.

This is the only place that turns an error into one readable line and an exit code; the
traceback appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from audiodigest import __version__
from audiodigest.errors import AudioDigestError, Interrupted

log = logging.getLogger("audiodigest")


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def _out(message: str) -> None:
    print(message, flush=True)


def _command() -> str:
    """How the user can run audiodigest again: by name if it is on PATH, else by its path."""
    import os
    import shutil

    here = Path(sys.executable).parent / "audiodigest"
    on_path = shutil.which("audiodigest")
    if on_path and Path(on_path).resolve() == here.resolve():
        # scripts/demo puts the venv on PATH only for itself: name the venv's copy then.
        if os.environ.get("AUDIODIGEST_SCRIPT"):
            return os.path.relpath(here)
        return "audiodigest"
    return os.path.relpath(here) if here.exists() else "audiodigest"


# --- verbs -------------------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    from audiodigest.scaffold import scaffold

    made = scaffold(Path(args.show_dir), title=args.title)
    _out(f"Created a show in {args.show_dir}:")
    for path in made:
        _out(f"  {path}")
    _out(f"Edit {Path(args.show_dir) / 'show.toml'}, then run: audiodigest build {args.show_dir}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from audiodigest.fetch.run import fetch_show, report_lines

    result = fetch_show(Path(args.show_dir), args.date, notify=lambda m: _say(args, m))
    for report in result.reports:
        (_say if report.error is None else _warn)(args, report.line())
    for line in report_lines(result):
        _out(line)
    return 0


def _warn(args: argparse.Namespace, message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def _fetch_first(args: argparse.Namespace) -> bool:
    """build on a show with [[sources]] and no digest for today fetches first; False when
    the sources brought nothing new (then nothing is built)."""
    if args.no_fetch or args.digest:
        return True
    from audiodigest import config as config_mod
    from audiodigest.fetch.run import digest_for, fetch_show, report_lines, today

    config = config_mod.load(Path(args.show_dir))
    if not config.sources or digest_for(config, today(config)):
        return True
    if args.dry_run:
        _out("Dry run: there is no digest for today, so a build would fetch the show's "
             "[[sources]] first and build what they bring (nothing fetched, nothing written)")
        return False
    result = fetch_show(Path(args.show_dir), notify=lambda m: _say(args, m))
    for report in result.reports:
        (_say if report.error is None else _warn)(args, report.line())
    for line in report_lines(result):
        _say(args, line)
    if result.path is None:
        _out("Nothing new today: no episode built, nothing published.")
        return False
    return True


def _digest_file(value: str | None, option: str) -> Path | None:
    """A digest option's file; a URL is refused by name (a Path would mangle it)."""
    if value is None:
        return None
    import re

    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value) and not Path(value).exists():
        from audiodigest.errors import UserError

        raise UserError(f"{option} takes a file, not a URL ({value}); to use a feed or page, "
                        "add it to show.toml as a [[sources]] url and run 'audiodigest fetch'")
    return Path(value)


def cmd_build(args: argparse.Namespace) -> int:
    from audiodigest.pipeline import BuildOptions, build

    if not _fetch_first(args):
        return 0
    options = BuildOptions(digest=_digest_file(args.digest, "--digest"), force=args.force,
                           dry_run=args.dry_run, progress=not args.quiet)
    result = build(Path(args.show_dir), options, notify=lambda m: _say(args, m))
    if args.dry_run:
        _out(f"Dry run for episode {result.episode_id} (nothing written):")
        for line in result.plan:
            _out(f"  {line}")
        return 0
    state = {"new": "new script", "unchanged": "script up to date", "edited": "edited script kept",
             "rerendered": "script re-rendered from the digest"}.get(result.script_state,
                                                                     result.script_state)
    done = ", ".join(result.stages) or "nothing (all up to date)"
    _say(args, f"Built episode {result.episode_id} in {result.wall_seconds:.1f} s: {state}; "
               f"stages run: {done}")
    if "speech" in result.stages:
        _say(args, f"  segments: {result.synthesized} synthesized, {result.reused} reused "
                   f"of {result.segments_total}; audio {result.audio_seconds:.1f} s")
    if result.loudness is not None:
        _say(args, f"  loudness: {result.loudness.integrated_lufs:.1f} LUFS integrated, "
                   f"true peak {result.loudness.true_peak_dbtp:.1f} dBTP")
    _out(f"Script: {result.script_path}")
    _out(f"MP3:    {result.audio_path}" if result.audio_path and result.audio_path.suffix == ".mp3"
         else f"Audio:  {result.audio_path}")
    _out(f"Feed:   {result.feed_path}")
    _out(f"Site:   {result.output_dir / 'index.html'} (episode page: {result.page_path})")
    _out(f"Preview: {_command()} serve {args.show_dir}  (then subscribe to the feed URL it prints)")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from audiodigest.batch import BatchOptions, run_batch, to_json, to_table

    options = BatchOptions(store=args.store, scheduler=args.scheduler, progress=not args.quiet)
    result = run_batch([Path(show) for show in args.shows], options,
                       notify=lambda m: _say(args, m))
    for show, error in result.errors.items():
        print(f"audiodigest: error: {show}: {error}", file=sys.stderr)
    _out(to_json(result) if args.json else to_table(result))
    return 0 if result.ok else 1


def cmd_script(args: argparse.Namespace) -> int:
    from audiodigest.pipeline import BuildOptions, render_script
    from audiodigest.script.spoken import spoken_lines

    options = BuildOptions(digest=_digest_file(args.digest, "--digest"), force=args.force)
    outcome, chapters = render_script(Path(args.show_dir), options, notify=lambda m: _say(args, m))
    if args.spoken:
        for line in spoken_lines(chapters):
            _out(line)
        return 0
    _say(args, {"new": "wrote a new script", "unchanged": "script is up to date",
                "edited": "script was edited; kept as it is",
                "rerendered": "re-rendered from the digest"
                + (f"; the old script is at {outcome.backup}" if outcome.backup else "")}
         .get(outcome.state, outcome.state))
    _out(str(outcome.path))
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    import json

    from audiodigest.sources import read

    digest = read(_digest_file(args.file, "FILE") or Path(args.file), args.format)
    if args.json:
        for warning in digest.warnings:
            _say(args, f"warning: {warning}")
        rows = [{"title": a.title, "summary": a.summary, "url": a.url, "source": a.source,
                 "published": a.published.isoformat() if a.published else None,
                 "tags": list(a.tags), "origin": a.origin} for a in digest.articles]
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    count = len(digest.articles)
    _out(f"{args.file}: {count} {'article' if count == 1 else 'articles'} ({digest.format})")
    if digest.title:
        _out(f"  issue title: {digest.title}")
    if digest.summary:
        _out(f"  issue summary: {_first_words(digest.summary)}")
    for number, article in enumerate(digest.articles, 1):
        _out("")
        _out(f"{number}. {article.title}")
        details = [("source", article.source), ("url", article.url),
                   ("published", article.published.isoformat() if article.published else None),
                   ("tags", ", ".join(article.tags) or None)]
        for label, value in details:
            if value:
                _out(f"   {label}: {value}")
        paragraphs = len(article.paragraphs)
        more = f" ({paragraphs} paragraphs)" if paragraphs > 1 else ""
        _out(f"   summary{more}: {_first_words(article.summary)}")
        _out(f"   from: {article.origin}")
    for warning in digest.warnings:
        _say(args, f"warning: {warning}")
    return 0


def _first_words(text: str, words: int = 16) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def cmd_voices(args: argparse.Namespace) -> int:
    from audiodigest.errors import UserError
    from audiodigest.speech.engines import UnknownEngineError, get_engine, list_voices

    if args.engine:
        try:
            get_engine(args.engine)  # an unknown name is an error listing the engines
        except UnknownEngineError as exc:
            raise UserError(f"--engine: {exc.message}") from None
    rows = list_voices()
    current = None
    for engine, info in rows:
        if args.engine and engine != args.engine:
            continue
        if engine != current:
            _out(f"{engine}:")
            current = engine
        if isinstance(info, str):
            _out(f"  ({info})")
        else:
            desc = getattr(info, "description", "") or ""
            lang = getattr(info, "language", "") or ""
            _out(f"  {info.name:<28} {lang:<8} {desc}".rstrip())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from audiodigest.pipeline import status

    rows = status(Path(args.show_dir))
    if not rows:
        _out("No episodes yet: run audiodigest build " + args.show_dir)
        return 0
    _out(f"{'episode':<24} {'script':<10} {'segments':>8} {'missing':>8}  {'audio':<12} published")
    for row in rows:
        _out(f"{row.episode_id:<24} {row.script:<10} {row.segments:>8} {row.missing_segments:>8}  "
             f"{row.audio:<12} {'yes' if row.published else 'no'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from audiodigest import config as config_mod
    from audiodigest.paths import ShowPaths
    from audiodigest.publish.server import serve

    config = config_mod.load(Path(args.show_dir))
    root = ShowPaths(config).output
    if not (root / "feed.xml").is_file():
        from audiodigest.errors import UserError

        raise UserError("nothing published yet; run 'audiodigest build' first", path=root)
    _say(args, f"Serving {root} at http://{args.host}:{args.port}/ — feed: "
               f"http://{args.host}:{args.port}/feed.xml (Ctrl-C stops)")
    from urllib.parse import urlsplit

    base = urlsplit(config.base_url)
    served = {args.host, "127.0.0.1", "localhost"} if args.host in ("127.0.0.1", "localhost") \
        else {args.host}
    if base.hostname not in served or (base.port or 80) != args.port:
        _say(args, f"note: the feed's links point at base_url = {config.base_url} (show.toml), "
                   f"not at this server; set base_url to http://ADDRESS:{args.port}/ and "
                   "rebuild to preview the feed in a podcast app")
    serve(root, host=args.host, port=args.port, feed_moved_to=config.feed_moved_to)
    return 0


def cmd_studio(args: argparse.Namespace) -> int:
    from audiodigest.studio import serve_studio

    serve_studio(Path(args.show_dir), host=args.host, port=args.port, say=_out)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from audiodigest import config as config_mod
    from audiodigest.lock import ShowLock
    from audiodigest.paths import ShowPaths
    from audiodigest.publish.deploy import publish_to
    from audiodigest.publish.remote import local_path, open_target, publish_remote

    folder = local_path(args.to)
    if folder is None:
        open_target(args.to)  # an unknown scheme or a missing package fails before anything
    config = config_mod.load(Path(args.show_dir))
    if not args.allow_placeholders:
        from audiodigest.errors import ConfigError
        from audiodigest.identity import publish_problems

        problems = publish_problems(config)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ConfigError(f"not ready for an audience: {problems[0]}{more}; fix show.toml "
                              "or pass --allow-placeholders", path=config.root / "show.toml")
    from audiodigest.pipeline import release_due

    # A dry run changes nothing, not even the local feed (the real run adds what is due).
    if not args.dry_run and release_due(Path(args.show_dir)):
        _say(args, "feed: scheduled episodes whose time has come were added")
    paths = ShowPaths(config)
    # One consistent state of the output: a build's feed and page changes wait for the copy.
    with ShowLock(paths.output_lock, shared=True, wait=True, on_wait=lambda m: _say(args, m)):
        if folder is not None:
            report = publish_to(paths.output, folder, prune=args.prune, dry_run=args.dry_run)
        else:
            report = publish_remote(paths.output, args.to, prune=args.prune,
                                    dry_run=args.dry_run)
    if args.dry_run:
        for line in report.lines():
            _out(line)
        _out(f"Would publish to {args.to}: {report}")
        return 0
    _out(f"Published to {args.to}: {report}")
    if "feed.xml" in report.copied:
        from audiodigest.publish.pings import ping_all

        for warning in ping_all(config):
            print(warning, file=sys.stderr, flush=True)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from audiodigest.pipeline import remove_episode

    remove_episode(Path(args.show_dir), args.episode)
    _out(f"Removed episode {args.episode} from the feed and the site.")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from audiodigest import config as config_mod
    from audiodigest.paths import ShowPaths
    from audiodigest.speech.cache import SegmentCache

    config = config_mod.load(Path(args.show_dir))
    cache = SegmentCache(ShowPaths(config).cache)
    if args.prune:
        max_bytes = int(args.max_size * 1024 * 1024) if args.max_size is not None else None
        from audiodigest.plan import script_segment_keys

        # Never trim what the show's current scripts need.
        result = cache.prune(keep=script_segment_keys(config), older_than_days=args.older_than,
                             max_bytes=max_bytes)
        _out(f"Pruned {result.removed} segments ({result.freed_bytes / 1e6:.1f} MB); "
             "segments the show's scripts use are kept")
    stats = cache.stats()
    _out(f"Cache {ShowPaths(config).cache}: {stats.entries} segments, "
         f"{stats.bytes / 1e6:.1f} MB")
    return 0


# --- parser ------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _amount(text: str) -> float:
    """A finite number, zero or more (``inf`` and ``nan`` parse as floats but are not sizes)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number, zero or more")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _common_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show tracebacks and debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="print only results and errors")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="audiodigest",
        description="Turn a digest of article summaries into a podcast episode and feed.")
    _common_options(parser, False)
    # The verbs take the same options, but must not reset them when they are given before the
    # verb: argparse applies a subparser's defaults over what the main parser already parsed.
    after_verb = _Parser(add_help=False)
    _common_options(after_verb, argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"audiodigest {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=_Parser)

    def verb(name: str, help_text: str, func) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, parents=[after_verb], help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    p = verb("new", "create a show folder with a commented show.toml and an example digest", cmd_new)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--title", default="My Digest", help="the show's title")

    p = verb("build", "build an episode from a digest and publish it into the output folder", cmd_build)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--digest", metavar="FILE", help="the digest to build (default: the newest in digests/)")
    p.add_argument("--force", action="store_true",
                   help="render the script from the digest again, backing up an edited one")
    p.add_argument("--dry-run", action="store_true", help="say what a build would do; write nothing")
    p.add_argument("--no-fetch", action="store_true",
                   help="do not fetch the show's [[sources]] first, even with no digest for today")

    p = verb("fetch", "fetch the show's [[sources]] into today's digest (digests/DATE.txt)",
             cmd_fetch)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--date", type=_day, metavar="YYYY-MM-DD",
                   help="the digest's day (default: today in the show's time zone)")

    p = verb("batch", "build many shows sharing one segment store, synthesis on a Dask cluster "
                      "or here", cmd_batch)
    p.add_argument("shows", nargs="+", metavar="SHOW_DIR")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler, e.g. tcp://host:8786 (default: synthesize here)")
    p.add_argument("--store", metavar="DIR|URL",
                   help="the shared segment store: a folder or an fsspec URL such as "
                        "s3://bucket/prefix (default: the first show's [cache] store)")
    p.add_argument("--json", action="store_true",
                   help='print {"shows": [{show, episode, synthesized, reused, seconds, ok}]}')

    p = verb("script", "render the narration script without making audio", cmd_script)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--digest", metavar="FILE", help="the digest (default: the newest in digests/)")
    p.add_argument("--force", action="store_true", help="render again, backing up the old script")
    p.add_argument("--spoken", action="store_true",
                   help="print exactly what the voice will say, one segment a line")

    p = verb("read", "print the articles of a digest file as a build would read them", cmd_read)
    p.add_argument("file", metavar="FILE", help="a digest file (text, Markdown, JSON, YAML, feed, ...)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array: title, summary, url, source, published, tags, origin")
    p.add_argument("--format", help="read as this format instead of detecting it")

    p = verb("voices", "list the speech engines and voices available here", cmd_voices)
    p.add_argument("--engine", help="only this engine")

    p = verb("status", "show each episode: script, cache, audio and feed state", cmd_status)
    p.add_argument("show_dir", metavar="SHOW_DIR")

    p = verb("serve", "serve the output folder for a preview (ranges, HEAD, conditional GET)", cmd_serve)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for the LAN)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")

    p = verb("studio", "edit scripts in the browser and hear each sentence as it changes",
             cmd_studio)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (another than loopback needs the printed token)")
    p.add_argument("--port", type=lambda t: 0 if t == "0" else _port(t), default=8765,
                   help="port (default 8765; 0 picks a free one)")

    p = verb("publish", "copy the output to a web root or object store, the feed last",
             cmd_publish)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--to", required=True, metavar="DIR|URL",
                   help="a folder, s3://BUCKET/PREFIX or sftp://HOST/PATH")
    p.add_argument("--prune", action="store_true",
                   help="also delete files this command published earlier that are gone now")
    p.add_argument("--dry-run", action="store_true",
                   help="list what would be uploaded, left alone and deleted; change nothing")
    p.add_argument("--allow-placeholders", action="store_true",
                   help="publish even with a loopback base_url or placeholder owner fields")

    p = verb("remove", "remove an episode from the feed and the site", cmd_remove)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("episode", metavar="EPISODE_ID", help="e.g. 2026-11-27")

    p = verb("cache", "show or trim the speech segment cache", cmd_cache)
    p.add_argument("show_dir", metavar="SHOW_DIR")
    p.add_argument("--stats", action="store_true", help="show entries and size (default)")
    p.add_argument("--prune", action="store_true", help="delete entries (see --older-than, --max-size)")
    p.add_argument("--older-than", type=_amount, metavar="DAYS", help="prune entries unused for DAYS")
    p.add_argument("--max-size", type=_amount, metavar="MB", help="prune the least recently used down to MB")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else (logging.ERROR if args.quiet else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except AudioDigestError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"audiodigest: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (``audiodigest voices | head``): not an error worth a message.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print("audiodigest: interrupted; finished segments are kept in the cache", file=sys.stderr)
        return Interrupted.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, no traceback
        if args.debug:
            raise
        print(f"audiodigest: internal error: {type(exc).__name__}: {exc} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
