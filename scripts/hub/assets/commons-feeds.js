// Your private Atom feed links on your own person page, and the button that revokes them all.
// Plain JavaScript, no framework, no build step.
//
// Every person page has the same hidden <section data-feeds-person="<handle>">, because the page is
// static and the same for everyone. It is filled only when /api/me is that person, from the
// `feeds` /api/me lists. Revoking is a real form, with the action and the field of a post without
// JavaScript (answered 303); this script sends it as JSON and shows the new links in place.
//
// Safety: nothing from the API is inserted as markup. Text goes in through textContent, and a link
// is used only when it is an http(s) URL on this page's own origin.
(function () {
  "use strict";

  var REVOKE = "/api/feeds/revoke";
  var PLAIN_PAGE = "/api/html/feeds";

  // -- what does not need a page ---------------------------------------------------------------

  function isOwnPage(me, handle) {
    return !!me && typeof me.handle === "string" && typeof handle === "string" && handle !== "" &&
      me.handle.toLowerCase() === handle.toLowerCase();
  }

  // A feed link from the API, if it is one of ours: on this origin, under /api/feeds/.
  function ownFeedUrl(value, origin) {
    if (typeof value !== "string") return null;
    var url;
    try { url = new URL(value); } catch (ignored) { return null; }
    if (url.origin !== origin || url.pathname.indexOf("/api/feeds/") !== 0) return null;
    return url.href;
  }

  // [{slug, url}] for every space, by slug (/api/me names spaces by slug only).
  function spaceRows(feeds, origin) {
    var spaces = feeds && typeof feeds.spaces === "object" && feeds.spaces ? feeds.spaces : {};
    var rows = [];
    Object.keys(spaces).forEach(function (slug) {
      var url = ownFeedUrl(spaces[slug], origin);
      if (url) rows.push({ slug: slug, url: url });
    });
    rows.sort(function (a, b) { return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0; });
    return rows;
  }

  // -- talking to /api -------------------------------------------------------------------------

  var call = window.CommonsApi.call;

  // -- the page --------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function FeedLinks(section) {
    this.section = section;
    this.heading = section.querySelector("h2") || el("h2", "", "Your feeds");
    this.list = null;
  }

  FeedLinks.prototype.item = function (name, url) {
    var li = el("li", "commons-feeds__item");
    var link = el("a", "commons-feeds__link", name);
    link.href = url;
    link.type = "application/atom+xml";
    li.appendChild(link);
    var shown = el("code", "commons-feeds__url", url);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(shown);
    return li;
  };

  FeedLinks.prototype.fill = function (feeds) {
    var origin = window.location.origin;
    var list = el("ul", "commons-feeds__list");
    var org = ownFeedUrl(feeds && feeds.org, origin);
    if (org) list.appendChild(this.item("All posts, every space", org));
    var view = this;
    spaceRows(feeds, origin).forEach(function (row) {
      list.appendChild(view.item("Space: " + row.slug, row.url));
    });
    if (this.list) this.section.replaceChild(list, this.list);
    else this.section.insertBefore(list, this.form);
    this.list = list;
  };

  FeedLinks.prototype.render = function (feeds) {
    var section = this.section;
    section.textContent = "";
    section.appendChild(this.heading);
    section.appendChild(el("p", "commons-feeds__note",
      "Private Atom feeds for a feed reader (Outlook has one). Each link works without signing in, so keep it " +
      "to yourself: whoever has it reads what you may read."));

    var form = el("form", "commons-form commons-feeds__revoke");
    form.method = "post";
    form.action = REVOKE;
    var back = el("input");
    back.type = "hidden";
    back.name = "return_to";
    back.value = window.location.pathname;
    form.appendChild(back);
    form.appendChild(el("p", "commons-feeds__note",
      "Shared a link by mistake, or lost a device? Revoke them all: every old link stops working, and you get new ones."));
    var button = el("button", "md-button", "Revoke all feed links");
    button.type = "submit";
    form.appendChild(button);
    var status = el("p", "commons-feeds__status");
    status.setAttribute("role", "status");
    form.appendChild(status);
    section.appendChild(form);
    this.form = form;
    this.fill(feeds);
    section.hidden = false;

    var view = this;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      status.textContent = "";
      call("POST", REVOKE, {}).then(function (fresh) {
        view.fill(fresh);
        status.textContent = "Your old feed links no longer work. These are the new ones.";
      }, function (error) {
        status.textContent = error.message;
        if (error.status !== 401) {
          status.appendChild(document.createTextNode(" "));
          var plain = el("a", "", "Open your feeds on a plain page");
          plain.href = PLAIN_PAGE;
          status.appendChild(plain);
        }
      }).then(function () { button.disabled = false; });
    });
  };

  function start() {
    var section = document.querySelector("section[data-feeds-person]");
    if (!section || section.getAttribute("data-commons-ready")) return;
    section.setAttribute("data-commons-ready", "1");
    var handle = section.getAttribute("data-feeds-person");
    var view = new FeedLinks(section);
    window.CommonsApi.me().then(function (me) {
      if (!isOwnPage(me, handle) || !me.feeds) return;  // someone else's page, or no feeds: nothing to show
      view.render(me.feeds);
    }, function () {
      // No session or no answer: not knowing who is asking, the page shows nothing.
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
