// The hub's one way to talk to /api, for every script of the hub (posts, mail preferences, feed
// links): JSON in and out with the session cookie, and every failure an ApiError holding the
// server's own message, its status, its error code and where to sign in again.
//
// Loaded before the scripts that use it. A page may list it twice (a space page loads it before
// commons-posts.js, which starts at once, and mkdocs loads it on every page): the second is a no-op.
(function () {
  "use strict";
  if (window.CommonsApi) return;

  function ApiError(message, status, code, signIn) {
    this.message = message;
    this.status = status;
    this.code = code || "";
    this.signIn = signIn || "";
  }

  // No extra request headers or cache mode on reads: a space page preloads its feed (<link
  // rel=preload as=fetch>), and the browser only hands that over to a plain same-origin fetch.
  function call(method, path, body, key) {
    var headers = {};
    var init = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (key) headers["Idempotency-Key"] = key;
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (ignored) { data = null; }
        if (response.ok && data) return data;
        var message = data && typeof data.message === "string" ? data.message
          : "Commons could not do that (HTTP " + response.status + "). Please try again.";
        throw new ApiError(message, response.status, data && data.error, data && data.sign_in);
      });
    }, function () {
      throw new ApiError("Commons could not be reached. Check your connection and try again.", 0);
    });
  }

  // For writes that are safe to repeat (a create with its idempotency key, a toggle to a target
  // state, a whole set of preferences): once more when the answer was lost on the way.
  function retried(method, path, body, key) {
    return call(method, path, body, key).catch(function (error) {
      if (error.status !== 0 && error.status !== 502 && error.status !== 503 && error.status !== 504) throw error;
      return new Promise(function (resolve) { window.setTimeout(resolve, 400); }).then(function () {
        return call(method, path, body, key);
      });
    });
  }

  // Who is signed in (/api/me), asked once per page however many scripts want to know.
  var asked = null;
  function me() {
    if (!asked) asked = call("GET", "/api/me");
    return asked;
  }

  window.CommonsApi = { ApiError: ApiError, call: call, retried: retried, me: me };
})();
