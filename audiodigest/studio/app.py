"""The studio's web application: pages, the JSON API, previews and builds.

Routes (the API is documented in the README):

    GET  /                              the episodes
    GET  /episodes/{id}                 an episode's script, to edit and hear
    GET  /api/episodes                  [{id, title, date, episode, built}]
    GET  /api/episodes/{id}             the script as JSON, ETag = its file's version
    PUT  /api/episodes/{id}             save (If-Match required): 200, 412 stale, 428 no If-Match
    POST /api/plan                      {speaker, text} -> the sentences as the voice says them
    POST /api/preview                   {speaker, text[, sentence]} -> audio/wav
    POST /api/lexicon                   {term, spoken} -> added to the show's lexicon
    POST /api/episodes/{id}/build       the build, as server-sent events
    GET  /output/{path}                 the show's built files (to play the new episode)
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import hdrs, web

from audiodigest.errors import AudioDigestError, BusyError, ScriptError, UserError
from audiodigest.fsutil import atomic_write
from audiodigest.publish.index import is_episode_id, load_index
from audiodigest.publish.server import content_type, resolve
from audiodigest.script.format import TAG_RE, parse_script, update_script
from audiodigest.script.store import read_script_text
from audiodigest.studio import plan
from audiodigest.studio.document import (
    DocumentError,
    etag_of,
    script_from_json,
    script_json,
    what_changed,
)
from audiodigest.studio.lexicon_file import add_term
from audiodigest.studio.security import Guard
from audiodigest.studio.voices import ResidentVoices

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024  # a script's own bound
MAX_PREVIEW_CHARS = 5000
KEEP_VERSIONS = 64  # versions served, to show what changed when a save is refused

class Studio:
    """What the application holds: the show, its resident voices and the versions it served."""

    def __init__(self, show_dir: Path) -> None:
        self.show_dir = Path(show_dir)
        self.show = plan.open_show(self.show_dir)
        self.voices = ResidentVoices(self.show)
        self.versions: OrderedDict[str, str] = OrderedDict()
        self.save_lock = threading.Lock()
        self.building: str | None = None
        self.pages = jinja2.Environment(
            loader=jinja2.PackageLoader("audiodigest.studio", "pages"),
            autoescape=True, undefined=jinja2.StrictUndefined)

    # --- files ------------------------------------------------------------------------------

    def script_file(self, episode_id: str) -> Path:
        """The episode's script file; 404 for an id that is not one, or a file that leads out
        of the show's scripts folder."""
        if not is_episode_id(episode_id):
            raise _error(web.HTTPNotFound, f"'{episode_id}' is not an episode id")
        folder = self.show.scripts.resolve()
        path = folder / f"{episode_id}.md"
        if not path.exists():
            raise _error(web.HTTPNotFound, f"episode {episode_id} has no script")
        if path.resolve().parent != folder:
            raise _error(web.HTTPForbidden, f"the script of {episode_id} leads out of the "
                         "show's scripts folder")
        return path

    def read(self, episode_id: str) -> tuple[Path, str]:
        path = self.script_file(episode_id)
        try:
            return path, read_script_text(path)
        except UserError as exc:
            raise _error(web.HTTPUnprocessableEntity, exc.one_line()) from None

    def remember(self, etag: str, text: str) -> None:
        self.versions[etag] = text
        self.versions.move_to_end(etag)
        while len(self.versions) > KEEP_VERSIONS:
            self.versions.popitem(last=False)

    def document(self, episode_id: str, path: Path, text: str) -> dict[str, Any]:
        try:
            script = parse_script(text, path.relative_to(self.show.root.resolve())
                                  if path.is_relative_to(self.show.root.resolve()) else path)
            planned, problem = plan.plan_paragraphs(self.show, episode_id, script, path)
        except ScriptError as exc:
            raise _error(web.HTTPUnprocessableEntity, exc.one_line()) from None
        keys = [p.key for ch in planned for b in ch for p in b if p.key]
        doc = script_json(episode_id, script, planned, self.voices.cached(keys))
        doc["speakers"] = sorted(self.show.voices)
        doc["problem"] = problem  # why the episode cannot be spoken as it is, or None
        doc["version"] = etag_of(text.encode("utf-8"))
        return doc

    def episodes(self) -> list[dict[str, Any]]:
        built = set()
        try:
            built = {r.id for r in load_index(self.show.index)}
        except AudioDigestError as exc:
            log.warning("%s", exc.one_line())
        out = []
        folder = self.show.scripts.resolve()
        digests = plan.episode_digests(self.show)
        for path in sorted(folder.glob("*.md"), reverse=True) if folder.is_dir() else []:
            if not is_episode_id(path.stem) or path.resolve().parent != folder:
                continue  # not an episode's script, or a link leading out of the folder
            row: dict[str, Any] = {"id": path.stem, "title": path.stem, "date": None,
                                   "episode": None, "built": path.stem in built,
                                   "buildable": path.stem in digests}
            try:
                script = parse_script(read_script_text(path), path)
                row.update(title=script.title, date=script.date.isoformat(),
                           episode=script.episode)
            except AudioDigestError as exc:
                row["error"] = exc.one_line()
            out.append(row)
        return out


