/*
 * The SCORM launcher page: installs scorm-again's runtime API for the SCO in the frame below, sends its
 * commits to the block, and makes sure nothing the learner did is lost (player-queue.js keeps every commit
 * until the server settled it; when the page is closed before the SCO terminated, the last state goes out by
 * navigator.sendBeacon). What the learner sees is player-ui.js. With an operator's content origin the SCO runs
 * on that other origin and reaches the API through scorm-again's CrossFrameLMS (ADR 0031).
 * Text shown to learners comes from the server-rendered page, not from here.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mb-scorm-config").textContent);
  var frame = document.querySelector(".mb-sco");
  var continueButton = document.querySelector(".mb-continue");
  var previousButton = document.querySelector(".mb-previous");
  var Q = window.MoocBridgeScormQueue;
  var queue = Q.Queue("mooc-bridge-scorm:v2:" + config.store + ":" + config.block + ":", config.commitUrl);
  var ui = window.MoocBridgeScormUi.Ui(config);
  var is12 = config.version === "1.2";
  var sequenced = !is12 && !!config.sequencing;
  var state = {sco: null, api: null, seq: 0, attempt: config.attempt, token: config.token, navRequest: null,
               lastBody: null, engineSeq: config.engine_sequence, restored: null, review: false, bridge: null,
               positioning: false, delivered: null, choice: {}, switching: false};
  var post = Q.post;
  var setOffline = ui.offline;

  function answered(answer) {
    if (answer && typeof answer.progress === "string") { ui.progress(answer.progress); }
  }

  function replayPending() {
    return queue.replay(answered).then(function (outcome) { setOffline(!outcome.reached); return outcome.replayed; });
  }

  /* scorm-again's own reading of the commit answer (its default xhrResponseHandler), after noting what the
     server settled: a commit the server answered is forgotten, so only one that never arrived shows the
     offline notice (the synchronous commits that scorm-again sends fire no CommitSuccess event). */
  function readAnswer(xhr) {
    var answer = null;
    try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
    if (xhr.status > 0 && xhr.status < 500 && Q.settles(answer)) { queue.forget(state.lastBody); }
    answered(answer);
    if (xhr.status < 200 || xhr.status > 299) { return {result: "false", errorCode: 101}; }
    if (!answer || !Object.prototype.hasOwnProperty.call(answer, "result")) { return {result: "true", errorCode: 0}; }
    return {result: answer.result, errorCode: typeof answer.errorCode === "number" ? answer.errorCode :
            (answer.result === true || answer.result === "true" ? 0 : 101)};
  }

  function isActive(api) {
    return api && typeof api.isInitialized === "function" && api.isInitialized() &&
      !(typeof api.isTerminated === "function" && api.isTerminated());
  }

  function makeApi(sco, start) {
    state.review = start.mode === "review";
    var settings = {
      // a review stores nothing: scorm-again answers Commit "true" without sending (read-only, as Moodle's review)
      lmsCommitUrl: state.review ? false : config.commitUrl,
      dataCommitFormat: "flattened",
      autocommit: !state.review,
      autocommitSeconds: 30,
      // SCORM 1.2 RTE 3.4.4: LMSFinish with no status set records "completed" (passed/failed against the
      // mastery score, scorm-again's mastery_override); the server applies the same rule to what it stores
      autoCompleteLessonStatus: true,
      logLevel: 4,
      xhrHeaders: {"X-CSRFToken": Q.csrfToken()},
      xhrResponseHandler: readAnswer,
      requestHandler: function (data, meta) {
        var terminating = !!(meta && meta.isTerminateCommit);
        state.seq += 1;
        var body = withEngine({sco: sco, attempt: state.attempt, token: state.token, seq: state.seq,
                               terminate: terminating, data: data}, api);
        queue.remember(body);
        state.lastBody = body;
        if (terminating) {
          // sent by sendBeacon, whose answer nobody reads: a replay soon after learns whether it arrived
          window.setTimeout(replayPending, 1000);
        } else {
          // after the synchronous request: a body still kept did not reach the server
          window.setTimeout(function () { setOffline(queue.isKept(body)); }, 0);
        }
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
    // the table of contents follows the SCO's own status as soon as it sets it
    var elements = is12 ? ["cmi.core.lesson_status"] : ["cmi.completion_status", "cmi.success_status"];
    elements.forEach(function (element) {
      api.on((is12 ? "LMSSetValue." : "SetValue.") + element, function () {
        var shown = window.MoocBridgeScormUi.scoState(api, is12);
        if (shown) { ui.state(sco, shown); }
      });
    });
    if (!is12) {
      api.on("SetValue.adl.nav.request", function (element, value) { state.navRequest = value; });
      api.on("Terminate", function () { window.setTimeout(function () { followNavRequest(api); }, 0); });
    }
    return api;
  }

  /* With an operator's content origin, the SCO's frame is on that origin: scorm-again's CrossFrameLMS answers
     the CrossFrameAPI of the launch page there (messages from that origin only), for the API of this SCO. */
  function bridge(api) {
    if (state.bridge) { state.bridge.destroy(); state.bridge = null; }
    if (config.contentOrigin && window.CrossFrameLMS) {
      state.bridge = new window.CrossFrameLMS(api, config.contentOrigin, {rateLimit: 1000});
    }
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
    ui.validity(data, choiceAllowed);
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
    if (body.engine && !state.review) { post(config.engineUrl, body).then(null, function () { /* the next commit carries it */ }); }
  }

  function endSession() {
    if (state.switching) { return; }
    saveEngine();
    frame.src = "about:blank";
    ui.ended();
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

  function launchableItem(id) { return !!(ui.item(id) || {}).url; }

  function launchable(step) { return ui.launchable(state.sco, step); }

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
        if (!ok && !/^(exit|exitAll|suspendAll|abandon|abandonAll)$/.test(request)) { ui.refused(true); }
      }
      return;
    }
    var target = null;
    if (request === "continue") { target = launchable(1); }
    else if (request === "previous") { target = launchable(-1); }
    else if (choice) { target = choice[1]; }
    else if (request === "exitAll" || request === "suspendAll") { endSession(); }
    if (target) { switchTo(target); }
  }

  /* The learner asked the LMS to move on (buttons, table of contents). */
  function navigate(request, target) {
    ui.refused(false);
    if (!sequenced) {
      var next = request === "choice" ? target : launchable(request === "previous" ? -1 : 1);
      if (next) { switchTo(next); }
      return;
    }
    if (request === "choice" && !choiceAllowed(target)) {
      ui.refused(true);
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
        ui.refused(true);
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
    bridge(state.api);
    state.switching = false;
    if (sequenced) {
      var how = launch.how || (launch.next_sequence > 0 ? "jump" : "start");
      var other = position(state.api, sco, how);
      if (other) { switchTo(other, "jump"); return; }
      if (state.restored) { refreshValidity(state.api); }
    }
    ui.current(sco);
    frame.src = ui.item(sco).url;
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
                                          if (error.status === 409) { ui.refused(true); } else { setOffline(true); }
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
    if (!isActive(api) || state.review || typeof navigator.sendBeacon !== "function") { return; }
    state.seq += 1;
    var body = withEngine({sco: state.sco, attempt: state.attempt, token: state.token, seq: state.seq,
                           terminate: true, data: api.renderCommitCMI(true)}, api);
    queue.remember(body);
    var form = new FormData();
    form.append("csrfmiddlewaretoken", Q.csrfToken());
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
