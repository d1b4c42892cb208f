// audiodigest episode page: seek from chapter and transcript links, highlight the current
// transcript cue while playing, copy the feed URL. The page is complete without this script;
// it only adds behaviour to elements already in the HTML.
(function () {
  "use strict";

  function setupCopy() {
    var button = document.querySelector("button[data-copy]");
    if (!button || !navigator.clipboard) return;
    var status = document.querySelector(".copied");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        if (status) status.hidden = false;
      });
    });
  }

  function setupPlayer() {
    var audio = document.querySelector("audio[data-player]");
    if (!audio) return;
    var cues = Array.prototype.slice.call(document.querySelectorAll(".cue[data-start]"));
    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter[data-start]"));
    var currentCue = null;
    var currentChapter = null;

    function seek(seconds, play) {
      if (!isFinite(seconds)) return;
      audio.currentTime = seconds;
      if (play) {
        var promise = audio.play();
        // Autoplay rules may refuse; the position is set either way.
        if (promise && promise.catch) promise.catch(function () {});
      }
    }

    // The last element whose start is at or before t (elements are in time order).
    function lastStarted(list, t) {
      var found = null;
      for (var i = 0; i < list.length; i++) {
        if (parseFloat(list[i].getAttribute("data-start")) <= t + 0.05) found = list[i];
        else break;
      }
      return found;
    }

    function mark(previous, next) {
      if (previous === next) return next;
      if (previous) { previous.classList.remove("is-current"); previous.removeAttribute("aria-current"); }
      if (next) { next.classList.add("is-current"); next.setAttribute("aria-current", "true"); }
      return next;
    }

    function update() {
      var t = audio.currentTime;
      var cue = lastStarted(cues, t);
      // Keep the sentence lit through the short pause after it; drop it in long silences.
      if (cue && t > parseFloat(cue.getAttribute("data-end")) + 1.5) cue = null;
      currentCue = mark(currentCue, cue);
      currentChapter = mark(currentChapter, lastStarted(chapters, t));
    }

    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("a[data-start]") : null;
      if (!target) return;
      event.preventDefault();
      var start = parseFloat(target.getAttribute("data-start"));
      seek(start, true);
      if (history.replaceState) history.replaceState(null, "", "#t=" + target.getAttribute("data-start"));
      update();
    });
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);

    // A shared link like page.html#t=93.5 starts there.
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (match) {
      var start = parseFloat(match[1]);
      if (audio.readyState >= 1) seek(start, false);
      else audio.addEventListener("loadedmetadata", function () { seek(start, false); }, { once: true });
    }
  }

  setupCopy();
  setupPlayer();
})();
