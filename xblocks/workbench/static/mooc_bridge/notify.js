/*
 * runtime.notify for the workbench. Studio's runtime has it (the editor calls notify("save", {state: "start"}),
 * notify("save", {state: "end"}), notify("error", {title, message}) and notify("cancel", {})); the SDK's runtime
 * does not, so Save threw "runtime.notify is not a function" before its request was sent. Loaded after the SDK's
 * runtime and before the blocks are initialised; a runtime that already has notify is left alone.
 */
(function () {
  "use strict";
  var runtime = window.RuntimeProvider && window.RuntimeProvider.versions && window.RuntimeProvider.versions[1];
  var box = document.getElementById("mb-notify");
  if (!runtime || typeof runtime.notify === "function" || !box) { return; }

  function show(kind, text) {
    box.setAttribute("data-kind", kind);
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = text;
    box.hidden = !text;
  }

  runtime.notify = function (name, data) {
    data = data || {};
    if (name === "save" && data.state === "start") {
      show("saving", box.getAttribute("data-saving"));
    } else if (name === "save" && data.state === "end") {
      show("saved", box.getAttribute("data-saved"));
    } else if (name === "error") {
      var title = data.title || box.getAttribute("data-failed");
      var message = data.message || data.msg || "";
      show("error", message ? title + ": " + message : title);
    } else if (name === "cancel") {
      show("cancelled", box.getAttribute("data-cancelled"));
      window.location.reload();
    }
  };
}());
