/*
 * The SCORM launcher's commit queue (loaded before player.js): every commit is kept in localStorage until the
 * server has settled it, and replayed on the next load, after a navigation, after a terminate commit sent by
 * beacon, or when the browser comes back online (the server ignores repeats by sequence number). The keys carry
 * the learner's opaque store key, the block and the attempt, so on a shared computer nobody else's page sends
 * them; each commit carries its attempt's token, so the server refuses it for anyone else.
 */
(function () {
  "use strict";
  // the server's answers that settle a commit: stored, a repeat, or refused for good (superseded, closed, bad)
  var SETTLED = ["stale_commit", "stale_attempt", "invalid_data", "wrong_learner", "unknown_sco", "bad_payload"];

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function read(store, key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }

  function settles(answer) {
    return !!answer && (answer.result === true || answer.result === "true" || SETTLED.indexOf(answer.errorMessage) >= 0);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  /* The queue of one learner, block and page: ``prefix`` names the learner and the block. */
  function Queue(prefix, commitUrl) {
    function key(body) { return prefix + body.attempt + ":" + body.sco; }

    function remember(body) {
      var store = storage();
      if (store) { try { store.setItem(key(body), JSON.stringify(body)); } catch (e) { /* full: beacon still goes */ } }
    }

    function isKept(body) {
      var store = storage();
      var kept = store && body ? read(store, key(body)) : null;
      return !!kept && kept.seq === body.seq;
    }

    function forget(body) {
      var store = storage();
      if (!store || !body) { return; }
      var kept = read(store, key(body));
      if (kept && kept.seq <= body.seq) { store.removeItem(key(body)); }
    }

    /* Send what never reached the server; ``onAnswer`` sees each answer. Resolves to {replayed, reached}. */
    function replay(onAnswer) {
      var store = storage();
      if (!store) { return Promise.resolve({replayed: false, reached: true}); }
      var keys = [];
      for (var i = 0; i < store.length; i += 1) {
        var name = store.key(i);
        if (name && name.indexOf(prefix) === 0) { keys.push(name); }
      }
      return keys.reduce(function (chain, name) {
        return chain.then(function () {
          var body = read(store, name);
          if (!body) { store.removeItem(name); return; }
          return post(commitUrl, body).then(function (answer) {
            if (settles(answer)) { forget(body); }
            if (onAnswer) { onAnswer(answer); }
          });
        });
      }, Promise.resolve()).then(function () { return {replayed: keys.length > 0, reached: true}; },
                                 function () { return {replayed: keys.length > 0, reached: false}; });
    }

    return {remember: remember, isKept: isKept, forget: forget, replay: replay};
  }

  window.MoocBridgeScormQueue = {Queue: Queue, post: post, csrfToken: csrfToken, settles: settles};
})();
