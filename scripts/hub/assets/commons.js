// The people directory: filter the table in place as you type. Plain JavaScript, no framework.
(function () {
  "use strict";
  function setUpDirectory() {
    var input = document.getElementById("commons-filter");
    var table = document.getElementById("commons-people");
    if (!input || !table) return;
    var count = document.getElementById("commons-filter-count");
    var chunks = Array.prototype.slice.call(table.querySelectorAll(".commons-people__chunk"));
    var rows = [];
    var texts = [];
    chunks.forEach(function (chunk, index) {
      Array.prototype.forEach.call(chunk.querySelectorAll("tbody tr"), function (row) {
        rows.push({ row: row, chunk: index });
        texts.push(row.textContent.toLowerCase());
      });
    });
    var pending = 0;
    function apply() {
      pending = 0;
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      var chunkShown = chunks.map(function () { return 0; });
      for (var i = 0; i < rows.length; i++) {
        var match = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
        if (rows[i].row.hidden === match) rows[i].row.hidden = !match;
        if (match) { shown++; chunkShown[rows[i].chunk]++; }
      }
      chunks.forEach(function (chunk, index) { chunk.hidden = chunkShown[index] === 0; });
      // Off-screen chunks keep their last size while skipped; lay everything out once filtered.
      table.classList.toggle("is-filtered", words.length > 0);
      count.textContent = shown.toLocaleString() + (shown === 1 ? " person" : " people");
    }
    input.addEventListener("input", function () {
      if (!pending) pending = window.requestAnimationFrame(apply);
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; apply(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpDirectory);
  } else {
    setUpDirectory();
  }
})();

// People in the header search. Material's lunr index is rebuilt in the browser at every page
// load, which takes seconds at 10,000 people, so people are searched here from a compact list
// (search/people.json) and shown above Material's results for pages.
(function () {
  "use strict";
  var MAX_HITS = 8;
  var people = null;
  var loading = null;

  function base() {
    var config = document.getElementById("__config");
    var root = config ? JSON.parse(config.textContent).base : ".";
    return new URL(root.replace(/\/?$/, "/"), window.location.href);
  }

  function load() {
    if (!loading) {
      loading = fetch(new URL("search/people.json", base()), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("people index: HTTP " + response.status);
          return response.json();
        })
        .then(function (rows) {
          people = rows.map(function (row) {
            return { handle: row[0], name: row[1], title: row[2], team: row[3],
                     hay: row.slice(1).join(" ").toLowerCase(),
                     first: row[1].toLowerCase() };
          });
        })
        .catch(function (error) { loading = null; console.warn(error); });
    }
    return loading;
  }

  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length || !people) return [];
    var hits = [];
    for (var i = 0; i < people.length && hits.length < 200; i++) {
      var person = people[i];
      if (words.every(function (w) { return person.hay.indexOf(w) !== -1; })) {
        var score = person.first.indexOf(words[0]) === 0 ? 0 : person.first.indexOf(words[0]) > 0 ? 1 : 2;
        person.byName = words.every(function (w) { return person.first.indexOf(w) !== -1; });
        hits.push({ person: person, score: score });
      }
    }
    hits.sort(function (a, b) { return a.score - b.score; });
    return hits.slice(0, MAX_HITS).map(function (hit) { return hit.person; });
  }

  function render(container, hits) {
    container.textContent = "";
    container.hidden = hits.length === 0;
    if (!hits.length) return;
    var head = document.createElement("p");
    head.className = "commons-people-hits__head";
    head.textContent = "People";
    var list = document.createElement("ol");
    var root = base();
    hits.forEach(function (person) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = new URL("people/" + encodeURIComponent(person.handle) + "/", root).href;

      var name = document.createElement("strong");
      name.textContent = person.name;
      // Material's Enter opens the link whose first child has the highest data-md-score: a person
      // whose name holds every word beats any page; other people never do.
      name.setAttribute("data-md-score", person.byName ? "1e9" : "0");
      var facts = document.createElement("span");
      facts.textContent = [person.title, person.team].filter(Boolean).join(" · ");
      link.appendChild(name);
      link.appendChild(facts);
      item.appendChild(link);
      list.appendChild(item);
    });
    container.appendChild(head);
    container.appendChild(list);
  }

  function setUp() {
    var input = document.querySelector(".md-search__input");
    var results = document.querySelector(".md-search-result");
    if (!input || !results) return;
    var container = document.createElement("div");
    container.className = "commons-people-hits";
    container.hidden = true;
    results.insertBefore(container, results.querySelector(".md-search-result__list"));
    function update() {
      var query = input.value;
      load().then(function () { if (input.value === query) render(container, search(query)); });
    }
    input.addEventListener("focus", load);
    input.addEventListener("input", update);
    var form = input.form;
    if (form) form.addEventListener("reset", function () { render(container, []); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
