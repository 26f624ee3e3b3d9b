/* The SCORM block in a course page: full screen, or the player in a new window. No global state. */
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
}
