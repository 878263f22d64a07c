// The benefit, made visible: the /impact/ dashboard's charts and spaces table, the "purpose
// achieved" line on each space page, and the live part of the health page. Plain JavaScript, no
// chart framework, no build step.
//
// Every chart is an SVG drawn here with the same numbers in a <table> beside it, for screen
// readers and for copying. Safety: nothing from the API is inserted as markup; text goes in
// through textContent, and links only to paths on this origin.
(function () {
  "use strict";

  // -- the metrics API's answers: paths and field names, in one place ------------------------

  var API = {
    org: "/api/metrics",
    space: function (slug) { return "/api/metrics/spaces/" + encodeURIComponent(slug); },
    spaces: "/api/metrics/spaces",
    health: "/api/metrics/health",
    plain: "/api/html/impact",
    spaceCsv: function (slug) { return "/api/metrics/spaces/" + encodeURIComponent(slug) + ".csv"; }
  };
  var F = {
    weeks: "weeks",
    // Not in the API yet: a space's own count for the quarter, by day (see achievedThisQuarter).
    spaceQuarter: "outcomes_this_quarter",
    week: { week: "week", posts: "posts", outcomes: "outcomes", activePeople: "active_people",
            answeredWithinADay: "answered_within_a_day" },
    spaces: "spaces",
    space: { slug: "slug", name: "name", outcomesQuarter: "outcomes_this_quarter",
             outcomesPrevious: "outcomes_previous_quarter", activePeople: "active_people_this_quarter",
             medianHours: "median_hours_to_first_answer" },
    health: { quiet: "quiet", unanswered: "unanswered", neverMarked: "never_marked", slug: "slug", name: "name",
              lastPostAt: "last_post_at", posts: "posts", postUrl: "url", postedAt: "posted_at",
              unansweredCount: "unanswered_count" }
  };
  // A space page's line counts the current quarter, which can hold 14 ISO weeks; its sparkline
  // shows the last 12 of them.
  var SPACE_WEEKS = 14;
  var SPARK_WEEKS = 12;
  // The spaces table shows the first rows of its order; the rest are one button away (and in
  // the CSV). Laying out 1,000 rows would cost more than the whole rest of the page.
  var SPACES_SHOWN = 50;

  // -- what needs no page (tests/unit/test_impact_script.py runs these in Node) --------------

  function num(value) {
    return typeof value === "number" && isFinite(value) ? value : 0;
  }

  // The weeks of an answer, oldest first, each with every count a number.
  function weeksOf(answer) {
    var weeks = answer && Array.isArray(answer[F.weeks]) ? answer[F.weeks] : [];
    return weeks.filter(function (w) { return w && typeof w[F.week.week] === "string"; }).map(function (w) {
      return {
        week: w[F.week.week],
        posts: num(w[F.week.posts]),
        outcomes: num(w[F.week.outcomes]),
        active_people: num(w[F.week.activePeople]),
        answered_within_a_day: num(w[F.week.answeredWithinADay])
      };
    });
  }

  // The Thursday of an ISO week ("2026-W49") as a UTC date: the day that decides its year, and
  // here its quarter. Null for anything else.
  function weekThursday(week) {
    var match = /^(\d{4})-W(\d{2})$/.exec(week || "");
    if (!match) return null;
    var year = Number(match[1]);
    var number = Number(match[2]);
    if (number < 1 || number > 53) return null;
    var jan4 = Date.UTC(year, 0, 4);
    var jan4Day = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
    var thursday = new Date(jan4 + ((number - 1) * 7 - jan4Day + 3) * 86400000);
    return thursday.getUTCFullYear() === year ? thursday : null; // W53 of a 52-week year
  }

  // The calendar quarter of a date, in UTC: {year, quarter: 1..4}.
  function quarterOf(date) {
    return { year: date.getUTCFullYear(), quarter: Math.floor(date.getUTCMonth() / 3) + 1 };
  }

  // Outcomes in the calendar quarter that holds `now` (UTC). The API's own count, by day, when
  // the answer has one; otherwise from the weeks: those whose Thursday falls in the quarter, as an
  // ISO week belongs to the year of its Thursday. The two differ only by the days of the one week
  // that straddles each end of the quarter.
  function achievedThisQuarter(weeks, now, answer) {
    var current = quarterOf(now);
    var label = "Q" + current.quarter + " " + current.year;
    var given = answer ? answer[F.spaceQuarter] : undefined;
    if (typeof given === "number" && isFinite(given) && given >= 0) return { count: given, label: label };
    var count = 0;
    weeks.forEach(function (w) {
      var thursday = weekThursday(w.week);
      if (!thursday) return;
      var q = quarterOf(thursday);
      if (q.year === current.year && q.quarter === current.quarter) count += w.outcomes;
    });
    return { count: count, label: label };
  }

  // Made once: toLocaleString and localeCompare with options build a formatter on every call,
  // which a 1,000-row table notices.
  var NUMBER = new Intl.NumberFormat("en");
  var NAMES = new Intl.Collator("en", { sensitivity: "base" });

  function count(value) { return NUMBER.format(value); }

  function times(n) {
    if (n === 1) return "once";
    if (n === 2) return "twice";
    return count(n) + " times";
  }

  // The share of a week's posts answered within a working day, as a whole percentage; null
  // when the week had no posts (no share, which is not 0%).
  function answeredShare(week) {
    if (!week.posts) return null;
    return Math.round(Math.min(1, week.answered_within_a_day / week.posts) * 100);
  }

  // A round top for a chart's axis and its ticks: 0, step, 2·step … top.
  function axis(max) {
    if (!(max > 0)) return { top: 1, ticks: [0, 1] };
    var raw = max / 4;
    var power = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= raw; })[0];
    if (step < 1) step = 1;
    var top = Math.ceil(max / step) * step;
    var ticks = [];
    for (var t = 0; t <= top + step / 2; t += step) ticks.push(Math.round(t * 100) / 100);
    return { top: top, ticks: ticks };
  }

  // Bars for values in a plot `width` × `height` (y grows down): {x, y, width, height} each, or
  // null where the value is null.
  function bars(values, width, height, top) {
    var slot = values.length ? width / values.length : width;
    var gap = Math.min(4, slot * 0.2);
    return values.map(function (value, index) {
      if (value === null) return null;
      var h = top > 0 ? Math.max(0, Math.min(1, value / top)) * height : 0;
      return { x: round(index * slot + gap / 2), y: round(height - h), width: round(slot - gap), height: round(h) };
    });
  }

  // A sparkline's points: "x,y x,y …" across `width`, with the highest value at the top.
  function sparkPoints(values, width, height) {
    var max = Math.max.apply(null, values.concat([1]));
    var step = values.length > 1 ? width / (values.length - 1) : 0;
    return values.map(function (value, index) {
      return round(index * step) + "," + round(height - (value / max) * height);
    }).join(" ");
  }

  function round(value) { return Math.round(value * 10) / 10; }

  // This quarter against the last, in words (never colour alone).
  function trend(current, previous) {
    var now = num(current);
    var before = num(previous);
    var change = now - before;
    if (change > 0) return { direction: "up", change: change, text: "up " + change + " on last quarter" };
    if (change < 0) return { direction: "down", change: change, text: "down " + -change + " on last quarter" };
    return { direction: "same", change: 0, text: "same as last quarter" };
  }

  function formatHours(hours) {
    if (typeof hours !== "number" || !isFinite(hours) || hours < 0) return "no answers yet";
    if (hours < 1) return Math.max(1, Math.round(hours * 60)) + " min";
    if (hours < 48) return (Math.round(hours * 10) / 10) + " h";
    return (Math.round(hours / 24 * 10) / 10) + " days";
  }

  // The spaces table's columns: the field each sorts by, and how it reads as a sort key.
  var COLUMNS = [
    { key: "name", label: "Space", kind: "text" },
    { key: "outcomes_quarter", label: "Outcomes this quarter", kind: "number" },
    { key: "trend", label: "Trend on last quarter", kind: "number" },
    { key: "active_people", label: "Active people", kind: "number" },
    { key: "median_first_answer_hours", label: "Median time to first answer", kind: "number" }
  ];

  // The spaces of an answer as table rows.
  function spaceRows(answer) {
    var spaces = answer && Array.isArray(answer[F.spaces]) ? answer[F.spaces] : [];
    return spaces.filter(function (s) { return s && typeof s[F.space.slug] === "string"; }).map(function (s) {
      var hours = s[F.space.medianHours];
      var rowTrend = trend(s[F.space.outcomesQuarter], s[F.space.outcomesPrevious]);
      return {
        slug: s[F.space.slug],
        name: typeof s[F.space.name] === "string" && s[F.space.name] ? s[F.space.name] : s[F.space.slug],
        outcomes_quarter: num(s[F.space.outcomesQuarter]),
        outcomes_previous_quarter: num(s[F.space.outcomesPrevious]),
        trend: rowTrend.change,
        trend_text: rowTrend.text,
        trend_direction: rowTrend.direction,
        active_people: num(s[F.space.activePeople]),
        median_first_answer_hours: typeof hours === "number" && isFinite(hours) ? hours : null
      };
    });
  }

  // Rows sorted by a column; spaces with no value (no answer yet) go last either way, and ties
  // go by name, so the order is the same every time.
  function sortRows(rows, key, direction) {
    var sign = direction === "ascending" ? 1 : -1;
    var byName = function (a, b) {
      return NAMES.compare(a.name, b.name) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
    };
    return rows.slice().sort(function (a, b) {
      if (key === "name") return sign * byName(a, b);
      var x = a[key];
      var y = b[key];
      if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
      return x !== y ? sign * (x - y) : byName(a, b);
    });
  }

  // When the spaces' numbers were worked out, as HH:MM (UTC), from the answer's `as_of`; "" if none.
  function asOf(answer) {
    var text = answer && typeof answer.as_of === "string" ? answer.as_of : "";
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? text.slice(11, 16) : "";
  }

  // Only a path on this origin becomes a link (never `javascript:` or another site).
  function safePath(url) {
    return typeof url === "string" && /^\/(?!\/)/.test(url) && url.indexOf("\\") === -1 ? url : null;
  }

  var helpers = {
    weeksOf: weeksOf, weekThursday: function (w) { var d = weekThursday(w); return d && d.toISOString().slice(0, 10); },
    achievedThisQuarter: function (weeks, isoNow, answer) {
      return achievedThisQuarter(weeks, new Date(isoNow), answer);
    },
    times: times, answeredShare: answeredShare, axis: axis, bars: bars, sparkPoints: sparkPoints, trend: trend,
    formatHours: formatHours, spaceRows: spaceRows, asOf: asOf, sortRows: sortRows, safePath: safePath, API: API, F: F
  };
  if (typeof module === "object" && module && module.exports) {
    module.exports = helpers;
    return;
  }

  // -- the page --------------------------------------------------------------------------------

  var SVG = "http://www.w3.org/2000/svg";
  var uid = 0;

  function el(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, String(attributes[key])); });
    return node;
  }

  var hubRoot = null;

  function base() {
    if (!hubRoot) {
      var config = document.getElementById("__config");
      var root = config ? JSON.parse(config.textContent).base : ".";
      hubRoot = new URL(root.replace(/\/?$/, "/"), window.location.href).href;
    }
    return hubRoot;
  }

  function spaceHref(slug) {
    return base() + "teams/" + encodeURIComponent(slug) + "/";
  }

  function get(path) {
    return fetch(path, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function plainLink(text) {
    var link = el("a", "", text);
    link.href = API.plain;
    return link;
  }

  function say(status, message, withPlainLink) {
    status.textContent = message;
    if (withPlainLink) {
      status.appendChild(document.createTextNode(" "));
      status.appendChild(plainLink("See them on the plain page."));
    }
    status.hidden = false;
  }

  function shortWeek(week) { return week.slice(5); } // "W49"

  // -- charts ----------------------------------------------------------------------------------

  var WIDTH = 640;
  var HEIGHT = 220;
  var PAD = { left: 44, right: 8, top: 12, bottom: 28 };

  // A bar chart of one series, and the same numbers as a table beside it.
  // spec: {title, unit, columns: [[heading, (week) → text]], values: [number|null], format}
  function chart(container, weeks, spec) {
    var figure = el("figure", "commons-chart__figure");
    var id = "commons-chart-" + (++uid);
    var plotW = WIDTH - PAD.left - PAD.right;
    var plotH = HEIGHT - PAD.top - PAD.bottom;
    var shown = spec.values.filter(function (v) { return v !== null; });
    var scale = spec.top ? { top: spec.top, ticks: spec.ticks } : axis(Math.max.apply(null, shown.concat([0])));
    var image = svg("svg", { "class": "commons-chart__svg", viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img",
                             "aria-labelledby": id + "-title " + id + "-desc", focusable: "false" });
    var title = svg("title", { id: id + "-title" });
    title.textContent = spec.title;
    var desc = svg("desc", { id: id + "-desc" });
    desc.textContent = describe(weeks, spec);
    image.appendChild(title);
    image.appendChild(desc);
    var plot = svg("g", { transform: "translate(" + PAD.left + "," + PAD.top + ")" });
    scale.ticks.forEach(function (tick) {
      var y = round(plotH - (tick / scale.top) * plotH);
      plot.appendChild(svg("line", { "class": "commons-chart__grid", x1: 0, x2: plotW, y1: y, y2: y }));
      var label = svg("text", { "class": "commons-chart__tick", x: -6, y: y + 4, "text-anchor": "end" });
      label.textContent = spec.format(tick);
      plot.appendChild(label);
    });
    var geometry = bars(spec.values, plotW, plotH, scale.top);
    var every = Math.max(1, Math.ceil(weeks.length / 9));
    geometry.forEach(function (bar, index) {
      var week = weeks[index].week;
      var value = spec.values[index];
      var shape;
      if (bar === null) {
        // No value is not zero: an outlined stub, and the table says so too.
        var slot = plotW / weeks.length;
        shape = svg("rect", { "class": "commons-chart__none", x: round(index * slot + slot * 0.25), y: plotH - 3,
                              width: round(slot * 0.5), height: 3 });
      } else {
        shape = svg("rect", { "class": "commons-chart__bar", x: bar.x, y: bar.y, width: bar.width,
                              height: bar.height });
      }
      var tip = svg("title");
      tip.textContent = week + ": " + (value === null ? spec.none : spec.format(value) + " " + spec.unit);
      shape.appendChild(tip);
      plot.appendChild(shape);
      var last = index === weeks.length - 1;
      if (last || (index % every === 0 && weeks.length - 1 - index >= every)) {
        var slotW = plotW / weeks.length;
        var label = svg("text", { "class": "commons-chart__tick", x: round(index * slotW + slotW / 2), y: plotH + 18,
                                  "text-anchor": "middle" });
        label.textContent = shortWeek(week);
        plot.appendChild(label);
      }
    });
    plot.appendChild(svg("line", { "class": "commons-chart__axis", x1: 0, x2: plotW, y1: plotH, y2: plotH }));
    image.appendChild(plot);
    var picture = el("div", "commons-chart__picture");
    picture.appendChild(image);
    figure.appendChild(picture);
    figure.appendChild(numbers(weeks, spec));
    container.appendChild(figure);
  }

  function describe(weeks, spec) {
    var shown = [];
    spec.values.forEach(function (v, i) { if (v !== null) shown.push({ week: weeks[i].week, value: v }); });
    var span = weeks[0].week + " to " + weeks[weeks.length - 1].week;
    var best = shown.reduce(function (a, b) { return b.value > a.value ? b : a; }, { value: 0 });
    if (!best.value) return "From " + span + ": " + spec.none + " in any week.";
    var last = spec.values[spec.values.length - 1];
    return "From " + span + ". Highest: " + spec.format(best.value) + " " + spec.unit + " in " + best.week +
      ". Latest week: " + (last === null ? spec.none : spec.format(last) + " " + spec.unit) +
      ". Every week is in the table beside the chart.";
  }

  function numbers(weeks, spec) {
    var wrap = el("div", "commons-chart__table");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("tabindex", "0");
    var table = el("table");
    var caption = el("caption", "", spec.title + ", the numbers");
    wrap.setAttribute("aria-label", caption.textContent);
    table.appendChild(caption);
    var head = el("thead");
    var row = el("tr");
    var week = el("th", "", "Week");
    week.scope = "col";
    row.appendChild(week);
    spec.columns.forEach(function (column) {
      var th = el("th", "", column[0]);
      th.scope = "col";
      row.appendChild(th);
    });
    head.appendChild(row);
    table.appendChild(head);
    var body = el("tbody");
    // Newest first: the week one looks for is at the top.
    for (var i = weeks.length - 1; i >= 0; i--) {
      var tr = el("tr");
      var th = el("th", "", weeks[i].week);
      th.scope = "row";
      tr.appendChild(th);
      for (var c = 0; c < spec.columns.length; c++) tr.appendChild(el("td", "", spec.columns[c][1](weeks[i])));
      body.appendChild(tr);
    }
    table.appendChild(body);
    wrap.appendChild(table);
    return wrap;
  }

  function percent(value) { return value + "%"; }

  var CHARTS = {
    outcomes: function (weeks) {
      return { title: "Purpose achieved, per week", unit: "outcomes", none: "no outcomes", format: count,
               values: weeks.map(function (w) { return w.outcomes; }),
               columns: [["Outcomes", function (w) { return count(w.outcomes); }]] };
    },
    active_people: function (weeks) {
      return { title: "Active people, per week", unit: "people", none: "nobody", format: count,
               values: weeks.map(function (w) { return w.active_people; }),
               columns: [["Active people", function (w) { return count(w.active_people); }]] };
    },
    answered_within_a_day: function (weeks) {
      return { title: "Posts answered within a working day, per week", unit: "of posts", none: "no posts",
               format: percent, top: 100, ticks: [0, 25, 50, 75, 100],
               values: weeks.map(answeredShare),
               columns: [
                 ["Posts", function (w) { return count(w.posts); }],
                 ["Answered within a day", function (w) { return count(w.answered_within_a_day); }],
                 ["Share", function (w) { var s = answeredShare(w); return s === null ? "no posts" : s + "%"; }]
               ] };
    }
  };

  // -- the spaces table ------------------------------------------------------------------------

  function spacesTable(section, rows, when) {
    if (!rows.length) {
      section.appendChild(el("p", "commons-chart__empty", "No space has any activity counted yet."));
      return;
    }
    // The table is worked out at most once a minute for everyone: say when.
    if (when) section.appendChild(el("p", "commons-impact__as-of", "As of " + when + " UTC."));
    var table = el("table", "commons-impact__table");
    var caption = el("caption");
    table.appendChild(caption);
    var headRow = el("tr");
    var state = { key: "outcomes_quarter", direction: "descending" };
    var announce = el("p", "commons-visually-hidden");
    announce.setAttribute("aria-live", "polite");
    var body = el("tbody");
    var made = {};
    var all = rows.length <= SPACES_SHOWN;
    var more = null;
    if (!all) {
      more = el("button", "commons-impact__more", "Show all " + count(rows.length) + " spaces");
      more.type = "button";
      more.addEventListener("click", function () {
        all = true;
        apply();
        more.hidden = true;
        announce.textContent = "Showing all " + count(rows.length) + " spaces.";
      });
    }
    COLUMNS.forEach(function (column) {
      var th = el("th");
      th.scope = "col";
      var button = el("button", "commons-impact__sort", column.label);
      button.type = "button";
      button.setAttribute("data-sort", column.key);
      button.addEventListener("click", function () {
        var direction = state.key === column.key && state.direction === "descending" ? "ascending"
          : state.key === column.key ? "descending" : column.kind === "text" ? "ascending" : "descending";
        state = { key: column.key, direction: direction };
        apply();
        announce.textContent = "Sorted by " + column.label.toLowerCase() + ", " + direction + ".";
      });
      th.appendChild(button);
      headRow.appendChild(th);
    });
    function apply() {
      caption.textContent = "Spaces: outcomes this quarter and last, active people, and the median time from a " +
        "post to its first answer" + (all ? "" : " (the first " + SPACES_SHOWN + " of " + count(rows.length) +
        " in this order)");
      Array.prototype.forEach.call(headRow.children, function (th, index) {
        if (COLUMNS[index].key === state.key) th.setAttribute("aria-sort", state.direction);
        else th.removeAttribute("aria-sort");
      });
      // Rows are made when first shown, and kept: sorting moves them.
      var fragment = document.createDocumentFragment();
      var sorted = sortRows(rows, state.key, state.direction);
      sorted.slice(0, all ? sorted.length : SPACES_SHOWN).forEach(function (row) {
        fragment.appendChild(made[row.slug] || (made[row.slug] = spaceRow(row)));
      });
      body.textContent = "";
      body.appendChild(fragment);
    }
    var head = el("thead");
    head.appendChild(headRow);
    table.appendChild(head);
    table.appendChild(body);
    apply();
    var wrap = el("div", "commons-impact__scroll");
    wrap.appendChild(table);
    section.appendChild(wrap);
    if (more) section.appendChild(more);
    section.appendChild(announce);
  }

  var ARROWS = { up: "\u2191", down: "\u2193", same: "\u2192" };

  function spaceRow(row) {
    var tr = el("tr");
    var name = el("th");
    name.scope = "row";
    var link = el("a", "", row.name);
    link.href = spaceHref(row.slug);
    name.appendChild(link);
    tr.appendChild(name);
    tr.appendChild(el("td", "commons-impact__number", count(row.outcomes_quarter)));
    var trendCell = el("td", "commons-impact__trend commons-impact__trend--" + row.trend_direction);
    var arrow = el("span", "", ARROWS[row.trend_direction] + " ");
    arrow.setAttribute("aria-hidden", "true");
    trendCell.appendChild(arrow);
    trendCell.appendChild(document.createTextNode(row.trend_text + " (" + count(row.outcomes_previous_quarter) + ")"));
    tr.appendChild(trendCell);
    tr.appendChild(el("td", "commons-impact__number", count(row.active_people)));
    tr.appendChild(el("td", "commons-impact__number", formatHours(row.median_first_answer_hours)));
    return tr;
  }

  // -- the three places ------------------------------------------------------------------------

  function dashboard(root) {
    var status = root.querySelector(".commons-impact__status");
    say(status, "Loading the figures…");
    var org = get(API.org).then(function (answer) {
      var weeks = weeksOf(answer);
      Array.prototype.forEach.call(root.querySelectorAll("[data-impact-chart]"), function (section) {
        var make = CHARTS[section.getAttribute("data-impact-chart")];
        if (!make) return;
        if (!weeks.length) {
          section.appendChild(el("p", "commons-chart__empty", "Nothing has been counted yet."));
          return;
        }
        chart(section, weeks, make(weeks));
      });
    });
    // Fetched at once, drawn after the charts (or their failure), so the charts come first.
    var spaces = Promise.all([get(API.spaces), org.catch(function () { return null; })]).then(function (answers) {
      var section = root.querySelector("[data-impact-spaces]");
      if (section) spacesTable(section, spaceRows(answers[0]), asOf(answers[0]));
    });
    Promise.all([org, spaces]).then(function () {
      status.hidden = true;
      status.textContent = "";
      root.setAttribute("data-impact-drawn", "");
    }, function (error) {
      say(status, "The figures could not be loaded (" + error.message + ").", true);
    });
  }

  function spaceLine(place) {
    var slug = place.getAttribute("data-impact-space");
    get(API.space(slug) + "?weeks=" + SPACE_WEEKS).then(function (answer) {
      var weeks = weeksOf(answer);
      var quarter = achievedThisQuarter(weeks, new Date(), answer);
      var line = el("span", "commons-achieved__count");
      line.appendChild(document.createTextNode("Purpose achieved "));
      line.appendChild(el("strong", "", times(quarter.count)));
      line.appendChild(document.createTextNode(" this quarter (" + quarter.label + ")"));
      place.appendChild(line);
      var recent = weeks.slice(-SPARK_WEEKS);
      if (recent.length) place.appendChild(sparkline(recent));
      place.hidden = false;
    }).catch(function (error) { console.warn("commons-impact: " + slug + ": " + error.message); });
  }

  function sparkline(weeks) {
    var values = weeks.map(function (w) { return w.outcomes; });
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    var width = 96;
    var height = 20;
    var label = "Outcomes in the last " + weeks.length + " weeks, oldest first: " + values.join(", ") +
      " (" + total + " in all, " + weeks[0].week + " to " + weeks[weeks.length - 1].week + ")";
    var image = svg("svg", { "class": "commons-sparkline", viewBox: "-2 -2 " + (width + 4) + " " + (height + 4),
                             width: width + 4, height: height + 4, role: "img", "aria-label": label,
                             focusable: "false" });
    var title = svg("title");
    title.textContent = label;
    image.appendChild(title);
    image.appendChild(svg("polyline", { "class": "commons-sparkline__line", points: sparkPoints(values, width, height),
                                        fill: "none" }));
    // The latest week as a dot, so the line's end reads without colour.
    var last = sparkPoints(values, width, height).split(" ").pop().split(",");
    image.appendChild(svg("circle", { "class": "commons-sparkline__dot", cx: last[0], cy: last[1], r: 2 }));
    return image;
  }

  function healthActivity(section) {
    var status = section.querySelector(".commons-health-live__status");
    say(status, "Loading…");
    get(API.health).then(function (answer) {
      var H = F.health;
      var quiet = Array.isArray(answer[H.quiet]) ? answer[H.quiet] : [];
      var unanswered = Array.isArray(answer[H.unanswered]) ? answer[H.unanswered] : [];
      var never = Array.isArray(answer[H.neverMarked]) ? answer[H.neverMarked] : [];
      healthList(section, "quiet", "Quiet spaces", "No post in the last 4 weeks: is the space still needed?", quiet,
        function (item, space) {
          var when = typeof space[H.lastPostAt] === "string" ? space[H.lastPostAt].slice(0, 10) : "";
          item.appendChild(document.createTextNode(when ? ": last post " + when : ": no post yet"));
        });
      var posts = 0;
      unanswered.forEach(function (space) { posts += waitingOf(space); });
      healthList(section, "unanswered", "Unanswered posts", "Posts older than a working day that nobody has " +
        "answered yet, per space.", unanswered, function (item, space) {
          var list = el("ul");
          (Array.isArray(space[H.posts]) ? space[H.posts] : []).forEach(function (post) {
            var entry = el("li");
            var when = typeof post[H.postedAt] === "string" ? post[H.postedAt].slice(0, 16).replace("T", " ") : "";
            var href = safePath(post[H.postUrl]);
            var text = "Post of " + (when ? when + " UTC" : "an unknown time");
            if (href) {
              var link = el("a", "", text);
              link.href = href;
              entry.appendChild(link);
            } else {
              entry.textContent = text;
            }
            list.appendChild(entry);
          });
          // The API lists the oldest few of a space's posts; the count is of them all.
          var listed = Array.isArray(space[H.posts]) ? space[H.posts].length : 0;
          if (waitingOf(space) > listed) {
            list.appendChild(el("li", "", "and " + count(waitingOf(space) - listed) + " more"));
          }
          item.appendChild(list);
        }, posts);
      healthList(section, "never-marked", "Outcome never marked", "Nobody has marked a post as achieving the " +
        "space's outcome yet: does the outcome say what the space is for?", never, function () {});
      status.hidden = true;
      section.setAttribute("data-impact-drawn", "");
    }).catch(function (error) {
      say(status, "The live part could not be loaded (" + error.message + ").", true);
    });
  }

  function waitingOf(space) {
    var listed = Array.isArray(space[F.health.posts]) ? space[F.health.posts].length : 0;
    var total = space[F.health.unansweredCount];
    return typeof total === "number" && total > listed ? total : listed;
  }

  function healthList(section, anchor, title, advice, spaces, fill, total) {
    var H = F.health;
    var shown = spaces.filter(function (s) { return s && typeof s[H.slug] === "string"; });
    var heading = el("h3", "", title + " (" + (total === undefined ? shown.length : total) + ")");
    heading.id = "activity-" + anchor;
    section.appendChild(heading);
    if (!shown.length) {
      section.appendChild(el("p", "", "None."));
      return;
    }
    section.appendChild(el("p", "", advice));
    var list = el("ul");
    shown.forEach(function (space) {
      var item = el("li");
      var link = el("a", "", typeof space[H.name] === "string" && space[H.name] ? space[H.name] : space[H.slug]);
      link.href = spaceHref(space[H.slug]);
      item.appendChild(link);
      fill(item, space);
      list.appendChild(item);
    });
    section.appendChild(list);
  }

  // Each script tag sits right after its place, so the place is already in the page. Each place
  // is set up once, whichever of the page's tags runs first.
  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll(
      "[data-impact-dashboard], [data-impact-space], [data-impact-health]"), function (place) {
      if (place.hasAttribute("data-impact-started")) return;
      place.setAttribute("data-impact-started", "");
      if (place.hasAttribute("data-impact-dashboard")) dashboard(place);
      else if (place.hasAttribute("data-impact-space")) spaceLine(place);
      else healthActivity(place);
    });
  }
  setUp();
})();
