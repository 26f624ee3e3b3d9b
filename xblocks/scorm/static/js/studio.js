/* Studio editor of the SCORM block: the package upload with its validation report, then the settings form. */
function MoocBridgeScormStudio(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  if (typeof StudioEditableXBlockMixin === "function") { StudioEditableXBlockMixin(runtime, element); }
  var box = root.querySelector(".mb-scorm-upload");
  if (!box) { return; }
  var input = box.querySelector("input[type=file]");
  var progress = box.querySelector(".mb-progress");
  var report = box.querySelector(".mb-report");

  function show(lines) {
    report.textContent = "";
    lines.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      report.appendChild(p);
    });
  }

  box.querySelector(".mb-upload").addEventListener("click", function () {
    if (!input.files.length) { return; }
    var form = new FormData();
    form.append("package", input.files[0]);
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", box.getAttribute("data-url"));
    if (match) { xhr.setRequestHeader("X-CSRFToken", decodeURIComponent(match[1])); }
    progress.hidden = false;
    show([box.getAttribute("data-checking")]);
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
    };
    xhr.onload = function () {
      progress.hidden = true;
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {valid: false, errors: []}; }
      if (answer.valid) {
        box.querySelector(".mb-current").textContent = answer.title || answer.sha256;
        show([box.getAttribute("data-accepted")].concat((answer.warnings || []).map(function (w) { return w.message; })));
      } else {
        show([box.getAttribute("data-failed")].concat((answer.errors || []).map(function (e) { return e.message; })));
      }
    };
    xhr.send(form);
  });
}
