/*
 * The SCORM launcher page: installs scorm-again's runtime API for the SCO in the frame below, sends its
 * commits to the block, and makes sure nothing the learner did is lost:
 *   - every commit is kept in localStorage until the server has acknowledged it, and replayed on the
 *     next load or when the browser comes back online (the server ignores repeats by sequence number);
 *     the queue is the learner's own: its keys carry the learner's opaque store key, the block and the
 *     attempt, so on a shared computer nobody else's page ever sends it, and each commit carries its
 *     attempt's token, so the server refuses it for anyone else;
 *   - when the page is closed before the SCO terminated, the last state goes out by navigator.sendBeacon.
 * Text shown to learners comes from the server-rendered page, not from here.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mb-scorm-config").textContent);
  var frame = document.querySelector(".mb-sco");
  var offlineNotice = document.querySelector(".mb-offline");
  var refusedNotice = document.querySelector(".mb-refused");
  var endedNotice = document.querySelector(".mb-ended");
  var continueButton = document.querySelector(".mb-continue");
  var previousButton = document.querySelector(".mb-previous");
  var STORE = "mooc-bridge-scorm:v2:" + config.store + ":" + config.block + ":";
  var is12 = config.version === "1.2";
  var sequenced = !is12 && !!config.sequencing;
  var state = {sco: null, api: null, seq: 0, attempt: config.attempt, token: config.token, navRequest: null,
               lastBody: null, engineSeq: config.engine_sequence, restored: null,
               positioning: false, delivered: null, choice: {}, switching: false};

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

  function isKept(body) {
    var store = storage();
    var kept = store ? JSON.parse(store.getItem(pendingKey(body)) || "null") : null;
    return !!kept && kept.seq === body.seq;
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
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
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
              answer.errorMessage === "stale_attempt" || answer.errorMessage === "invalid_data" ||
              answer.errorMessage === "wrong_learner") {
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
      // SCORM 1.2 RTE 3.4.4: LMSFinish with no status set records "completed" (passed/failed against the
      // mastery score, scorm-again's mastery_override); the server applies the same rule to what it stores
      autoCompleteLessonStatus: true,
      logLevel: 4,
      xhrHeaders: {"X-CSRFToken": csrfToken()},
      requestHandler: function (data, meta) {
        state.seq += 1;
        var body = withEngine({sco: sco, attempt: state.attempt, token: state.token, seq: state.seq,
                               terminate: !!(meta && meta.isTerminateCommit), data: data}, api);
        remember(body);
        state.lastBody = body;
        // scorm-again's synchronous commits report no error event: a body still kept afterwards did not arrive
        window.setTimeout(function () { if (isKept(body)) { setOffline(true); } }, 0);
        return body;
      }
    };
    if (sequenced) { settings.sequencing = sequencingSettings(); }
    var api = is12 ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    if (sequenced) { repairDurationAliases(api); }
    api.loadFromFlattenedJSON(start.values, "");
    state.restored = null;
    if (sequenced && start.engine && typeof api.deserializeSequencingState === "function") {
      // the attempt's one engine, as the server kept it: attempt counts, rollup, global objectives, current activity
      try { if (api.deserializeSequencingState(start.engine)) { state.restored = JSON.parse(start.engine); } }
      catch (e) { state.restored = null; }
    }
    api.on("CommitSuccess", function () { forget(state.lastBody); setOffline(false); });
    api.on("CommitError", function () { setOffline(true); });
    if (!is12) {
      api.on("SetValue.adl.nav.request", function (element, value) { state.navRequest = value; });
      api.on("Terminate", function () { window.setTimeout(function () { followNavRequest(api); }, 0); });
    }
    return api;
  }

  /* scorm-again 3.4.3's Activity reads and writes attemptAbsoluteDuration (and activityAbsoluteDuration) as an
     alias of the LIMIT, so its delivery check (DB.1.1) compares a limit with itself and refuses every activity
     with an attemptAbsoluteDurationLimit, and a new attempt clears the limit. Point the aliases at the measured
     durations (…DurationValue), once per page, only while the class still has the alias (ADR 0027). */
  function repairDurationAliases(api) {
    var tree = api._sequencing && api._sequencing.activityTree;
    var proto = tree && tree.root ? Object.getPrototypeOf(tree.root) : null;
    if (!proto) { return; }
    [["attemptAbsoluteDuration", "_attemptAbsoluteDurationLimit", "attemptAbsoluteDurationValue"],
     ["activityAbsoluteDuration", "_activityAbsoluteDurationLimit", "activityAbsoluteDurationValue"]].forEach(function (names) {
      var descriptor = Object.getOwnPropertyDescriptor(proto, names[0]);
      if (!descriptor || !descriptor.get || String(descriptor.get).indexOf(names[1]) < 0) { return; }
      Object.defineProperty(proto, names[0], {
        configurable: true, enumerable: descriptor.enumerable,
        get: function () { return this[names[2]] || "PT0H0M0S"; },
        set: function (value) { try { this[names[2]] = value; } catch (e) { /* not a duration: keep the old one */ } }
      });
    });
  }

  /* SCORM 2004 sequencing: scorm-again's engine, fed with the activity tree the server built from the manifest. */
  function sequencingSettings() {
    var settings = JSON.parse(JSON.stringify(config.sequencing));
    settings.eventListeners = {
      onActivityDelivery: function (activity) { delivered(activity.id); },
      onNavigationValidityUpdate: function (data) { showValidity(data); },
      onSequencingSessionEnd: function () { window.setTimeout(endSession, 0); }
    };
    return settings;
  }

  function delivered(id) {
    state.delivered = id;
    if (!state.positioning && id !== state.sco) { window.setTimeout(function () { switchTo(id, "jump"); }, 0); }
  }

  function truthy(value) { return value === true || value === "true"; }

  /* The engine's look-ahead for a choice also applies limit conditions (an attemptLimit used up), which its
     validity map leaves out; the map is the fallback when the look-ahead is not there. */
  function choiceAllowed(id) {
    var process = state.api && state.api._sequencing && state.api._sequencing.overallSequencingProcess;
    if (id in state.choice && !truthy(state.choice[id])) { return false; }
    if (process && typeof process.predictChoiceEnabled === "function") {
      try { return !!process.predictChoiceEnabled(id); } catch (e) { return true; }
    }
    return true;
  }

  function showValidity(data) {
    state.choice = data.choice || {};
    if (continueButton) { continueButton.disabled = !truthy(data["continue"]); }
    if (previousButton) { previousButton.disabled = !truthy(data.previous); }
    var links = document.querySelectorAll(".mb-toc a[data-item]");
    for (var i = 0; i < links.length; i += 1) {
      var id = links[i].getAttribute("data-item");
      links[i].setAttribute("aria-disabled", choiceAllowed(id) ? "false" : "true");
    }
  }

  /* A restored engine has delivered nothing in this page: ask it for the navigation state it now allows. */
  function refreshValidity(api) {
    var service = api._sequencingService;
    var process = service && typeof service.getOverallSequencingProcess === "function" &&
      service.getOverallSequencingProcess();
    if (process && typeof process.updateNavigationValidity === "function") {
      try { process.updateNavigationValidity(); } catch (e) { /* the buttons keep their last state */ }
    }
  }

  /* The engine's whole state travels with every commit, launch and beacon; the server keeps the newest. */
  function engineText(api) {
    if (!sequenced || !api || typeof api.serializeSequencingState !== "function") { return null; }
    try { return api.serializeSequencingState(); } catch (e) { return null; }
  }

  function withEngine(body, api) {
    var text = engineText(api);
    if (text) { state.engineSeq += 1; body.engine = text; body.engine_seq = state.engineSeq; }
    return body;
  }

  function saveEngine() {
    var body = withEngine({attempt: state.attempt, token: state.token}, state.api);
    if (body.engine) { post(config.engineUrl, body).then(null, function () { /* the next commit carries it */ }); }
  }

  function showRefused(flag) { if (refusedNotice) { refusedNotice.hidden = !flag; } }

  function endSession() {
    if (state.switching) { return; }
    saveEngine();
    frame.src = "about:blank";
    if (endedNotice) { endedNotice.hidden = false; }
  }

  /* Place a new API's engine on the SCO being launched. With the attempt's kept engine restored: nothing to do
     when that engine delivered this SCO; its current SCO instead when it has another; else resume the suspended
     activity or start. Without one (a record from before the engine was kept): "jump" when an engine already
     chose the SCO, else "start", over the global objectives rebuilt from the committed data. Answers the SCO to
     switch to, if not this one. */
  function position(api, sco, how) {
    var restored = state.restored && state.restored.sequencing;
    if (restored && restored.currentActivity === sco) { return null; }  // the engine already delivered it
    if (restored && launchableItem(restored.currentActivity)) { return restored.currentActivity; }  // go on there
    if (!restored && typeof api.restoreGlobalObjectiveSnapshot === "function") {
      api.restoreGlobalObjectiveSnapshot(state.globals || {});  // a record from before the engine was kept
    }
    if (restored && how !== "jump") { how = restored.suspendedActivity ? "resumeAll" : "start"; }
    else if (restored) { how = "choice"; }
    state.positioning = true;
    state.delivered = null;
    var ok = false;
    try { ok = api.processNavigationRequest(how, how === "choice" || how === "jump" ? sco : undefined); }
    catch (e) { ok = false; }
    if (!ok && !restored && how !== "jump") {
      try { api.processNavigationRequest("jump", sco); } catch (e) { /* the SCO still runs without sequencing */ }
    }
    state.positioning = false;
    return state.delivered && state.delivered !== sco ? state.delivered : null;
  }

  function currentItemIndex() {
    for (var i = 0; i < config.items.length; i += 1) {
      if (config.items[i].id === state.sco) { return i; }
    }
    return -1;
  }

  function launchableItem(id) {
    for (var i = 0; i < config.items.length; i += 1) {
      if (config.items[i].id === id && config.items[i].url) { return true; }
    }
    return false;
  }

  function launchable(index, step) {
    for (var i = index + step; i >= 0 && i < config.items.length; i += step) {
      if (config.items[i].url) { return config.items[i].id; }
    }
    return null;
  }

  /* SCORM 2004 navigation requests the SCO made before it terminated: continue, previous, choice, exit. */
  function followNavRequest(api) {
    var request = state.navRequest || "";
    state.navRequest = null;
    if (!request || request === "_none_" || api !== state.api || state.switching) { return; }
    var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request);
    if (sequenced) {
      // the engine may have acted on the request at Terminate already; otherwise ask it now
      if (state.delivered === state.sco || state.delivered === null) {
        var ok = false;
        try {
          ok = choice ? api.processNavigationRequest(choice[2], choice[1]) : api.processNavigationRequest(request);
        } catch (e) { ok = false; }
        if (!ok && !/^(exit|exitAll|suspendAll|abandon|abandonAll)$/.test(request)) { showRefused(true); }
      }
      return;
    }
    var index = currentItemIndex();
    var target = null;
    if (request === "continue") { target = launchable(index, 1); }
    else if (request === "previous") { target = launchable(index, -1); }
    else if (choice) { target = choice[1]; }
    else if (request === "exitAll" || request === "suspendAll") { endSession(); }
    if (target) { switchTo(target); }
  }

  /* The learner asked the LMS to move on (buttons, table of contents). */
  function navigate(request, target) {
    showRefused(false);
    if (!sequenced) {
      var next = request === "choice" ? target : launchable(currentItemIndex(), request === "previous" ? -1 : 1);
      if (next) { switchTo(next); }
      return;
    }
    if (request === "choice" && !choiceAllowed(target)) {
      showRefused(true);
      return;
    }
    var api = state.api;
    var from = state.sco;
    // the SCO ends its session first, so its status counts when the rules are evaluated
    unloadSco(function () {
      var ok = false;
      try {
        ok = request === "choice" ? api.processNavigationRequest("choice", target) : api.processNavigationRequest(request);
      } catch (e) { ok = false; }
      if (!ok) {
        showRefused(true);
        switchTo(from, "jump");  // the current activity was ended: open it again
      }
    });
  }

  /* Unload the SCO's page so that it saves and terminates as it does when a learner leaves it; force the end
     if it does not; then send whatever the browser could not send while the page was unloading. */
  function unloadSco(next) {
    var api = state.api;
    var done = false;
    function finish() {
      if (done) { return; }
      done = true;
      frame.removeEventListener("load", finish);
      if (isActive(api)) { terminate(); }
      replayPending().then(next, next);
    }
    if (!isActive(api) && (frame.getAttribute("src") || "about:blank") === "about:blank") { finish(); return; }
    frame.addEventListener("load", finish);
    frame.src = "about:blank";
    window.setTimeout(finish, 3000);
  }

  function start(sco, launch) {
    state.sco = sco;
    state.attempt = launch.attempt;
    state.token = launch.token;
    state.seq = launch.next_sequence - 1;
    state.globals = launch.globals || {};
    if (launch.engine_sequence > state.engineSeq) { state.engineSeq = launch.engine_sequence; }
    state.api = makeApi(sco, launch);
    if (is12) { window.API = state.api; } else { window.API_1484_11 = state.api; }
    state.switching = false;
    if (sequenced) {
      var how = launch.how || (launch.next_sequence > 0 ? "jump" : "start");
      var other = position(state.api, sco, how);
      if (other) { switchTo(other, "jump"); return; }
      if (state.restored) { refreshValidity(state.api); }
    }
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

  function switchTo(sco, how) {
    if (sco === state.sco && isActive(state.api)) { return; }
    state.switching = true;
    unloadSco(function () {
      var body = withEngine({sco: sco, attempt: state.attempt, token: state.token}, state.api);
      post(config.launchUrl, body).then(function (launch) { launch.how = how; start(sco, launch); },
                                        function (error) {
                                          state.switching = false;
                                          // 409: the server's kept engine shows the activity's attempts used up
                                          if (error.status === 409) { showRefused(true); } else { setOffline(true); }
                                        });
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".mb-toc a[data-item]");
    if (link) {
      event.preventDefault();
      navigate("choice", link.getAttribute("data-item"));
    }
  });
  if (continueButton) { continueButton.addEventListener("click", function () { navigate("continue"); }); }
  if (previousButton) { previousButton.addEventListener("click", function () { navigate("previous"); }); }

  /* The page is going away while the SCO is still running: send its last state by beacon. */
  window.addEventListener("pagehide", function () {
    var api = state.api;
    if (!isActive(api) || typeof navigator.sendBeacon !== "function") { return; }
    state.seq += 1;
    var body = withEngine({sco: state.sco, attempt: state.attempt, token: state.token, seq: state.seq,
                           terminate: true, data: api.renderCommitCMI(true)}, api);
    remember(body);
    var form = new FormData();
    form.append("csrfmiddlewaretoken", csrfToken());
    form.append("payload", JSON.stringify(body));
    navigator.sendBeacon(config.beaconUrl, form);
  });

  window.addEventListener("online", function () { replayPending(); });

  /* For tests and support: what the launcher is doing (read-only use). */
  window.MoocBridgeScormPlayer = {state: state, config: config};

  replayPending().then(function (replayed) {
    if (replayed) {
      switchTo(config.sco);  // the server moved on: fetch fresh values and sequence numbers
    } else {
      start(config.sco, config);
    }
  });
})();
