/* The platform-resource block in the LMS: completion on view, on opening the link, or on "mark as done".
 * Everything is looked up inside the block's own element, so several blocks on one page never share state.
 * Texts come from data-* attributes rendered (and translated) on the server. */
function MoocBridgeEmbedBlock(runtime, element) {
  "use strict";
  var host = element && element.jquery ? element[0] : element;
  var root = host && host.querySelector(".mb-embed");
  if (!root) {
    return {};
  }
  var mode = root.getAttribute("data-completion-mode");
  var url = root.getAttribute("data-complete-url");
  var status = root.querySelector(".mb-embed__status");
  var button = root.querySelector(".mb-embed__done");
  var done = root.getAttribute("data-completed") === "true";
  var pending = false;
  if (!mode || !url || done) {
    return {};
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(trigger) {
    var body = JSON.stringify({trigger: trigger});
    var $ = window.jQuery;
    if ($ && $.ajax) {
      // the LMS and the workbench add their CSRF header to jQuery's requests
      return new Promise(function (resolve, reject) {
        $.ajax({type: "POST", url: url, data: body, contentType: "application/json", dataType: "json"})
          .done(resolve).fail(reject);
      });
    }
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function showDone() {
    done = true;
    root.setAttribute("data-completed", "true");
    status.classList.remove("mb-embed__status--error");
    status.textContent = root.getAttribute("data-label-completed");
    if (button) {
      button.disabled = true;
    }
  }

  function showFailure() {
    status.classList.add("mb-embed__status--error");
    status.textContent = root.getAttribute("data-label-save-failed");
  }

  function complete(trigger) {
    if (done || pending) {
      return;
    }
    pending = true;
    post(trigger).then(function (result) {
      pending = false;
      if (result && result.completed) {
        showDone();
      }
    }, function () {
      pending = false;
      showFailure();
    });
  }

  if (mode === "view") {
    if (!("IntersectionObserver" in window)) {
      complete("view");
    } else {
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          var halfShown = entry.intersectionRatio >= 0.5;
          var fillsHalfTheScreen = entry.intersectionRect.height >= window.innerHeight / 2;
          if (entry.isIntersecting && (halfShown || fillsHalfTheScreen)) {
            observer.disconnect();
            complete("view");
          }
        });
      }, {threshold: [0, 0.25, 0.5, 0.75, 1]});
      observer.observe(root);
    }
  } else if (mode === "link") {
    Array.prototype.forEach.call(root.querySelectorAll(".mb-embed__open"), function (link) {
      link.addEventListener("click", function () { complete("link"); });
      link.addEventListener("auxclick", function (event) {
        if (event.button === 1) {
          complete("link");
        }
      });
    });
  } else if (mode === "manual" && button) {
    button.addEventListener("click", function () { complete("manual"); });
  }
  return {};
}
