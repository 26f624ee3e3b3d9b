/*
 * What the SCORM launcher shows (loaded before player.js): the notices, the table of contents with each item's
 * state, and the Previous/Continue buttons — hidden where the manifest's adlnav:presentation hides them for the
 * item being played (hideLMSUI, the item's and its clusters'), disabled at the ends of the sequence and when the
 * sequencing engine says the request is not valid. The words come from the server-rendered page.
 */
(function () {
  "use strict";

  function Ui(config) {
    var notices = {
      offline: document.querySelector(".mb-offline"), refused: document.querySelector(".mb-refused"),
      ended: document.querySelector(".mb-ended")
    };
    var nav = document.querySelector(".mb-nav");
    var buttons = {"continue": document.querySelector(".mb-continue"), previous: document.querySelector(".mb-previous")};
    var labels = config.labels || {};
    var current = null;
    var validity = null;  // the engine's last word on continue/previous; null without sequencing

    function show(name, flag) { if (notices[name]) { notices[name].hidden = !flag; } }

    function item(id) {
      for (var i = 0; i < config.items.length; i += 1) {
        if (config.items[i].id === id) { return config.items[i]; }
      }
      return null;
    }

    function launchable(id, step) {
      var index = -1;
      for (var i = 0; i < config.items.length; i += 1) {
        if (config.items[i].id === id) { index = i; }
      }
      for (var j = index + step; index >= 0 && j >= 0 && j < config.items.length; j += step) {
        if (config.items[j].url) { return config.items[j].id; }
      }
      return null;
    }

    function truthy(value) { return value === true || value === "true"; }

    function updateButtons() {
      var hide = (item(current) || {}).hide || [];
      var shown = 0;
      ["previous", "continue"].forEach(function (name) {
        var button = buttons[name];
        if (!button) { return; }
        button.hidden = hide.indexOf(name) >= 0;
        var atEnd = launchable(current, name === "previous" ? -1 : 1) === null;
        button.disabled = atEnd || (validity !== null && !truthy(validity[name]));
        if (!button.hidden) { shown += 1; }
      });
      if (nav) { nav.hidden = shown === 0; }
    }

    /* The state shown beside an item: passed, failed, completed, incomplete or nothing. */
    function setState(id, itemState) {
      var link = document.querySelector('.mb-toc [data-item="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
      var badge = link && link.parentNode.querySelector(".mb-state");
      if (!badge) { return; }
      badge.setAttribute("data-state", itemState || "");
      badge.textContent = itemState && labels[itemState] ? labels[itemState] : "";
    }

    config.items.forEach(function (entry) { if (entry.url) { setState(entry.id, entry.state); } });

    return {
      item: item,
      launchable: launchable,
      offline: function (flag) { show("offline", flag); },
      refused: function (flag) { show("refused", flag); },
      ended: function () { show("ended", true); },
      current: function (id) {
        current = id;
        var links = document.querySelectorAll(".mb-toc a[data-item]");
        for (var i = 0; i < links.length; i += 1) {
          links[i].setAttribute("aria-current", links[i].getAttribute("data-item") === id ? "true" : "false");
        }
        updateButtons();
      },
      validity: function (data, choiceAllowed) {
        validity = data;
        updateButtons();
        var links = document.querySelectorAll(".mb-toc a[data-item]");
        for (var i = 0; i < links.length; i += 1) {
          var allowed = choiceAllowed(links[i].getAttribute("data-item"));
          links[i].setAttribute("aria-disabled", allowed ? "false" : "true");
        }
      },
      state: setState,
      /* The block's status line lives in the page around the launcher (same origin): tell it. */
      progress: function (text) {
        if (typeof text !== "string" || window.parent === window) { return; }
        try { window.parent.postMessage({mbScormProgress: text}, window.location.origin); } catch (e) { /* gone */ }
      }
    };
  }

  /* The state of the SCO a runtime API is playing, read from its data model. */
  function scoState(api, is12) {
    var cmi = api && api.cmi;
    if (!cmi) { return ""; }
    try {
      if (is12) {
        var status = cmi.core.lesson_status;
        return ["passed", "failed", "completed", "incomplete"].indexOf(status) >= 0 ? status :
          (status === "browsed" ? "incomplete" : "");
      }
      if (cmi.success_status === "passed" || cmi.success_status === "failed") { return cmi.success_status; }
      return cmi.completion_status === "completed" || cmi.completion_status === "incomplete" ? cmi.completion_status : "";
    } catch (e) { return ""; }
  }

  window.MoocBridgeScormUi = {Ui: Ui, scoState: scoState};
})();
