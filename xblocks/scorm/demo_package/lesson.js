/* The demo SCO: finds the SCORM 1.2 API, resumes location and answers, reports status and score. */
(function () {
  "use strict";
  var api = null;
  for (var win = window, hops = 0; win && hops < 10; hops += 1) {
    if (win.API) { api = win.API; break; }
    if (win.parent === win) { break; }
    win = win.parent;
  }
  var pages = document.querySelectorAll(".page");
  var current = 0;
  var answers = {};
  var KEY = {q1: "a", q2: "a", q3: "b"};

  function get(name) { return api ? api.LMSGetValue(name) : ""; }
  function set(name, value) { if (api) { api.LMSSetValue(name, String(value)); } }

  function show(index) {
    current = Math.max(0, Math.min(pages.length - 1, index));
    for (var i = 0; i < pages.length; i += 1) { pages[i].hidden = i !== current; }
    document.getElementById("where").textContent = (current + 1) + " / " + pages.length;
    set("cmi.core.lesson_location", current);
    if (get("cmi.core.lesson_status") === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
  }

  function save() {
    set("cmi.suspend_data", JSON.stringify(answers));
    if (api) { api.LMSCommit(""); }
  }

  if (api) {
    api.LMSInitialize("");
    try { answers = JSON.parse(get("cmi.suspend_data") || "{}"); } catch (e) { answers = {}; }
    Object.keys(answers).forEach(function (q) {
      var box = document.querySelector("input[name=" + q + "][value=" + answers[q] + "]");
      if (box) { box.checked = true; }
    });
  }
  show(parseInt(get("cmi.core.lesson_location"), 10) || 0);

  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("quiz").addEventListener("change", function (event) {
    answers[event.target.name] = event.target.value;
    save();
  });
  document.getElementById("quiz").addEventListener("submit", function (event) {
    event.preventDefault();
    var right = Object.keys(KEY).filter(function (q) { return answers[q] === KEY[q]; }).length;
    var score = Math.round(100 * right / Object.keys(KEY).length);
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", score);
    set("cmi.core.lesson_status", score >= 60 ? "passed" : "failed");
    save();
    document.getElementById("result").textContent = score + " / 100";
  });
  document.getElementById("exit").addEventListener("click", function () {
    set("cmi.core.exit", "suspend");
    save();
    if (api) { api.LMSFinish(""); api = null; }
  });
  window.addEventListener("pagehide", function () {
    if (api) { set("cmi.core.exit", "suspend"); save(); api.LMSFinish(""); api = null; }
  });
})();
