// The studio's episode page: edit in place, hear each sentence, save, build.
// The page is rendered by the server; this script reads and changes that DOM, and turns it
// back into the API's JSON to save. No framework, nothing to build.
"use strict";
(function () {
  const main = document.getElementById("studio");
  if (!main) return;
  const episode = main.dataset.episode;
  const head = JSON.parse(main.dataset.head);
  let version = main.dataset.version;
  let dirty = false;
  const status = document.getElementById("status");
  const preview = document.getElementById("preview");
  const say = (text, kind) => { status.textContent = text; status.dataset.kind = kind || ""; };

  async function api(method, url, body, headers) {
    const opts = { method, headers: Object.assign({}, headers || {}) };
    if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers["Content-Type"] = "application/json";
    }
    return fetch(url, opts);
  }
  async function problem(res) {
    try { return (await res.json()).error || res.statusText; } catch (e) { return res.statusText; }
  }

  // --- the document ------------------------------------------------------------------------
  function blockJson(el) {
    if (el.classList.contains("pause")) {
      return { type: "pause", seconds: parseFloat(el.querySelector(".seconds").value) || 0 };
    }
    return { type: "paragraph", speaker: el.querySelector(".speaker").value,
             text: el.querySelector(".text").value };
  }
  function documentJson() {
    const chapters = [...document.querySelectorAll("#chapters > .chapter")].map((ch) => ({
      title: ch.querySelector(".chapter-title").value,
      url: ch.dataset.hasUrl === "true" ? ch.dataset.url : null,
      article_id: ch.dataset.hasArticleId === "true" ? ch.dataset.articleId : null,
      image: ch.dataset.hasImage === "true" ? ch.dataset.image : null,
      blocks: [...ch.querySelectorAll(".blocks > .block")].map(blockJson),
    }));
    return Object.assign({}, head, { chapters });
  }
  function changed() { dirty = true; say("unsaved changes"); }

  // --- sentences: what the voice says, refreshed as the text changes -------------------------
  function renderSentences(par, sentences) {
    const list = par.querySelector(".sentences");
    list.textContent = "";
    for (const s of sentences) {
      const li = document.createElement("li");
      li.className = "sentence" + (s.cached ? " cached" : "");
      const play = document.createElement("button");
      play.type = "button"; play.className = "play"; play.title = "play this sentence";
      play.textContent = "▶";
      const written = document.createElement("span");
      written.className = "written"; written.textContent = s.text;
      const spoken = document.createElement("span");
      spoken.className = "spoken"; spoken.title = "what the voice says"; spoken.textContent = s.spoken;
      li.append(play, " ", written, spoken);
      list.append(li);
    }
  }
  async function replan(par) {
    const text = par.querySelector(".text").value;
    if (!text.trim()) { renderSentences(par, []); return; }
    const res = await api("POST", "/api/plan", { speaker: par.querySelector(".speaker").value, text });
    if (!res.ok) { par.classList.add("invalid"); say(await problem(res), "error"); return; }
    par.classList.remove("invalid");
    renderSentences(par, (await res.json()).sentences);
  }
  const timers = new WeakMap();
  function replanSoon(par) {
    clearTimeout(timers.get(par));
    timers.set(par, setTimeout(() => replan(par), 250));
  }

  // --- hearing it --------------------------------------------------------------------------
  async function play(par, index) {
    const body = { speaker: par.querySelector(".speaker").value, text: par.querySelector(".text").value };
    if (index !== undefined) body.sentence = index;
    say("speaking…");
    const started = performance.now();
    const res = await api("POST", "/api/preview", body);
    if (!res.ok) { say(await problem(res), "error"); return; }
    const blob = await res.blob();
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    preview.dataset.synthesized = res.headers.get("X-Audiodigest-Synthesized") || "";
    preview.dataset.seconds = res.headers.get("X-Audiodigest-Seconds") || "";
    say(`heard after ${Math.round(performance.now() - started)} ms`);
    await preview.play();
    const item = index === undefined ? null : par.querySelectorAll(".sentence")[index];
    if (item) item.classList.add("cached");
  }

  // --- pronunciation: a selected word gets a hint or a lexicon entry -------------------------
  const tools = document.getElementById("word-tools");
  const spokenForm = document.getElementById("spoken-form");
  let selection = null;
  document.addEventListener("selectionchange", () => {
    const el = document.activeElement;
    if (!el || !el.classList || !el.classList.contains("text")) return;
    const word = el.value.slice(el.selectionStart, el.selectionEnd).trim();
    // A word or a short phrase, outside any hint: else the tools stay out of the way.
    if (!word || word.length > 40 || word.split(/\s+/).length > 3 || /[{}|\\]/.test(word)) {
      if (!tools.contains(document.activeElement)) tools.hidden = true;
      return;
    }
    selection = { el, start: el.selectionStart, end: el.selectionEnd, word };
    tools.querySelector(".word").textContent = word;
    tools.hidden = false;
  });
  document.getElementById("add-hint").addEventListener("click", async () => {
    if (!selection || !spokenForm.value.trim()) return;
    const { el, start, end } = selection;
    const written = el.value.slice(start, end);
    el.value = el.value.slice(0, start) + "{" + written + "|" + spokenForm.value.trim() + "}" + el.value.slice(end);
    const par = el.closest(".paragraph");
    tools.hidden = true; changed();
    await replan(par);
    await play(par);
  });
  document.getElementById("add-lexicon").addEventListener("click", async () => {
    if (!selection || !spokenForm.value.trim()) return;
    const res = await api("POST", "/api/lexicon", { term: selection.word, spoken: spokenForm.value.trim() });
    if (!res.ok) { say(await problem(res), "error"); return; }
    const par = selection.el.closest(".paragraph");
    tools.hidden = true;
    await Promise.all([...document.querySelectorAll(".paragraph")].map(replan));
    say(`added ${selection.word} to ${(await res.json()).file}`);
    await play(par);
  });

  // --- editing -----------------------------------------------------------------------------
  const chapters = document.getElementById("chapters");
  chapters.addEventListener("input", (ev) => {
    changed();
    if (ev.target.classList.contains("text")) replanSoon(ev.target.closest(".paragraph"));
  });
  // Ctrl+Enter in a paragraph: hear the first sentence not heard yet (else the paragraph).
  chapters.addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter" || !(ev.ctrlKey || ev.metaKey) || !ev.target.classList.contains("text")) return;
    ev.preventDefault();
    const par = ev.target.closest(".paragraph");
    clearTimeout(timers.get(par));
    await replan(par);
    const index = [...par.querySelectorAll(".sentence")].findIndex((li) => !li.classList.contains("cached"));
    play(par, index >= 0 ? index : undefined);
  });
  chapters.addEventListener("change", (ev) => {
    changed();
    if (ev.target.classList.contains("speaker")) replan(ev.target.closest(".paragraph"));
  });
  chapters.addEventListener("click", (ev) => {
    const button = ev.target.closest("button");
    if (!button) return;
    const chapter = button.closest(".chapter");
    const block = button.closest(".block");
    if (button.classList.contains("play")) {
      const li = button.closest(".sentence");
      play(block, [...li.parentNode.children].indexOf(li));
    } else if (button.classList.contains("play-paragraph")) {
      play(block);
    } else if (button.classList.contains("add-pause")) {
      block.after(document.getElementById("pause-template").content.firstElementChild.cloneNode(true));
      changed();
    } else if (button.classList.contains("add-paragraph")) {
      const par = document.getElementById("paragraph-template").content.firstElementChild.cloneNode(true);
      chapter.querySelector(".blocks").append(par);
      par.querySelector(".text").focus();
      changed();
    } else if (button.classList.contains("remove-block")) {
      block.remove(); changed();
    } else if (button.classList.contains("remove-chapter")) {
      chapter.remove(); changed();
    } else if (button.classList.contains("move-up") && chapter.previousElementSibling) {
      chapter.previousElementSibling.before(chapter); changed();
    } else if (button.classList.contains("move-down") && chapter.nextElementSibling) {
      chapter.nextElementSibling.after(chapter); changed();
    }
  });

  // --- saving, with the version the page holds ------------------------------------------------
  const conflict = document.getElementById("conflict");
  async function save() {
    say("saving…");
    const res = await api("PUT", `/api/episodes/${encodeURIComponent(episode)}`, documentJson(),
                          { "If-Match": version });
    if (res.status === 412) {
      const body = await res.json();
      conflict.querySelector(".message").textContent = body.error;
      conflict.querySelector(".changed").textContent = body.changed;
      conflict.hidden = false;
      say("not saved: the file changed on disk", "error");
      return false;
    }
    if (!res.ok) { say("not saved: " + await problem(res), "error"); return false; }
    const body = await res.json();
    version = res.headers.get("ETag");
    main.dataset.version = version;
    dirty = false;
    conflict.hidden = true;
    say(body.saved ? "saved" : "saved (no change)");
    return true;
  }
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("reload").addEventListener("click", () => { dirty = false; location.reload(); });
  window.addEventListener("beforeunload", (ev) => { if (dirty) ev.preventDefault(); });

  // --- building, with progress streamed as server-sent events ---------------------------------
  const buildButton = document.getElementById("build");
  if (buildButton) buildButton.addEventListener("click", async () => {
    if (dirty && !(await save())) return;
    const panel = document.getElementById("build-panel");
    const progress = document.getElementById("progress");
    panel.hidden = false; progress.textContent = ""; buildButton.disabled = true;
    const note = (text, kind) => {
      const li = document.createElement("li"); li.textContent = text;
      if (kind) li.className = kind;
      progress.append(li);
    };
    try {
      const res = await fetch(`/api/episodes/${encodeURIComponent(episode)}/build`, { method: "POST" });
      if (!res.ok) { note(await problem(res), "error"); return; }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const raw = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
          const event = (raw.match(/^event: (.*)$/m) || [])[1];
          const data = JSON.parse((raw.match(/^data: (.*)$/m) || [])[1] || "{}");
          if (event === "progress") note(data.message);
          else if (event === "failed") note(data.error, "error");
          else if (event === "result") showEpisode(data, note);
        }
      }
    } finally {
      buildButton.disabled = false;
    }
  });
  function showEpisode(result, note) {
    note(`built in ${result.wall_seconds.toFixed(1)} s: ${result.synthesized} segment(s) synthesized, ${result.reused} reused`, "result");
    const panel = document.getElementById("build-panel");
    panel.dataset.synthesized = result.synthesized;
    const audio = document.getElementById("episode-audio");
    const list = document.getElementById("episode-chapters");
    list.textContent = "";
    for (const ch of result.chapters || []) {
      const li = document.createElement("li");
      const a = document.createElement("button");
      a.type = "button"; a.className = "chapter-start";
      const m = Math.floor(ch.start / 60), s = Math.floor(ch.start % 60);
      a.textContent = `${m}:${String(s).padStart(2, "0")} ${ch.title}`;
      a.addEventListener("click", () => { audio.currentTime = ch.start; audio.play(); });
      li.append(a); list.append(li);
    }
    if (result.audio_url) { audio.src = result.audio_url; audio.play().catch(() => {}); }
  }
})();
