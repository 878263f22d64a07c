// Mail preferences on your own person page: the spaces you follow, each post or a digest, and
// mail about mentions and replies. Plain JavaScript, no framework, no build step.
//
// Every person page has the same hidden <section data-mail-person="<handle>">, because the page is
// static and the same for everyone. The form is shown only when /api/me is that person. It is a
// real form, with the action and the field names of a post without JavaScript. This script sends
// the same fields as JSON and says in place whether they were saved.
//
// Safety: nothing from the API is inserted as markup. Text goes in through textContent.
(function () {
  "use strict";

  var ENDPOINT = "/api/mail/preferences";
  var PLAIN_PAGE = "/api/html/mail/preferences";
  var DIGESTS = [
    { value: "weekly", label: "Weekly" },
    { value: "daily", label: "Daily" },
    { value: "off", label: "Off" }
  ];
  var ASK = "If it is, choose \u201cMail me again\u201d to start your mail again.";
  var REASONS = {
    bounce: {
      because: "mail to your address bounced",
      advice: "Check that the email on this page is right; if it is not, fix it with \u201cEdit this page\u201d. " + ASK
    },
    complaint: {
      because: "a mail from Commons to you was marked as spam",
      advice: "If that was a mistake, choose \u201cMail me again\u201d to start your mail again. " +
        "To get less mail instead, change your choices below."
    },
    other: {
      because: "mail to you could not be delivered",
      advice: "Check that the email on this page is right. " + ASK
    }
  };
  var KEPT = "Until then Commons sends you nothing; the choices below are kept for when it starts again.";

  // -- what does not need a page (tests/unit/test_mail_preferences_page.py runs these in Node) ---

  // The JSON body from the form's fields, as [name, value] pairs like FormData's: the very fields
  // a post without JavaScript sends (repeated `follows`, checkboxes as "on", `digest`).
  function bodyFrom(entries) {
    var body = { follows: [], each_post: false, digest: null, mentions: false, replies: false };
    entries.forEach(function (entry) {
      var name = entry[0];
      var value = entry[1];
      if (name === "follows") {
        if (body.follows.indexOf(value) === -1) body.follows.push(value);
      } else if (name === "each_post" || name === "mentions" || name === "replies") {
        body[name] = value === "on";
      } else if (name === "digest") {
        body.digest = value;
      }
    });
    return body;
  }

  // Whether the signed-in person (/api/me) is the one this page is about.
  function isOwnPage(me, handle) {
    return !!me && typeof me.handle === "string" && typeof handle === "string" && handle !== "" &&
      me.handle.toLowerCase() === handle.toLowerCase();
  }

  // What to say when mail to the person is stopped, or null when it is not.
  function stoppedNotice(suppressed, formatDate) {
    if (!suppressed || typeof suppressed !== "object") return null;
    var reason = Object.prototype.hasOwnProperty.call(REASONS, suppressed.reason) ? REASONS[suppressed.reason] : REASONS.other;
    var when = new Date(suppressed.at);
    var on = typeof suppressed.at === "string" && !isNaN(when.getTime()) ? " on " + formatDate(when) : "";
    return { summary: "Mail to you is stopped because " + reason.because + on + ".", advice: reason.advice + " " + KEPT };
  }

  var helpers = { bodyFrom: bodyFrom, isOwnPage: isOwnPage, stoppedNotice: stoppedNotice };
  if (typeof module === "object" && module && module.exports) {
    module.exports = helpers;
    return;
  }

  // -- talking to /api -------------------------------------------------------------------------

  var api = window.CommonsApi;
  var ApiError = api.ApiError;
  var call = api.call;

  // Saving sets the whole state, so it is safe to send twice.
  function save(body) {
    return api.retried("POST", ENDPOINT, body);
  }

  // -- the page --------------------------------------------------------------------------------

  var uid = 0;
  var longDate = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function signInLink(error) {
    var next = window.location.pathname + window.location.search;
    var href = error.signIn && error.signIn.charAt(0) === "/" && error.signIn.charAt(1) !== "/"
      ? error.signIn : "/auth/login?next=" + encodeURIComponent(next);
    var link = el("a", "", "Sign in again");
    link.href = href;
    return link;
  }

  function say(node, error) {
    node.textContent = "";
    node.appendChild(document.createTextNode(error.message));
    if (error.status === 401) {
      node.appendChild(document.createTextNode(" "));
      node.appendChild(signInLink(error));
    }
  }

  function choice(type, name, value, text) {
    var id = "commons-mail-" + (++uid);
    var row = el("div", "commons-mail__choice");
    var input = el("input");
    input.type = type;
    input.name = name;
    input.value = value;
    input.id = id;
    var label = el("label", "", text);
    label.htmlFor = id;
    row.appendChild(input);
    row.appendChild(label);
    return { row: row, input: input };
  }

  function group(legendText, className) {
    var fieldset = el("fieldset", "commons-mail__group" + (className ? " " + className : ""));
    fieldset.appendChild(el("legend", "", legendText));
    return fieldset;
  }

  function Preferences(section) {
    this.section = section;
    this.heading = section.querySelector("h2");
    this.controls = null;
  }

  // Everything but the heading goes; the heading is the section's label (aria-labelledby).
  Preferences.prototype.reset = function () {
    var section = this.section;
    if (!this.heading) {
      this.heading = el("h2", "", "Mail preferences");
      this.heading.id = "mail-heading";
    }
    section.textContent = "";
    section.appendChild(this.heading);
  };

  Preferences.prototype.loading = function () {
    this.reset();
    this.section.appendChild(el("p", "commons-mail__note", "Loading your mail preferences\u2026"));
    this.section.hidden = false;
  };

  Preferences.prototype.failed = function (error) {
    this.reset();
    var line = el("p", "commons-error");
    line.setAttribute("role", "status");
    say(line, error);
    if (error.status !== 401) {
      line.appendChild(document.createTextNode(" "));
      var plain = el("a", "", "Open your mail preferences on a plain page");
      plain.href = PLAIN_PAGE;
      line.appendChild(plain);
    }
    this.section.appendChild(line);
    this.section.hidden = false;
  };

  Preferences.prototype.notice = function (suppressed) {
    var old = this.section.querySelector(".commons-mail__stopped");
    var notice = stoppedNotice(suppressed, function (date) { return longDate.format(date); });
    if (!notice) {
      if (old) old.parentNode.removeChild(old);
      return;
    }
    var box = el("div", "commons-mail__stopped");
    box.appendChild(el("p", "commons-mail__stopped-summary", notice.summary));
    box.appendChild(el("p", "", notice.advice));
    var again = el("button", "md-button", "Mail me again");
    again.type = "button";
    var said = el("p", "commons-mail__status");
    said.setAttribute("role", "status");
    var view = this;
    again.addEventListener("click", function () {
      again.disabled = true;
      said.textContent = "";
      save({ resume: true }).then(function (prefs) {
        view.notice(prefs.suppressed);
        var status = view.section.querySelector(".commons-mail__form .commons-mail__status");
        if (status) status.textContent = "Mail to you starts again";
      }, function (error) {
        again.disabled = false;
        say(said, error);
      });
    });
    box.appendChild(again);
    box.appendChild(said);
    if (old) this.section.replaceChild(box, old);
    else this.section.insertBefore(box, this.heading.nextSibling);
  };

  Preferences.prototype.render = function (prefs) {
    this.reset();
    var view = this;
    var section = this.section;
    section.appendChild(el("p", "commons-mail__note",
      "What Commons mails you. Unless you change it, you follow your team\u2019s space and the spaces you steward, " +
      "and get a weekly digest of their new posts."));
    this.notice(prefs.suppressed);

    var form = el("form", "commons-form commons-mail__form");
    form.method = "post";
    form.action = ENDPOINT;
    var controls = { follows: [], digest: [] };

    var spaces = group("Spaces you follow");
    var list = Array.isArray(prefs.spaces) ? prefs.spaces : [];
    if (list.length) {
      var box = el("div", "commons-mail__spaces");
      list.forEach(function (space) {
        if (!space || typeof space.slug !== "string") return;
        var item = choice("checkbox", "follows", space.slug, typeof space.name === "string" ? space.name : space.slug);
        controls.follows.push(item.input);
        box.appendChild(item.row);
      });
      spaces.appendChild(box);
    } else {
      spaces.appendChild(el("p", "commons-mail__note", "There are no spaces to follow yet."));
    }
    form.appendChild(spaces);

    var posts = group("New posts in the spaces you follow");
    var each = choice("checkbox", "each_post", "on", "Mail me each post as it comes");
    controls.each_post = each.input;
    posts.appendChild(each.row);
    var digest = group("Digest of new posts", "commons-mail__digest");
    DIGESTS.forEach(function (option) {
      var item = choice("radio", "digest", option.value, option.label);
      controls.digest.push(item.input);
      digest.appendChild(item.row);
    });
    posts.appendChild(digest);
    form.appendChild(posts);

    var about = group("Mail about you");
    var mentions = choice("checkbox", "mentions", "on", "When someone mentions me");
    var replies = choice("checkbox", "replies", "on", "When someone replies to my posts");
    controls.mentions = mentions.input;
    controls.replies = replies.input;
    about.appendChild(mentions.row);
    about.appendChild(replies.row);
    form.appendChild(about);

    // Used when the form is posted without this script (it failed, say): 303 back here.
    var back = el("input");
    back.type = "hidden";
    back.name = "return_to";
    back.value = window.location.pathname;
    form.appendChild(back);

    var row = el("div", "commons-form__row");
    var submit = el("button", "md-button md-button--primary commons-mail__save", "Save mail preferences");
    submit.type = "submit";
    row.appendChild(submit);
    form.appendChild(row);
    // Announces "Saved" or what went wrong; it is in the page, empty, before anything is said.
    var status = el("p", "commons-mail__status");
    status.setAttribute("role", "status");
    status.tabIndex = -1;
    form.appendChild(status);
    section.appendChild(form);

    this.controls = controls;
    this.fill(prefs);

    form.addEventListener("change", function () {
      if (!submit.disabled && status.textContent) {
        status.textContent = "";
        status.classList.remove("is-error");
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) return;
      var body = bodyFrom(Array.from(new FormData(form).entries()));
      submit.disabled = true;
      submit.textContent = "Saving\u2026";
      form.setAttribute("aria-busy", "true");
      status.textContent = "";
      status.classList.remove("is-error");
      save(body).then(function (saved) {
        view.fill(saved);
        view.notice(saved.suppressed);
        status.textContent = "Saved";
      }, function (error) {
        status.classList.add("is-error");
        say(status, error);
        status.focus();
      }).then(function () {
        submit.disabled = false;
        submit.textContent = "Save mail preferences";
        form.removeAttribute("aria-busy");
      });
    });
  };

  // Set every control from a preferences document (GET's answer, or a save's).
  Preferences.prototype.fill = function (prefs) {
    var controls = this.controls;
    var follows = Array.isArray(prefs.follows) ? prefs.follows : [];
    controls.follows.forEach(function (input) { input.checked = follows.indexOf(input.value) !== -1; });
    controls.each_post.checked = prefs.each_post === true;
    controls.digest.forEach(function (input) { input.checked = input.value === prefs.digest; });
    controls.mentions.checked = prefs.mentions === true;
    controls.replies.checked = prefs.replies === true;
  };

  function start() {
    var section = document.querySelector("section[data-mail-person]");
    if (!section || section.getAttribute("data-commons-ready")) return;
    section.setAttribute("data-commons-ready", "1");
    var handle = section.getAttribute("data-mail-person");
    var view = new Preferences(section);
    api.me().then(function (me) {
      if (!isOwnPage(me, handle)) return;  // someone else's page: nothing to show
      view.loading();
      return call("GET", ENDPOINT).then(function (prefs) { view.render(prefs); }, function (error) {
        if (error.code === "mail-off") { view.reset(); section.hidden = true; return; }  // this Commons sends no mail
        view.failed(error);
      });
    }, function () {
      // No session or no answer: the page is about someone, and not knowing who is asking, shows nothing.
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
