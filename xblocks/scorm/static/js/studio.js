/*
 * Studio editor of the SCORM block: upload a zip (or name a package already imported by its sha256), follow
 * the extraction's progress (in the request or on a Celery worker), show the validation report, and put a
 * valid package's sha256 into the form, so learners switch to it only when the author saves.
 * Text comes from data-* attributes rendered by the server.
 */
function MoocBridgeScormStudio(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  if (typeof StudioEditableXBlockMixin === "function") { StudioEditableXBlockMixin(runtime, element); }
  var box = root.querySelector(".mb-scorm-upload");
  if (!box) { return; }
  var input = box.querySelector("input[type=file]");
  var progress = box.querySelector(".mb-progress");
  var progressText = box.querySelector(".mb-progress-text");
  var report = box.querySelector(".mb-report");

  function text(name) { return box.getAttribute("data-" + name) || ""; }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(lines) {
    report.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      report.appendChild(p);
    });
  }

  function setProgress(percent, label) {
    progress.hidden = percent === null;
    if (percent !== null) { progress.value = percent; }
    progressText.textContent = label || "";
  }

  /* A valid package: its sha256 goes into the form field, marked as changed, for the Save button. */
  function choose(answer) {
    var field = root.querySelector("#xb-field-edit-package_sha256");
    if (field && answer.sha256) {
      field.value = answer.sha256;
      field.dispatchEvent(new Event("change", {bubbles: true}));
      if (window.jQuery) { window.jQuery(field).trigger("change"); }
    }
    var title = root.querySelector("#xb-field-edit-display_name");
    if (title && answer.title && !title.value) { title.value = answer.title; }
  }

  /* A refusal the server explained (our handlers always do), or one it did not (a proxy, a crash): a sentence. */
  function parse(status, body) {
    var answer = null;
    try { answer = JSON.parse(body); } catch (e) { answer = null; }
    if (answer && typeof answer === "object") {
      if (status >= 400 && !(answer.errors && answer.errors.length) && answer.message) {
        answer.errors = [{code: answer.error || "error", message: answer.message}];
      }
      if (status < 400 || (answer.errors && answer.errors.length)) { return answer; }
    }
    return {valid: false, errors: [{code: "http_" + status, message: text("http-error").replace("{status}", status)}]};
  }

  function unreachable() { finish({valid: false, errors: [{code: "network", message: text("network")}]}); }

  function finish(answer) {
    setProgress(null, "");
    var warnings = (answer.warnings || []).map(function (w) { return w.message; });
    if (answer.valid) {
      box.querySelector(".mb-current").textContent = answer.title || answer.sha256;
      show([text("accepted")].concat(warnings.length ? [text("warnings")].concat(warnings) : []));
      choose(answer);
    } else {
      show([text("failed")].concat((answer.errors || []).map(function (e) { return e.message; })));
    }
  }

  function poll(job) {
    var url = box.getAttribute("data-status-url");
    url += (url.indexOf("?") >= 0 ? "&" : "?") + "job=" + encodeURIComponent(job);
    fetch(url, {credentials: "same-origin"})
      .then(function (response) {
        if (response.status >= 500) { throw new Error("retry"); }  /* a worker restarting: ask again */
        return response.text().then(function (body) { return parse(response.status, body); });
      })
      .then(function (answer) {
        if (answer.state === "done" || answer.errors) { finish(answer); return; }
        if (answer.state === "queued") { setProgress(0, text("queued")); }
        else { setProgress(answer.progress || 0, text("extracting").replace("{percent}", answer.progress || 0)); }
        window.setTimeout(function () { poll(job); }, 1000);
      }, function () { window.setTimeout(function () { poll(job); }, 3000); });
  }

  box.querySelector(".mb-upload").addEventListener("click", function () {
    if (!input.files.length) { return; }
    var form = new FormData();
    form.append("package", input.files[0]);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", box.getAttribute("data-url"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    setProgress(0, text("checking"));
    show([]);
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { setProgress(Math.round(100 * event.loaded / event.total), text("checking")); }
    };
    xhr.onload = function () {
      var answer = parse(xhr.status, xhr.responseText);
      if (xhr.status === 202 && answer.job) { poll(answer.job); } else { finish(answer); }
    };
    xhr.onerror = unreachable;
    xhr.send(form);
  });

  box.querySelector(".mb-check").addEventListener("click", function () {
    var sha256 = box.querySelector(".mb-sha256").value.trim().toLowerCase();
    setProgress(null, text("checking"));
    fetch(box.getAttribute("data-check-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({sha256: sha256})
    }).then(function (response) {
      return response.text().then(function (body) { finish(parse(response.status, body)); });
    }, unreachable);
  });
}
