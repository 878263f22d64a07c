// The hub's listings and the people search. Plain JavaScript, no framework.
//
// The people index (search/people.json) is fetched once the visitor types, never at page load: at
// 100,000 people it is megabytes. The directory's filter and the header search share it.
(function () {
  "use strict";
  var lines = null;  // one line per person, fields split by tabs (build.PEOPLE_FIELDS)
  var lower = null;  // the same lines in lower case, searched
  var loading = null;

  function base() {
    var config = document.getElementById("__config");
    var root = config ? JSON.parse(config.textContent).base : ".";
    return new URL(root.replace(/\/?$/, "/"), window.location.href);
  }

  // One string in the JSON, split here: no object per person is built until it is shown.
  function load() {
    if (!loading) {
      loading = fetch(new URL("search/people.json", base()), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("people index: HTTP " + response.status);
          return response.json();
        })
        .then(function (index) {
          lines = index.people ? index.people.split("\n") : [];
          lower = index.people ? index.people.toLowerCase().split("\n") : [];
          return lines;
        })
        .catch(function (error) { loading = null; console.warn(error); return null; });
    }
    return loading;
  }

  function person(line) {
    var f = line.split("\t");
    return { name: f[0], title: f[1], team: f[2], location: f[3], skills: f[4], teamSlug: f[5], handle: f[6],
             first: f[0].toLowerCase() };
  }

  function words(query) { return query.toLowerCase().split(/\s+/).filter(Boolean); }

  // Everyone whose line holds every word (name, title, team, place, skills, handle), by name.
  function matching(query, limit) {
    var wanted = words(query);
    var found = [];
    var total = 0;
    if (!wanted.length || !lower) return { people: found, total: 0 };
    for (var i = 0; i < lower.length; i++) {
      var line = lower[i];
      var all = true;
      for (var w = 0; w < wanted.length && all; w++) all = line.indexOf(wanted[w]) !== -1;
      if (all) {
        total++;
        if (found.length < limit) found.push(person(lines[i]));
      }
    }
    return { people: found, total: total };
  }

  window.CommonsPeople = { base: base, load: load, matching: matching, words: words };
})();