STUDIO = web.AppKey("studio", Studio)


def _error(kind: type[web.HTTPException], message: str, **extra: Any) -> web.HTTPException:
    return kind(text=json.dumps({"error": message, **extra}), content_type="application/json")


async def _json_body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise _error(web.HTTPUnsupportedMediaType, "send the body as application/json")
    try:
        return json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(web.HTTPBadRequest, f"the body is not JSON: {exc}") from None


def _speaker_text(studio: Studio, data: Any) -> tuple[str, str]:
    if not isinstance(data, dict):
        raise _error(web.HTTPBadRequest, "the body must be a JSON object")
    speaker, text = data.get("speaker", "HOST"), data.get("text")
    if not isinstance(speaker, str) or not TAG_RE.fullmatch(speaker):
        raise _error(web.HTTPBadRequest, "'speaker' must be a speaker tag such as HOST")
    if speaker not in studio.show.voices:
        known = ", ".join(sorted(studio.show.voices))
        raise _error(web.HTTPBadRequest, f"speaker {speaker} has no voice; add "
                     f"[voices.{speaker}] to show.toml (known: {known})")
    if not isinstance(text, str) or not text.strip():
        raise _error(web.HTTPBadRequest, "'text' must be the words to say")
    if len(text) > MAX_PREVIEW_CHARS:
        raise _error(web.HTTPRequestEntityTooLarge,
                     f"a preview takes at most {MAX_PREVIEW_CHARS} characters")
    return speaker, text


def _planned_text(studio: Studio, speaker: str, text: str) -> list[plan.PlannedSentence]:
    try:
        return plan.plan_text(studio.show, speaker, " ".join(text.split()))
    except AudioDigestError as exc:
        raise _error(web.HTTPBadRequest, exc.one_line()) from None


# --- pages ----------------------------------------------------------------------------------


