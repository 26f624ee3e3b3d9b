/* The SCORM block in a course page: full screen, the player in a new window, a new attempt. No global state. */
function MoocBridgeScormBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var frame = root.querySelector(".mb-scorm-frame");
  var fullscreen = root.querySelector(".mb-scorm-fullscreen");
  if (fullscreen && frame) {
    fullscreen.addEventListener("click", function () {
      if (frame.requestFullscreen) { frame.requestFullscreen(); }
    });
  }
  var open = root.querySelector(".mb-scorm-open");
  if (open) {
    open.addEventListener("click", function () {
      window.open(open.getAttribute("data-url"), "_blank");  // the launcher page needs no opener
    });
  }

  /* The launcher in the frame tells the status line what the server now publishes (grade, progress). */
  var status = root.querySelector(".mb-scorm-status");
  if (frame && status) {
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== window.location.origin) { return; }
      if (event.data && typeof event.data.mbScormProgress === "string") { status.textContent = event.data.mbScormProgress; }
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* A new attempt changes state, so it is a POST with the CSRF token (the XBlock handler way); the player in the
     page is unloaded first, so that the attempt in progress sends its last commit before it is closed. */
  var newAttempt = root.querySelector(".mb-scorm-new-attempt");
  if (newAttempt) {
    newAttempt.addEventListener("click", function () {
      newAttempt.disabled = true;
      var playerUrl = frame ? frame.getAttribute("src") : null;
      if (frame) { frame.setAttribute("src", "about:blank"); }
      window.setTimeout(function () {
        fetch(newAttempt.getAttribute("data-url"), {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()}, body: "{}"
        }).then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        }).then(function (answer) {
          newAttempt.hidden = !answer.more;
          newAttempt.disabled = false;
          if (frame) { frame.setAttribute("src", answer.player_url); } else { window.open(answer.player_url, "_blank"); }
        }, function () {
          newAttempt.disabled = false;
          if (frame && playerUrl) { frame.setAttribute("src", playerUrl); }
        });
      }, 500);
    });
  }
}