// The directory: a page of people as HTML; typing searches everyone and shows the matches in place.
(function () {
  "use strict";
  var SHOWN = 500;  // matches drawn at once, as many as a page holds

  function cell(row, text, href) {
    var td = document.createElement("td");
    if (href && text) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      td.appendChild(link);
    } else {
      td.textContent = text || "";
    }
    row.appendChild(td);
  }

  function setUp() {
    var input = document.getElementById("commons-filter");
    var region = document.getElementById("commons-people");
    if (!input || !region) return;
    var count = document.getElementById("commons-filter-count");
    var pageRows = region.querySelector(".commons-people__page");
    var pager = document.querySelector(".commons-directory .commons-pager");
    var pageCount = count.textContent;
    var found = document.createElement("tbody");
    found.className = "commons-people__found";
    found.hidden = true;
    pageRows.parentNode.appendChild(found);
    var pending = 0;

    function apply() {
      pending = 0;
      var query = input.value;
      if (!window.CommonsPeople.words(query).length) {
        found.hidden = true;
        pageRows.hidden = false;
        if (pager) pager.hidden = false;
        count.textContent = pageCount;
        return;
      }
      window.CommonsPeople.load().then(function () {
        if (input.value !== query) return;
        var result = window.CommonsPeople.matching(query, SHOWN);
        var root = window.CommonsPeople.base();
        found.textContent = "";
        result.people.forEach(function (person) {
          var row = document.createElement("tr");
          cell(row, person.name, new URL("people/" + encodeURIComponent(person.handle) + "/", root).href);
          cell(row, person.title);
          cell(row, person.team, person.teamSlug ? new URL("teams/" + person.teamSlug + "/", root).href : "");
          cell(row, person.location);
          cell(row, person.skills.split(" ").filter(Boolean).join(" · "));
          found.appendChild(row);
        });
        pageRows.hidden = true;
        found.hidden = false;
        if (pager) pager.hidden = true;
        var noun = result.total === 1 ? " person" : " people";
        var more = result.total > result.people.length ? " (the first " + result.people.length + " shown; add a word)" : "";
        count.textContent = result.total.toLocaleString() + noun + more;
      });
    }
    input.addEventListener("input", function () {
      if (!pending) pending = window.requestAnimationFrame(apply);
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; apply(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

// The org chart: a disclosure button beside each manager's link. The page's HTML holds a few
// levels; pressing a button below them fetches that manager's reports (org-chart/reports/<handle>.json).
(function () {
  "use strict";
  var OPEN_LEVELS = 2;  // levels open at first, as listings.CHART_OPEN

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var list = document.getElementById(button.getAttribute("aria-controls"));
    if (list) list.hidden = !open;
  }

  function row(person, depth) {
    // person: [handle, name, title, direct reports, everyone under them]
    var item = document.createElement("li");
    var line = document.createElement("div");
    line.className = "commons-orgchart__row";
    if (person[3] > 0) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "commons-orgchart__toggle";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-label", "Reports of " + person[1]);
      button.setAttribute("data-handle", person[0]);
      button.setAttribute("data-depth", String(depth));
      line.appendChild(button);
    }
    var link = document.createElement("a");
    link.href = new URL("people/" + encodeURIComponent(person[0]) + "/", window.CommonsPeople.base()).href;
    link.textContent = person[1];
    line.appendChild(link);
    if (person[2]) {  // a title, when the person's file has one
      var title = document.createElement("span");
      title.textContent = " · " + person[2];
      line.appendChild(document.createTextNode(" "));
      line.appendChild(title);
    }
    if (person[3] > 0) {
      var small = document.createElement("small");
      small.textContent = " (" + person[3] + " direct, " + person[4] + " in all)";
      line.appendChild(small);
    }
    item.appendChild(line);
    return item;
  }

  function fetchReports(button, source) {
    var handle = button.getAttribute("data-handle");
    var depth = Number(button.getAttribute("data-depth")) + 1;
    button.setAttribute("aria-busy", "true");
    return fetch(new URL(encodeURIComponent(handle) + ".json", source), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("reports of " + handle + ": HTTP " + response.status);
        return response.json();
      })
      .then(function (reports) {
        var list = document.createElement("ul");
        list.id = "oc-" + handle;
        reports.forEach(function (person) { list.appendChild(row(person, depth)); });
        button.closest("li").appendChild(list);
        button.setAttribute("aria-controls", list.id);
        button.removeAttribute("data-handle");
        setOpen(button, true);
      })
      .catch(function (error) { console.warn(error); })
      .then(function () { button.removeAttribute("aria-busy"); });
  }

  function setUp() {
    var chart = document.querySelector(".commons-orgchart");
    if (!chart) return;
    var source = new URL(chart.getAttribute("data-reports"), window.location.href);
    Array.prototype.forEach.call(chart.querySelectorAll(".commons-orgchart__toggle"), function (button) {
      button.hidden = false;
      if (button.getAttribute("aria-controls")) {
        setOpen(button, Number(button.getAttribute("data-depth")) < OPEN_LEVELS);
      }
    });
    chart.addEventListener("click", function (event) {
      var button = event.target.closest(".commons-orgchart__toggle");
      if (!button || button.getAttribute("aria-busy")) return;
      if (button.getAttribute("data-handle")) {
        fetchReports(button, source);
      } else {
        setOpen(button, button.getAttribute("aria-expanded") !== "true");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

// People in the header search, shown above Material's results for pages. Material's lunr index is
// rebuilt in the browser at every page load, which takes seconds at 10,000 people, so people are
// searched here from the people index, fetched at the first keystroke.
(function () {
  "use strict";
  var MAX_HITS = 8;

  function search(query) {
    var wanted = window.CommonsPeople.words(query);
    if (!wanted.length) return [];
    var hits = window.CommonsPeople.matching(query, 200).people.map(function (person) {
      var at = person.first.indexOf(wanted[0]);
      person.byName = wanted.every(function (w) { return person.first.indexOf(w) !== -1; });
      return { person: person, score: at === 0 ? 0 : at > 0 ? 1 : 2 };
    });
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
    var root = window.CommonsPeople.base();
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
      if (!window.CommonsPeople.words(query).length) { render(container, []); return; }
      window.CommonsPeople.load().then(function () { if (input.value === query) render(container, search(query)); });
    }
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
