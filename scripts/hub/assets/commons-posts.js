// Posts on the hub: a space's feed with its forms, the org-wide feed on the home page, and a
// person's recent posts. Plain JavaScript, no framework, no build step.
//
// The build puts this script right after its container (<section id="posts">), so it runs while
// the page is still being parsed and the feed's fetch starts before DOMContentLoaded.
//
// Safety: the only HTML inserted as markup is a post's `html`, which the functions sanitise with
// nh3 when it is written. Everything else goes in through textContent and DOM properties.
(function () {
  "use strict";

  var container = document.getElementById("posts");
  if (!container || container.getAttribute("data-commons-ready")) return;
  container.setAttribute("data-commons-ready", "1");

  var script = document.currentScript;
  // The hub's root (the script lives in <root>/assets/), so links work under any path.
  var ROOT = new URL("../", script && script.src ? script.src : new URL("/assets/", window.location.href));
  var API = "/api/";
  var PAGE_SIZE = 20;
  var MIXED_PAGE_SIZE = 10;
  var MAX_LENGTH = 5000;
  var REPLY_LOADS_AT_ONCE = 3;
  var KINDS = [
    { kind: "like", emoji: "\uD83D\uDC4D", label: "Like" },
    { kind: "celebrate", emoji: "\uD83C\uDF89", label: "Celebrate" },
    { kind: "thanks", emoji: "\uD83D\uDE4F", label: "Thanks" },
    { kind: "insightful", emoji: "\uD83D\uDCA1", label: "Insightful" }
  ];
  var uid = 0;

  // -- talking to /api -------------------------------------------------------------------------

  var ApiError = window.CommonsApi.ApiError;

  function call(method, path, body, key) {
    return window.CommonsApi.call(method, API + path, body, key);
  }

  // Writes that are safe to repeat (creates carry an idempotency key, toggles a target state) are
  // retried once when the answer is lost on the way; the retry reuses the key, so nothing is made
  // twice. Edits, deletes, hides and restores are not retried: their second try would be refused.
  function send(method, path, body, key) {
    return window.CommonsApi.retried(method, API + path, body, key);
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // One key per submission attempt: a retry of the same text reuses it, new text gets a new one.
  function keyFor(form, text) {
    if (!form.commonsAttempt || form.commonsAttempt.text !== text) {
      form.commonsAttempt = { text: text, key: newKey() };
    }
    return form.commonsAttempt.key;
  }

  // -- small DOM helpers -----------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function button(className, text, onClick) {
    var node = el("button", className, text);
    node.type = "button";
    if (onClick) node.addEventListener("click", onClick);
    return node;
  }

  // Only http(s) links, resolved against the hub's root ("people/x/" → <root>people/x/).
  function hubHref(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      var resolved = new URL(url, ROOT);
      return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : null;
    } catch (ignored) {
      return null;
    }
  }

  function link(url, text, className) {
    var href = hubHref(url);
    var node = el(href ? "a" : "span", className, text);
    if (href) node.href = href;
    return node;
  }

  var absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var relative = typeof Intl.RelativeTimeFormat === "function" ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;

  function timeElement(iso) {
    var node = el("time", "commons-post__time");
    var date = new Date(iso);
    if (isNaN(date.getTime())) return node;
    node.dateTime = iso;
    node.title = absolute.format(date);
    node.textContent = ago(date);
    return node;
  }

  function ago(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    var minutes = Math.round(seconds / 60);
    var hours = Math.round(seconds / 3600);
    var days = Math.round(seconds / 86400);
    if (!relative || days < -6) return absolute.format(date);
    if (Math.abs(seconds) < 45) return "just now";
    if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
    if (Math.abs(hours) < 24) return relative.format(hours, "hour");
    return relative.format(days, "day");
  }

  // "just now" should not stay "just now": refresh the times once a minute while the page is seen.
  window.setInterval(function () {
    if (document.hidden) return;
    Array.prototype.forEach.call(container.querySelectorAll("time.commons-post__time"), function (node) {
      var text = ago(new Date(node.dateTime));
      if (node.textContent !== text) node.textContent = text;
    });
  }, 60000);

  // One polite live region for the page: what an action changed ("Your post is up", "Like, 2").
  // It is in the page, empty, before anything is said, or the first message would not be heard.
  var announcer = el("p", "commons-visually-hidden commons-announcer");
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  container.appendChild(announcer);
  var announcing = 0;

  function announce(text) {
    announcer.textContent = "";
    window.clearTimeout(announcing);
    // Emptied first and filled a moment later, so saying the same thing twice is heard twice.
    announcing = window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // "Post by Aisha Khan, 3 Dec 2026, 09:30": a post's name for screen readers, its author and time.
  function postLabel(post, where) {
    var label = (post.parent ? "Reply by " : "Post by ") + post.author.name + (where ? " in " + where : "");
    var date = new Date(post.created_at);
    return isNaN(date.getTime()) ? label : label + ", " + absolute.format(date);
  }

  function plural(count, one, many) {
    return count.toLocaleString() + " " + (count === 1 ? one : many);
  }

  // An error line that screen readers announce. It is in the page (empty) before any message goes
  // in, and never display:none, or the message would not be announced.
  function errorLine() {
    var node = el("p", "commons-error");
    node.setAttribute("aria-live", "assertive");
    node.tabIndex = -1; // focus moves to it when an action fails
    return node;
  }

  function showError(line, error) {
    line.textContent = "";
    line.appendChild(document.createTextNode(error.message));
    if (error.status === 401) {
      line.appendChild(document.createTextNode(" "));
      var next = window.location.pathname + window.location.search;
      var signIn = error.signIn && error.signIn.charAt(0) === "/" && error.signIn.charAt(1) !== "/"
        ? error.signIn : "/auth/login?next=" + encodeURIComponent(next);
      var again = el("a", "", "Sign in again");
      again.href = signIn;
      line.appendChild(again);
    }
  }

  function clearError(line) {
    line.textContent = "";
  }

  // A form with a labelled textarea and one submit button. `options.onSubmit(text, key)` returns a
  // promise; the text is kept when it fails, and focus goes back to the textarea either way.
  function textForm(options) {
    var form = el("form", "commons-form " + (options.className || ""));
    form.noValidate = true;
    var id = "commons-field-" + (++uid);
    var label = el("label", options.hideLabel ? "commons-visually-hidden" : "commons-form__label", options.label);
    label.htmlFor = id;
    var area = el("textarea", "commons-form__text");
    area.id = id;
    area.name = "body";
    area.rows = options.rows || 3;
    area.value = options.value || "";
    if (options.placeholder) area.placeholder = options.placeholder;
    var error = errorLine();
    error.id = id + "-error";
    area.setAttribute("aria-describedby", error.id);
    var row = el("div", "commons-form__row");
    var submitButton = el("button", "md-button md-button--primary commons-form__submit", options.submit);
    submitButton.type = "submit";
    row.appendChild(submitButton);
    if (options.onCancel) row.appendChild(button("md-button commons-form__cancel", "Cancel", options.onCancel));
    if (options.hint) row.appendChild(el("span", "commons-form__hint", options.hint));
    form.appendChild(label);
    form.appendChild(area);
    form.appendChild(row);
    form.appendChild(error);

    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else submitButton.click();
      }
    });
    area.addEventListener("input", function () {
      if (area.getAttribute("aria-invalid")) { area.removeAttribute("aria-invalid"); clearError(error); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submitButton.disabled) return;
      var text = area.value;
      var length = Array.from(text).length; // characters, as the functions count them
      var problem = !text.trim() ? "Write something first."
        : length > MAX_LENGTH ? "That is " + length.toLocaleString() + " characters; the most is " + MAX_LENGTH.toLocaleString() + "."
        : null;
      if (problem) {
        area.setAttribute("aria-invalid", "true");
        showError(error, new ApiError(problem, 400));
        error.focus();
        return;
      }
      var idleText = submitButton.textContent;
      submitButton.disabled = true;
      submitButton.textContent = options.busy;
      area.readOnly = true;
      clearError(error);
      area.removeAttribute("aria-invalid");
      // Focus lands on what the action made (`onSubmit` may resolve to it), or on the error.
      var focusAfter = null;
      options.onSubmit(text, keyFor(form, text)).then(function (made) {
        form.commonsAttempt = null;
        if (options.clearOnSuccess) area.value = "";
        focusAfter = made || null;
      }, function (failure) {
        area.setAttribute("aria-invalid", "true");
        showError(error, failure);
        focusAfter = error;
      }).then(function () {
        submitButton.disabled = false;
        submitButton.textContent = idleText;
        area.readOnly = false;
        if (focusAfter && focusAfter.isConnected) focusAfter.focus();
        else if (form.isConnected) area.focus();
      });
    });
    return { form: form, area: area, error: error };
  }

  // -- one post --------------------------------------------------------------------------------

  // A post on a space page: its content and actions, re-rendered in place after each change,
  // and for a top-level post, its replies and a reply form that stay put.
  function PostView(post, feed) {
    this.feed = feed;
    this.post = post;
    this.node = el("article", "commons-post" + (post.parent ? " commons-post--reply" : ""));
    this.node.id = "post-" + post.id;
    this.node.tabIndex = -1;
    this.main = null;
    this.render();
    if (!post.parent) this.addThread();
  }

  PostView.prototype.render = function () {
    var post = this.post;
    var view = this;
    var main = el("div", "commons-post__main");
    this.node.setAttribute("aria-label", postLabel(post, null));
    this.node.classList.toggle("is-hidden", !!post.hidden);
    this.node.classList.toggle("is-deleted", !!post.deleted);
    this.node.classList.toggle("is-outcome", !!post.outcome);

    main.appendChild(meta(post, null));
    if (post.hidden) {
      main.appendChild(el("p", "commons-post__hidden", "Hidden by stewards: " + post.hidden.reason));
    }
    if (post.deleted) {
      main.appendChild(el("p", "commons-post__deleted", "This post was deleted."));
    } else {
      var body = el("div", "commons-post__body");
      body.innerHTML = post.html; // sanitised by the functions (nh3) when written
      main.appendChild(body);
    }

    var bar = el("div", "commons-post__bar");
    if (!post.deleted) bar.appendChild(this.reactions());
    var can = post.can || {};
    if (can.mark_outcome) {
      var outcome = button("commons-post__outcome", "", function () { view.toggleOutcome(outcome); });
      outcome.setAttribute("aria-pressed", post.outcome ? "true" : "false");
      outcome.appendChild(el("span", "commons-post__check", "\u2713")).setAttribute("aria-hidden", "true");
      outcome.appendChild(document.createTextNode(" Achieved the outcome"));
      outcome.title = "Mark that this post achieved the space's outcome";
      bar.appendChild(outcome);
    }
    var tools = el("span", "commons-post__tools");
    if (can.edit) tools.appendChild(button("commons-link", "Edit", function () { view.openEditor(); }));
    if (can.delete) tools.appendChild(button("commons-link", "Delete", function () { view.remove(); }));
    if (can.hide) tools.appendChild(button("commons-link", "Hide", function () { view.openHide(); }));
    if (can.restore) tools.appendChild(button("commons-link", "Restore", function () { view.restore(); }));
    if (tools.firstChild) bar.appendChild(tools);
    main.appendChild(bar);
    this.error = errorLine();
    main.appendChild(this.error);

    if (this.editor) main.classList.add("is-editing");
    // A re-render (replies arriving, say) must not drop the keyboard focus on the page's body.
    var focused = this.main && this.main.contains(document.activeElement) ? document.activeElement : null;
    if (this.main) this.node.replaceChild(main, this.main);
    else this.node.insertBefore(main, this.node.firstChild);
    this.main = main;
    if (focused) (counterpart(main, focused) || this.node).focus();
  };

  // The control in a re-rendered post that stands where `old` stood: same kind, same job.
  function counterpart(root, old) {
    var candidates = root.querySelectorAll(old.tagName);
    for (var i = 0; i < candidates.length; i++) {
      var each = candidates[i];
      if (each.className !== old.className || each.getAttribute("data-kind") !== old.getAttribute("data-kind")) continue;
      if (each.getAttribute("data-kind") || each.textContent === old.textContent) return each;
    }
    return null;
  }

  PostView.prototype.update = function (post) {
    this.post = post;
    this.render();
  };

  PostView.prototype.reactions = function () {
    var view = this;
    var group = el("div", "commons-reactions");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Reactions");
    KINDS.forEach(function (info) {
      var state = (view.post.reactions || {})[info.kind] || { count: 0, mine: false };
      var toggle = button("commons-reaction", "", function () { view.react(info.kind, toggle); });
      toggle.setAttribute("aria-pressed", state.mine ? "true" : "false");
      toggle.setAttribute("data-kind", info.kind);
      toggle.appendChild(el("span", "commons-reaction__emoji", info.emoji)).setAttribute("aria-hidden", "true");
      toggle.appendChild(el("span", "commons-reaction__label", info.label));
      toggle.appendChild(document.createTextNode(" ")); // read as "Like 2", not "Like2"
      toggle.appendChild(el("span", "commons-reaction__count", String(state.count)));
      group.appendChild(toggle);
    });
    return group;
  };

  // Buttons that act on the post stay enabled (disabling one would drop the keyboard focus);
  // a click while one is in flight is ignored instead.
  PostView.prototype.act = function (target, work) {
    var view = this;
    if (view.busy) return;
    view.busy = true;
    if (target) target.setAttribute("aria-busy", "true");
    clearError(view.error);
    work().catch(function (failure) {
      showError(view.error, failure);
      view.error.focus();
    }).then(function () {
      view.busy = false;
      if (target) target.removeAttribute("aria-busy");
    });
  };

  PostView.prototype.react = function (kind, toggle) {
    var view = this;
    var on = toggle.getAttribute("aria-pressed") !== "true";
    this.act(toggle, function () {
      var body = { state: on ? "on" : "off", seen: view.post.seen };
      return send("POST", "posts/" + encodeURIComponent(view.post.id) + "/reactions/" + kind, body)
        .then(function (data) {
          view.post.reactions = data.reactions;
          view.post.seen = data.seen;
          // Update the buttons in place, so the person's focus stays on the one they pressed.
          var toggles = view.main.querySelectorAll(".commons-reaction");
          Array.prototype.forEach.call(toggles, function (each) {
            var state = data.reactions[each.getAttribute("data-kind")] || { count: 0, mine: false };
            each.setAttribute("aria-pressed", state.mine ? "true" : "false");
            each.querySelector(".commons-reaction__count").textContent = String(state.count);
          });
          var now = data.reactions[kind] || { count: 0, mine: false };
          var label = KINDS.filter(function (info) { return info.kind === kind; })[0].label;
          announce(label + (now.mine ? ", pressed: " : ", not pressed: ") + plural(now.count, "reaction", "reactions") + ".");
        });
    });
  };

  PostView.prototype.toggleOutcome = function (toggle) {
    var view = this;
    var on = toggle.getAttribute("aria-pressed") !== "true";
    this.act(toggle, function () {
      // The space is sent along so the write can check it instead of reading the post first.
      var body = { state: on ? "on" : "off", space: view.post.space };
      return send("POST", "posts/" + encodeURIComponent(view.post.id) + "/outcome", body)
        .then(function (data) {
          view.post.outcome = data.outcome;
          toggle.setAttribute("aria-pressed", data.outcome ? "true" : "false");
          view.node.classList.toggle("is-outcome", !!data.outcome);
          var old = view.main.querySelector(".commons-post__meta");
          view.main.replaceChild(meta(view.post, null), old);
          if (view.feed) view.feed.refreshOutcomes(data.space_outcomes);
          announce(data.outcome ? "Marked as achieving the space's outcome." : "No longer marked as achieving the outcome.");
        });
    });
  };

  PostView.prototype.openEditor = function () {
    var view = this;
    if (this.editor) { this.editor.area.focus(); return; }
    var editor = textForm({
      className: "commons-form--edit",
      label: "Edit your " + (this.post.parent ? "reply" : "post"),
      submit: "Save",
      busy: "Saving\u2026",
      rows: 4,
      value: this.post.body,
      onCancel: function () { view.closeEditor(); },
      onSubmit: function (text) {
        return call("POST", "posts/" + encodeURIComponent(view.post.id) + "/edit", { body: text, version: view.post.version })
          .then(function (data) {
            view.closeEditor();
            view.update(data.post);
            view.focusTool("Edit");
            announce("Your changes are saved.");
          }, function (failure) {
            if (failure.status !== 409) throw failure;
            // Someone else saved first: show their version, keep this person's text to save over it.
            return call("GET", "posts/" + encodeURIComponent(view.post.id)).then(function (data) {
              view.update(data.post);
              view.main.classList.add("is-editing");
              throw new ApiError(failure.message + " Their version is shown above; your text is kept here. Save again to replace it.", 409);
            }, function () { throw failure; });
          });
      }
    });
    this.editor = editor;
    this.main.parentNode.insertBefore(editor.form, this.main.nextSibling);
    this.main.classList.add("is-editing");
    editor.area.focus();
  };

  PostView.prototype.closeEditor = function () {
    if (!this.editor) return;
    this.editor.form.remove();
    this.editor = null;
    this.main.classList.remove("is-editing");
  };

  PostView.prototype.focusTool = function (name) {
    var tools = this.main.querySelectorAll(".commons-post__tools button");
    for (var i = 0; i < tools.length; i++) {
      if (tools[i].textContent === name) { tools[i].focus(); return; }
    }
    this.node.focus();
  };

  PostView.prototype.remove = function () {
    var view = this;
    var what = this.post.parent ? "reply" : "post";
    if (!window.confirm("Delete this " + what + "?" + (this.post.parent ? "" : " Its replies stay."))) return;
    this.act(null, function () {
      return call("POST", "posts/" + encodeURIComponent(view.post.id) + "/delete", {}).then(function (data) {
        view.closeEditor();
        view.update(data.post);
        view.node.focus();
        announce("The " + what + " is deleted.");
      });
    });
  };

  PostView.prototype.openHide = function () {
    var view = this;
    if (this.hideForm) { this.hideForm.querySelector("input").focus(); return; }
    var form = el("form", "commons-form commons-form--hide");
    form.noValidate = true;
    var id = "commons-field-" + (++uid);
    var label = el("label", "commons-form__label", "Why hide it? The author sees this reason.");
    label.htmlFor = id;
    var input = el("input", "commons-form__input");
    input.type = "text";
    input.id = id;
    input.maxLength = 500;
    var row = el("div", "commons-form__row");
    var submit = el("button", "md-button md-button--primary", "Hide post");
    submit.type = "submit";
    row.appendChild(submit);
    row.appendChild(button("md-button", "Cancel", function () { view.closeHide(); view.focusTool("Hide"); }));
    var error = errorLine();
    error.id = id + "-error";
    input.setAttribute("aria-describedby", error.id);
    input.addEventListener("input", function () {
      if (input.getAttribute("aria-invalid")) { input.removeAttribute("aria-invalid"); clearError(error); }
    });
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(row);
    form.appendChild(error);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) return;
      if (!input.value.trim()) {
        input.setAttribute("aria-invalid", "true");
        showError(error, new ApiError("Give a reason: the author will see it.", 400));
        error.focus();
        return;
      }
      submit.disabled = true;
      call("POST", "posts/" + encodeURIComponent(view.post.id) + "/hide", { reason: input.value.trim() }).then(function (data) {
        view.closeHide();
        view.update(data.post);
        view.focusTool("Restore");
        announce("The post is hidden.");
      }, function (failure) {
        showError(error, failure);
        submit.disabled = false;
        error.focus();
      });
    });
    this.hideForm = form;
    this.main.parentNode.insertBefore(form, this.main.nextSibling);
    input.focus();
  };

  PostView.prototype.closeHide = function () {
    if (this.hideForm) this.hideForm.remove();
    this.hideForm = null;
  };

  PostView.prototype.restore = function () {
    var view = this;
    this.act(null, function () {
      return call("POST", "posts/" + encodeURIComponent(view.post.id) + "/restore", {}).then(function (data) {
        view.update(data.post);
        view.focusTool("Hide");
        announce("The post is shown again.");
      });
    });
  };

  // Replies (one level deep) and the reply form.
  PostView.prototype.addThread = function () {
    var view = this;
    var thread = el("section", "commons-replies");
    thread.setAttribute("aria-label", "Replies to " + this.post.author.name);
    this.replyList = el("div", "commons-replies__list");
    thread.appendChild(this.replyList);
    this.replyStatus = el("p", "commons-replies__status");
    this.replyStatus.hidden = true;
    thread.appendChild(this.replyStatus);
    if (this.post.reply_count > 0) {
      this.replyStatus.textContent = "Loading " + plural(this.post.reply_count, "reply", "replies") + "\u2026";
      this.replyStatus.hidden = false;
    }
    if ((this.post.can || {}).reply) {
      var reply = textForm({
        className: "commons-form--reply",
        label: "Reply to " + this.post.author.name,
        hideLabel: true,
        placeholder: "Write a reply\u2026",
        submit: "Reply",
        busy: "Replying\u2026",
        rows: 1,
        clearOnSuccess: true,
        onSubmit: function (text, key) {
          // The parent as this page saw it, so the write need not read it first.
          var body = { body: text, space: view.post.space, seen: view.post.seen };
          return send("POST", "posts/" + encodeURIComponent(view.post.id) + "/replies", body, key)
            .then(function (data) {
              var made = new PostView(data.post, view.feed);
              view.replyList.appendChild(made.node);
              view.post.reply_count = (view.post.reply_count || 0) + 1;
              announce("Your reply is up.");
              return made.node;
            });
        }
      });
      thread.appendChild(reply.form);
    }
    this.node.appendChild(thread);
  };

  PostView.prototype.loadReplies = function () {
    var view = this;
    return call("GET", "posts/" + encodeURIComponent(this.post.id)).then(function (data) {
      var fragment = document.createDocumentFragment();
      (data.replies || []).forEach(function (reply) { fragment.appendChild(new PostView(reply, view.feed).node); });
      view.replyList.textContent = "";
      view.replyList.appendChild(fragment);
      view.replyStatus.hidden = true;
      if (data.post) view.update(data.post);
    }, function (failure) {
      view.replyStatus.textContent = "";
      view.replyStatus.appendChild(document.createTextNode("The replies could not be loaded: " + failure.message + " "));
      view.replyStatus.appendChild(button("commons-link", "Try again", function () { view.loadReplies(); }));
      view.replyStatus.hidden = false;
    });
  };

  // The line above a post: who, when, whether edited, and (in mixed feeds) where.
  function meta(post, spaceNames) {
    var line = el("p", "commons-post__meta");
    line.appendChild(link(post.author.url, post.author.name, "commons-post__author"));
    if (spaceNames) {
      line.appendChild(document.createTextNode(" in "));
      var spaceUrl = "teams/" + encodeURIComponent(post.space) + "/";
      line.appendChild(link(spaceUrl, spaceNames[post.space] || post.space, "commons-post__space"));
    }
    line.appendChild(document.createTextNode(" \u00b7 "));
    line.appendChild(timeElement(post.created_at));
    if (post.edited_at) {
      var edited = el("span", "commons-post__edited", " (edited)");
      var when = new Date(post.edited_at);
      if (!isNaN(when.getTime())) edited.title = "Edited " + absolute.format(when);
      line.appendChild(edited);
    }
    if (post.outcome) {
      var badge = el("span", "commons-post__badge", "\u2713 Outcome");
      var at = new Date(post.outcome.at);
      badge.title = "Marked as achieving the space's outcome by " + post.outcome.by +
        (isNaN(at.getTime()) ? "" : ", " + absolute.format(at));
      line.appendChild(document.createTextNode(" "));
      line.appendChild(badge);
    }
    return line;
  }

  // -- a space page ----------------------------------------------------------------------------

  function SpaceFeed(root, slug) {
    this.root = root;
    this.slug = slug;
    this.status = root.querySelector(".commons-posts__status");
    this.views = [];
  }

  SpaceFeed.prototype.start = function () {
    var feed = this;
    var path = "spaces/" + encodeURIComponent(this.slug);
    if (window.performance && performance.mark) performance.mark("commons:feed-requested");
    var posts = call("GET", path + "/posts?limit=" + PAGE_SIZE);
    var outcomes = call("GET", path + "/outcomes").catch(function () { return null; });
    posts.then(function (data) {
      feed.first(data);
      outcomes.then(function (counts) { if (counts) feed.showOutcomes(counts.total); });
    }, function (failure) {
      feed.failed(failure, function () { feed.status.textContent = "Loading posts\u2026"; feed.start(); });
    });
  };

  SpaceFeed.prototype.first = function (data) {
    var feed = this;
    var space = data.space || { name: this.slug, can_post: false };
    var fragment = document.createDocumentFragment();

    this.outcomes = el("p", "commons-posts__outcomes");
    this.outcomes.hidden = true;
    fragment.appendChild(this.outcomes);

    if (space.can_post) {
      this.compose = textForm({
        className: "commons-form--post",
        label: "Write a post in " + space.name,
        submit: "Post",
        busy: "Posting\u2026",
        rows: 3,
        hint: "Markdown works. Mention someone with @handle.",
        clearOnSuccess: true,
        onSubmit: function (text, key) {
          return send("POST", "spaces/" + encodeURIComponent(feed.slug) + "/posts", { body: text }, key)
            .then(function (created) {
              var view = new PostView(created.post, feed);
              feed.views.unshift(view);
              feed.list.insertBefore(view.node, feed.list.firstChild);
              feed.status.hidden = true;
              announce("Your post is up.");
              return view.node;
            });
        }
      });
      fragment.appendChild(this.compose.form);
    } else {
      fragment.appendChild(el("p", "commons-posts__note", "You can read this space's posts; posting here is for its members."));
    }
    this.list = el("div", "commons-posts__list");
    fragment.appendChild(this.list);
    this.more = button("md-button commons-posts__more", "Load more posts", function () { feed.loadMore(); });
    fragment.appendChild(this.more);

    this.status.textContent = "No posts yet.";
    this.status.hidden = data.posts.length > 0;
    this.status.parentNode.insertBefore(fragment, this.status);
    this.append(data.posts, data.next);
    if (window.performance && performance.mark) performance.mark("commons:feed-rendered");
    this.showLinked();
    window.addEventListener("hashchange", function () { feed.showLinked(); });
  };

  SpaceFeed.prototype.append = function (posts, next) {
    var feed = this;
    var fragment = document.createDocumentFragment();
    var added = posts.map(function (post) { return new PostView(post, feed); });
    added.forEach(function (view) { fragment.appendChild(view.node); });
    this.list.appendChild(fragment);
    this.views = this.views.concat(added);
    this.next = next || null;
    this.more.hidden = !this.next;
    this.loadReplies(added.filter(function (view) { return view.post.reply_count > 0; }));
    return added;
  };

  // Replies come after the feed is on screen, a few threads at a time.
  SpaceFeed.prototype.loadReplies = function (views) {
    var queue = views.slice();
    function nextThread() {
      var view = queue.shift();
      if (view) return view.loadReplies().then(nextThread);
      return null;
    }
    for (var i = 0; i < REPLY_LOADS_AT_ONCE; i++) nextThread();
  };

  SpaceFeed.prototype.loadMore = function () {
    var feed = this;
    if (!this.next || this.more.disabled) return;
    this.more.disabled = true;
    this.more.textContent = "Loading\u2026";
    var path = "spaces/" + encodeURIComponent(this.slug) + "/posts?limit=" + PAGE_SIZE + "&cursor=" + encodeURIComponent(this.next);
    call("GET", path).then(function (data) {
      feed.status.hidden = true; // an earlier page's "could not be loaded", now out of date
      var added = feed.append(data.posts, data.next);
      // Keyboard and screen reader users continue at the first new post.
      if (added.length) added[0].node.focus();
      else feed.compose && feed.compose.area.focus();
    }, function (failure) {
      feed.failed(failure, function () { feed.loadMore(); });
    }).then(function () {
      feed.more.disabled = false;
      feed.more.textContent = "Load more posts";
    });
  };

  // A mark's answer carries no total (it would cost the functions another read): re-read it.
  SpaceFeed.prototype.refreshOutcomes = function (known) {
    var feed = this;
    if (known && typeof known.total === "number") { this.showOutcomes(known.total); return; }
    call("GET", "spaces/" + encodeURIComponent(this.slug) + "/outcomes").then(function (counts) {
      feed.showOutcomes(counts.total);
    }, function () { /* the count catches up on the next load */ });
  };

  SpaceFeed.prototype.showOutcomes = function (total) {
    if (!this.outcomes) return;
    this.outcomes.textContent = "";
    var strong = el("strong", "", total.toLocaleString());
    this.outcomes.appendChild(strong);
    this.outcomes.appendChild(document.createTextNode(
      (total === 1 ? " post has" : " posts have") + " achieved this space's outcome."));
    this.outcomes.hidden = false;
  };

  SpaceFeed.prototype.failed = function (failure, retry) {
    failed(this.status, failure, retry);
  };

  // A link from another page (#post-<id>): scroll to that post, loading it if it is not on this page.
  SpaceFeed.prototype.showLinked = function () {
    var feed = this;
    var match = /^#post-([0-9A-Za-z]{10,40})$/.exec(window.location.hash);
    if (!match) return;
    var present = document.getElementById("post-" + match[1]);
    if (!present && this.linking === match[1]) return;
    this.linking = match[1];
    if (present) { present.scrollIntoView(); present.focus({ preventScroll: true }); return; }
    call("GET", "posts/" + encodeURIComponent(match[1])).then(function (data) {
      var target = data.post;
      if (!target || target.space !== feed.slug) return;
      var view = new PostView(target, feed);
      var box = el("div", "commons-posts__linked");
      box.appendChild(el("p", "commons-posts__linked-label", "The post you followed a link to"));
      box.appendChild(view.node);
      feed.list.parentNode.insertBefore(box, feed.list);
      var fragment = document.createDocumentFragment();
      (data.replies || []).forEach(function (reply) { fragment.appendChild(new PostView(reply, feed).node); });
      view.replyList.appendChild(fragment);
      view.replyStatus.hidden = true;
      view.node.scrollIntoView();
      view.node.focus({ preventScroll: true });
    }, function () { /* the feed is there; a stale link is not worth an error */ });
  };

  function failed(status, failure, retry) {
    status.hidden = false;
    status.textContent = "";
    var line = errorLine();
    status.appendChild(line);
    showError(line, new ApiError("The posts could not be loaded: " + failure.message, failure.status, failure.code, failure.signIn));
    if (failure.status !== 401 && retry) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(button("commons-link", "Try again", retry));
    }
  }

  // -- the home page and person pages: read-only lists ---------------------------------------

  function MixedFeed(root, path, emptyText) {
    this.root = root;
    this.path = path;
    this.emptyText = emptyText;
    this.status = root.querySelector(".commons-posts__status");
  }

  MixedFeed.prototype.start = function () {
    var feed = this;
    var names = fetch(new URL("spaces.json", ROOT), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .catch(function () { return {}; });
    var posts = call("GET", this.path + "?limit=" + MIXED_PAGE_SIZE);
    Promise.all([posts, names]).then(function (both) {
      feed.names = both[1] || {};
      feed.first(both[0]);
    }, function (failure) {
      failed(feed.status, failure, function () { feed.status.textContent = "Loading posts\u2026"; feed.start(); });
    });
  };

  MixedFeed.prototype.first = function (data) {
    var feed = this;
    var fragment = document.createDocumentFragment();
    this.list = el("ol", "commons-posts__list commons-posts__list--mixed");
    fragment.appendChild(this.list);
    this.more = button("md-button commons-posts__more", "Load more posts", function () { feed.loadMore(); });
    fragment.appendChild(this.more);
    this.status.textContent = this.emptyText;
    this.status.hidden = data.posts.length > 0;
    this.status.parentNode.insertBefore(fragment, this.status);
    this.append(data);
  };

  MixedFeed.prototype.append = function (data) {
    var fragment = document.createDocumentFragment();
    var names = this.names;
    var items = data.posts.map(function (post) { return summary(post, names); });
    items.forEach(function (item) { fragment.appendChild(item); });
    this.list.appendChild(fragment);
    this.next = data.next || null;
    this.more.hidden = !this.next;
    return items;
  };

  MixedFeed.prototype.loadMore = function () {
    var feed = this;
    if (!this.next || this.more.disabled) return;
    this.more.disabled = true;
    call("GET", this.path + "?limit=" + MIXED_PAGE_SIZE + "&cursor=" + encodeURIComponent(this.next)).then(function (data) {
      feed.status.hidden = true; // an earlier page's "could not be loaded", now out of date
      var items = feed.append(data);
      if (items.length) items[0].querySelector("article").focus();
    }, function (failure) {
      failed(feed.status, failure, function () { feed.loadMore(); });
    }).then(function () { feed.more.disabled = false; });
  };

  // A post in a mixed feed: who, where, when, the text, and a link to it on its space's page.
  function summary(post, names) {
    var item = el("li", "commons-posts__item");
    var node = el("article", "commons-post commons-post--summary");
    node.id = "post-" + post.id;
    node.tabIndex = -1;
    node.setAttribute("aria-label", postLabel(post, names[post.space] || post.space));
    node.classList.toggle("is-outcome", !!post.outcome);
    node.appendChild(meta(post, names));
    if (post.hidden) node.appendChild(el("p", "commons-post__hidden", "Hidden by stewards: " + post.hidden.reason));
    if (post.deleted) {
      node.appendChild(el("p", "commons-post__deleted", "This post was deleted."));
    } else {
      var body = el("div", "commons-post__body");
      body.innerHTML = post.html; // sanitised by the functions (nh3) when written
      node.appendChild(body);
    }
    var foot = el("p", "commons-post__foot");
    var counts = el("span", "commons-post__counts");
    KINDS.forEach(function (info) {
      var state = (post.reactions || {})[info.kind];
      if (!state || !state.count) return;
      var count = el("span", "commons-post__count");
      var emoji = el("span", "", info.emoji);
      emoji.setAttribute("role", "img");
      emoji.setAttribute("aria-label", info.label);
      count.appendChild(emoji);
      count.appendChild(document.createTextNode(" " + state.count));
      counts.appendChild(count);
    });
    if (post.reply_count) counts.appendChild(el("span", "commons-post__count", plural(post.reply_count, "reply", "replies")));
    if (counts.firstChild) foot.appendChild(counts);
    var open = link("teams/" + encodeURIComponent(post.space) + "/#post-" + encodeURIComponent(post.id),
      "Open in " + (names[post.space] || post.space), "commons-post__open");
    foot.appendChild(open);
    node.appendChild(foot);
    item.appendChild(node);
    return item;
  }

  // -- start -----------------------------------------------------------------------------------

  // Hidden in the page as built, so that browsers without JavaScript never see "Loading posts".
  var loading = container.querySelector(".commons-posts__status");
  if (loading) loading.hidden = false;
  var space = container.getAttribute("data-space");
  var person = container.getAttribute("data-person");
  if (space) {
    new SpaceFeed(container, space).start();
  } else if (person) {
    new MixedFeed(container, "people/" + encodeURIComponent(person) + "/posts", "No posts yet.").start();
  } else if (container.getAttribute("data-feed") === "org") {
    new MixedFeed(container, "feed", "Nobody has posted yet.").start();
  }
})();
