// The people directory: filter the table in place as you type. Plain JavaScript, no framework.
(function () {
  "use strict";
  function setUpDirectory() {
    var input = document.getElementById("commons-filter");
    var table = document.getElementById("commons-people");
    if (!input || !table) return;
    var count = document.getElementById("commons-filter-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var pending = 0;
    function apply() {
      pending = 0;
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var match = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
        if (rows[i].hidden === match) rows[i].hidden = !match;
        if (match) shown++;
      }
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