async def index_page(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    html = studio.pages.get_template("index.html.j2").render(
        show=studio.show.config, episodes=studio.episodes())
    return web.Response(text=html, content_type="text/html")


async def episode_page(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    episode_id = request.match_info["id"]
    try:
        path, text = studio.read(episode_id)
        doc = studio.document(episode_id, path, text)
    except web.HTTPException as exc:  # the page says what the API would, readably
        message = json.loads(exc.text or "{}").get("error", exc.reason)
        html = studio.pages.get_template("problem.html.j2").render(show=studio.show.config,
                                                                    message=message)
        return web.Response(text=html, status=exc.status, content_type="text/html")
    studio.remember(doc["version"], text)
    html = studio.pages.get_template("episode.html.j2").render(
        show=studio.show.config, doc=doc, buildable=plan.episode_digest(studio.show, episode_id)
        is not None)
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ("studio.js", "studio.css"):
        raise web.HTTPNotFound()
    data = resources.files("audiodigest.studio").joinpath("pages", name).read_bytes()
    kind = "text/javascript" if name.endswith(".js") else "text/css"
    return web.Response(body=data, content_type=kind, charset="utf-8",
                        headers={"Cache-Control": "no-cache"})


async def output_file(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    path = resolve(studio.show.output.resolve(), request.match_info["path"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={hdrs.CONTENT_TYPE: content_type(path)})


# --- the API --------------------------------------------------------------------------------


async def list_episodes(request: web.Request) -> web.Response:
    return web.json_response(request.app[STUDIO].episodes())


async def get_episode(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    episode_id = request.match_info["id"]
    path, text = studio.read(episode_id)
    doc = studio.document(episode_id, path, text)
    studio.remember(doc["version"], text)
    return web.json_response(doc, headers={hdrs.ETAG: doc["version"],
                                           "Cache-Control": "no-store"})


async def put_episode(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    episode_id = request.match_info["id"]
    wanted = request.headers.get(hdrs.IF_MATCH)
    if wanted is None:
        raise _error(web.HTTPPreconditionRequired, "send If-Match with the ETag of the version "
                     "you edited, so a newer file is never overwritten")
    try:
        script = script_from_json(await _json_body(request))
    except DocumentError as exc:
        raise _error(web.HTTPBadRequest, exc.one_line()) from None
    # The check and the write happen under one lock and with no await between them.
    with studio.save_lock:
        path, current = studio.read(episode_id)
        version = etag_of(current.encode("utf-8"))
        if version not in [v.strip() for v in wanted.split(",")]:
            base = studio.versions.get(wanted.strip())
            if base is not None:
                changed = what_changed(base, current, "the version you opened", "the file now")
            else:  # a version this studio never served: show how the page's differs
                changed = what_changed(current, update_script(current, script), "the file now",
                                       "your version") or "(the file now is what you saved)"
            studio.remember(version, current)
            raise _error(web.HTTPPreconditionFailed,
                         f"{path.name} changed since you opened it (in another tab or an "
                         "editor); nothing was saved. Load the file as it is now and make your "
                         "edit again.", etag=version, changed=changed)
        new_text = update_script(current, script)
        saved = new_text != current
        if saved:
            atomic_write(path, new_text)
    doc = studio.document(episode_id, path, new_text)
    studio.remember(doc["version"], new_text)
    return web.json_response({"saved": saved, "episode": doc},
                             headers={hdrs.ETAG: doc["version"]})


async def plan_paragraph(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    speaker, text = _speaker_text(studio, await _json_body(request))
    planned = _planned_text(studio, speaker, text)
    cached = studio.voices.cached(plan.sentence_keys(planned))
    from audiodigest.studio.document import sentence_json

    return web.json_response({"sentences": [sentence_json(p, p.key in cached)
                                            for p in planned]})


async def preview(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    data = await _json_body(request)
    speaker, text = _speaker_text(studio, data)
    planned = _planned_text(studio, speaker, text)
    index = data.get("sentence")
    if index is not None:
        if not isinstance(index, int) or isinstance(index, bool) or \
                not 0 <= index < len(planned):
            raise _error(web.HTTPBadRequest, f"'sentence' must be 0 to {len(planned) - 1}")
        planned = [planned[index]]
    if not planned:
        raise _error(web.HTTPBadRequest, "nothing to say: the text has no sentence to speak")
    try:
        plan.check_speakers(studio.show, {speaker})
        result = await studio.voices.preview(planned)
    except AudioDigestError as exc:
        raise _error(web.HTTPBadGateway, exc.one_line()) from None
    return web.Response(body=result.wav, content_type="audio/wav", headers={
        "Cache-Control": "no-store",
        "X-Audiodigest-Seconds": f"{result.seconds:.3f}",
        "X-Audiodigest-Synthesized": str(result.synthesized),
        "X-Audiodigest-Reused": str(result.reused),
    })


async def add_lexicon_entry(request: web.Request) -> web.Response:
    studio = request.app[STUDIO]
    data = await _json_body(request)
    if not isinstance(data, dict) or not isinstance(data.get("term"), str) or \
            not isinstance(data.get("spoken"), str):
        raise _error(web.HTTPBadRequest, "send {\"term\": ..., \"spoken\": ...}")
    path = studio.show.lexicon_file()
    if path is None:
        raise _error(web.HTTPConflict, "the show has no lexicon file (show.toml: lexicon)")
    root = studio.show.root.resolve()
    if not path.resolve().is_relative_to(root):
        raise _error(web.HTTPForbidden, "the show's lexicon file lies outside the show folder")
    with studio.save_lock:
        try:
            add_term(path, data["term"], data["spoken"])
        except AudioDigestError as exc:
            raise _error(web.HTTPBadRequest, exc.one_line()) from None
    return web.json_response({"term": data["term"], "spoken": data["spoken"],
                              "file": path.relative_to(studio.show.root).as_posix()
                              if path.is_relative_to(studio.show.root) else path.name})


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


async def build_episode(request: web.Request) -> web.StreamResponse:
    studio = request.app[STUDIO]
    episode_id = request.match_info["id"]
    studio.script_file(episode_id)
    digest = plan.episode_digest(studio.show, episode_id)
    if digest is None:
        raise _error(web.HTTPConflict, f"episode {episode_id} has no digest in the show's "
                     "digests folder to build it from")
    if studio.building is not None:
        raise _error(web.HTTPConflict, f"a build of {studio.building} is running")
    studio.building = episode_id
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def notify(message: str) -> None:
        loop.call_soon_threadsafe(events.put_nowait, ("progress", {"message": message}))

    def run() -> None:
        try:
            result = plan.build_episode(studio.show, digest, notify)
            done = plan.result_dict(result)
            done.update(_built_episode(studio, episode_id))
            loop.call_soon_threadsafe(events.put_nowait, ("result", done))
        except BaseException as exc:  # every failure ends the stream with its one line
            message = exc.one_line() if isinstance(exc, AudioDigestError) else \
                f"the build failed: {type(exc).__name__}: {exc}"
            code = exc.exit_code if isinstance(exc, AudioDigestError) else 1
            loop.call_soon_threadsafe(events.put_nowait, ("failed", {
                "error": message, "exit_code": code, "busy": isinstance(exc, BusyError)}))
        finally:
            studio.voices.warm()  # the build released the voices it loaded

    response = web.StreamResponse(headers={hdrs.CONTENT_TYPE: "text/event-stream",
                                           hdrs.CACHE_CONTROL: "no-store"})
    await response.prepare(request)
    await response.write(_sse("progress", {"message": f"building {episode_id} from "
                                           f"{digest.name}"}))
    # Speech progress: the new segments this script needs, counted as they reach the cache
    # (the build writes each one there the moment it is made).
    missing = _new_segments(studio, episode_id)
    made = -1

    async def count() -> None:
        nonlocal made
        done = sum(key in studio.voices.cache for key in missing)
        if missing and done != made:
            made = done
            await response.write(_sse("progress", {
                "message": f"speech: {done} of {len(missing)} new segments",
                "done": done, "total": len(missing)}))

    thread = threading.Thread(target=run, name="studio-build", daemon=True)
    thread.start()
    try:
        await count()
        while True:
            try:
                event, data = await asyncio.wait_for(events.get(), timeout=0.5)
            except TimeoutError:
                await count()
                continue
            if event in ("result", "failed"):
                await count()
            await response.write(_sse(event, data))
            if event in ("result", "failed"):
                break
    finally:
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        studio.building = None
    await response.write_eof()
    return response


def _new_segments(studio: Studio, episode_id: str) -> list[str]:
    """The cache keys the episode's script needs that the cache does not have yet."""
    try:
        path, text = studio.read(episode_id)
        planned, _problem = plan.plan_paragraphs(studio.show, episode_id,
                                                 parse_script(text, path), path)
    except (web.HTTPException, AudioDigestError):
        return []  # the build reports what is wrong
    keys = dict.fromkeys(p.key for ch in planned for b in ch for p in b if p.key)
    return [key for key in keys if key not in studio.voices.cache]


def _built_episode(studio: Studio, episode_id: str) -> dict[str, Any]:
    """Where the built episode's audio is served and its chapters."""
    record = next((r for r in load_index(studio.show.index) if r.id == episode_id), None)
    if record is None:
        return {}
    return {"audio_url": "/output/" + record.audio.path, "duration": record.duration,
            "chapters": [{"title": c.title, "start": c.start} for c in record.chapters]}


def make_app(show_dir: Path, guard: Guard, warm: bool = True) -> web.Application:
    """The studio for the show in ``show_dir``, checked by ``guard``. ``warm`` loads the
    voices in the background at once."""
    studio = Studio(show_dir)
    app = web.Application(middlewares=[guard.middleware], client_max_size=MAX_BODY)
    app[STUDIO] = studio
    app.router.add_get("/", index_page)
    app.router.add_get("/episodes/{id}", episode_page)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/output/{path:.*}", output_file)
    app.router.add_get("/api/episodes", list_episodes)
    app.router.add_get("/api/episodes/{id}", get_episode)
    app.router.add_put("/api/episodes/{id}", put_episode)
    app.router.add_post("/api/plan", plan_paragraph)
    app.router.add_post("/api/preview", preview)
    app.router.add_post("/api/lexicon", add_lexicon_entry)
    app.router.add_post("/api/episodes/{id}/build", build_episode)

    async def close(_app: web.Application) -> None:
        studio.voices.close()

    app.on_cleanup.append(close)
    if warm:
        studio.voices.warm()
    return app
