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
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("[data-filter-tiles]");
    if (input) {
      input.addEventListener("input", function () { filterTiles(input); });
    }
  });
})();
