/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  function filterTiles(input) {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("[data-department]").forEach(function (dept) {
      var shown = 0;
      dept.querySelectorAll("[data-tile]").forEach(function (tile) {
        var text = tile.getAttribute("data-text") || "";
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        tile.hidden = !match;
        if (match) { shown += 1; }
      });
      dept.hidden = shown === 0;
    });
  }
  function followPromise(form) {
    /* The promise follows the answers: ask the server (the same "Recalculate" the button
       sends) and show its answer; the hidden fields carry what was shown. */
    var promise = document.getElementById("promise");
    var pending = null;
    form.addEventListener("change", function (event) {
      if (event.target.type === "file") { return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var data = new FormData(form);
      data.set("recalculate", "1");
      data.delete("attachments");
      form.querySelectorAll("input[type=file]").forEach(function (f) { data.delete(f.name); });
      fetch(form.action, {method: "POST", body: data, signal: pending.signal,
                          headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (!answer) { return; }
          promise.textContent = answer.promise;
          form.elements.promised.value = answer.promised;
          form.elements.opened.value = answer.opened;
        })
        .catch(function () { /* the Recalculate button and the server's check remain */ });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("[data-filter-tiles]");
    if (input) {
      input.addEventListener("input", function () { filterTiles(input); });
    }
    var form = document.querySelector("form[data-promise]");
    if (form && window.fetch && document.getElementById("promise")) { followPromise(form); }
  });
})();
