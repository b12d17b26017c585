/* Search as you type on the home page. Progressive enhancement only: without this file the
   search form is sent and the page shows the same ranked results (catalog/_search_results.html). */
(function () {
  "use strict";
  function setup(input) {
    var section = document.querySelector("[data-search-results]");
    if (!section || !window.fetch) { return; }
    var list = section.querySelector("[data-results]");
    var cantFind = section.querySelector("[data-cant-find]");
    var departments = document.querySelectorAll("[data-department]");
    var timer = null;
    var pending = null;
    function heading(text) {
      var old = section.querySelector("[data-results-heading]");
      if (old) { old.remove(); }
      if (!text) { return; }
      var h = document.createElement("h2");
      h.setAttribute("data-results-heading", "");
      h.textContent = text;
      section.insertBefore(h, list);
    }
    function item(result) {
      var li = document.createElement("li");
      li.className = "result";
      var a = document.createElement("a");
      a.href = result.url;
      a.textContent = result.title;
      var dept = document.createElement("span");
      dept.className = "result-dept";
      dept.textContent = result.department;
      li.appendChild(a);
      li.appendChild(dept);
      if (result.summary) {
        var summary = document.createElement("span");
        summary.className = "result-summary";
        summary.textContent = result.summary;
        li.appendChild(summary);
      }
      return li;
    }
    function show(answer) {
      var query = answer.query;
      list.textContent = "";
      answer.results.forEach(function (r) { list.appendChild(item(r)); });
      list.hidden = answer.results.length === 0;
      var label = answer.results.length ? section.getAttribute("data-label-best")
        : section.getAttribute("data-label-none");
      heading(query ? label.replace("{query}", query) : "");
      if (cantFind) { cantFind.href = answer.cant_find; }
      departments.forEach(function (d) { d.hidden = Boolean(query); });
    }
    function search() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = input.getAttribute("data-search-url") + "?q=" + encodeURIComponent(input.value);
      fetch(url, {signal: pending.signal, credentials: "same-origin",
                  headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) { if (answer) { show(answer); } })
        .catch(function () { /* the Search button still works */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("[data-search-url]");
    if (input) { setup(input); }
  });
})();
