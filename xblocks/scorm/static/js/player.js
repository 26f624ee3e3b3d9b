/*
 * The SCORM launcher page: installs scorm-again's runtime API for the SCO in the frame below, sends its
 * commits to the block, and makes sure nothing the learner did is lost:
 *   - every commit is kept in localStorage until the server has acknowledged it, and replayed on the
 *     next load or when the browser comes back online (the server ignores repeats by sequence number);
 *   - when the page is closed before the SCO terminated, the last state goes out by navigator.sendBeacon.
 * Text shown to learners comes from the server-rendered page, not from here.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mb-scorm-config").textContent);
  var frame = document.querySelector(".mb-sco");
  var offlineNotice = document.querySelector(".mb-offline");
  var STORE = "mooc-bridge-scorm:" + config.block + ":";
  var is12 = config.version === "1.2";
  var state = {sco: null, api: null, seq: 0, attempt: config.attempt, navRequest: null, lastBody: null};

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function pendingKey(body) { return STORE + body.attempt + ":" + body.sco; }

  function remember(body) {
    var store = storage();
    if (store) { try { store.setItem(pendingKey(body), JSON.stringify(body)); } catch (e) { /* full: beacon still goes */ } }
  }

  function forget(body) {
    var store = storage();
    if (!store || !body) { return; }
    var kept = JSON.parse(store.getItem(pendingKey(body)) || "null");
    if (kept && kept.seq <= body.seq) { store.removeItem(pendingKey(body)); }
  }

  function setOffline(flag) {
    if (offlineNotice) { offlineNotice.hidden = !flag; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  /* Send the commits that never reached the server, then forget those the server has settled. */
  function replayPending() {
    var store = storage();
    if (!store) { return Promise.resolve(false); }
    var keys = [];
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(STORE) === 0) { keys.push(key); }
    }
    return keys.reduce(function (chain, key) {
      return chain.then(function () {
        var body = JSON.parse(store.getItem(key) || "null");
        if (!body) { return; }
        return post(config.commitUrl, body).then(function (answer) {
          // stored, a repeat, or superseded by newer data: either way the server has settled it
          if (answer.result === true || answer.errorMessage === "stale_commit" ||
              answer.errorMessage === "stale_attempt" || answer.errorMessage === "invalid_data") {
            store.removeItem(key);
          }
        });
      });
    }, Promise.resolve()).then(function () { setOffline(false); return keys.length > 0; },
                               function () { setOffline(true); return keys.length > 0; });
  }

  function isActive(api) {
    return api && typeof api.isInitialized === "function" && api.isInitialized() &&
      !(typeof api.isTerminated === "function" && api.isTerminated());
  }

  function makeApi(sco, start) {
    var settings = {
      lmsCommitUrl: config.commitUrl,
      dataCommitFormat: "flattened",
      autocommit: true,
      autocommitSeconds: 30,
      logLevel: 4,
      xhrHeaders: {"X-CSRFToken": csrfToken()},
      requestHandler: function (data, meta) {
        state.seq += 1;
        var body = {sco: sco, attempt: state.attempt, seq: state.seq,
                    terminate: !!(meta && meta.isTerminateCommit), data: data};
        remember(body);
        state.lastBody = body;
        return body;
      }
    };
    var api = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    api.loadFromFlattenedJSON(start.values, "");
    api.on("CommitSuccess", function () { forget(state.lastBody); setOffline(false); });
    api.on("CommitError", function () { setOffline(true); });
    if (!is12) {
      api.on("SetValue.adl.nav.request", function (element, value) { state.navRequest = value; });
      api.on("Terminate", function () { window.setTimeout(followNavRequest, 0); });
    }
    return api;
  }

  function currentItemIndex() {
    for (var i = 0; i < config.items.length; i += 1) {
      if (config.items[i].id === state.sco) { return i; }
    }
    return -1;
  }

  function launchable(index, step) {
    for (var i = index + step; i >= 0 && i < config.items.length; i += step) {
      if (config.items[i].url) { return config.items[i].id; }
    }
    return null;
  }

  /* SCORM 2004 navigation requests the SCO made before it terminated: continue, previous, choice. */
  function followNavRequest() {
    var request = state.navRequest || "";
    state.navRequest = null;
    var index = currentItemIndex();
    var target = null;
    if (request === "continue") { target = launchable(index, 1); }
    else if (request === "previous") { target = launchable(index, -1); }
    else {
      var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
      if (choice) { target = choice[1]; }
    }
    if (target) { switchTo(target); }
  }

  function start(sco, launch) {
    state.sco = sco;
    state.attempt = launch.attempt;
    state.seq = launch.next_sequence - 1;
    state.api = makeApi(sco, launch);
    if (is12) { window.API = state.api; } else { window.API_1484_11 = state.api; }
    var links = document.querySelectorAll(".mb-toc a[data-item]");
    for (var i = 0; i < links.length; i += 1) {
      links[i].setAttribute("aria-current", links[i].getAttribute("data-item") === sco ? "true" : "false");
    }
    for (var j = 0; j < config.items.length; j += 1) {
      if (config.items[j].id === sco) { frame.src = config.items[j].url; }
    }
  }

  function terminate() {
    if (isActive(state.api)) {
      if (is12) { state.api.LMSFinish(""); } else { state.api.Terminate(""); }
    }
  }

  function switchTo(sco) {
    if (sco === state.sco && isActive(state.api)) { return; }
    terminate();
    frame.src = "about:blank";
    post(config.launchUrl, {sco: sco}).then(function (launch) { start(sco, launch); },
                                            function () { setOffline(true); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".mb-toc a[data-item]");
    if (link) {
      event.preventDefault();
      switchTo(link.getAttribute("data-item"));
    }
  });

  /* The page is going away while the SCO is still running: send its last state by beacon. */
  window.addEventListener("pagehide", function () {
    var api = state.api;
    if (!isActive(api) || typeof navigator.sendBeacon !== "function") { return; }
    state.seq += 1;
    var body = {sco: state.sco, attempt: state.attempt, seq: state.seq, terminate: true,
                data: api.renderCommitCMI(true)};
    remember(body);
    var form = new FormData();
    form.append("csrfmiddlewaretoken", csrfToken());
    form.append("payload", JSON.stringify(body));
    navigator.sendBeacon(config.beaconUrl, form);
  });

  window.addEventListener("online", function () { replayPending(); });

  replayPending().then(function (replayed) {
    if (replayed) {
      switchTo(config.sco);  // the server moved on: fetch fresh values and sequence numbers
    } else {
      start(config.sco, config);
    }
  });
})();
