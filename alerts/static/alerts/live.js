/*
 * The alert page keeps itself up to date while it is open: every data-live-seconds it asks
 * data-live-url (alerts.views.AlertLiveView) for the live part, and swaps it in when its
 * X-Live-Version differs from the one shown: a new update, the all-clear, a report the
 * council confirmed. The change is said once in the [data-alert-live-status] live region,
 * and the map is drawn again ("portal:map-refresh", static/js/map.js).
 *
 * Plain fetch rather than htmx: without htmx's request header an anonymous visitor's
 * request can be answered from the portal's stored copy, which matters when a crowd has
 * the page open. Without JavaScript a reload shows the same.
 */
(function () {
  "use strict";

  function start() {
    var region = document.querySelector("[data-alert-live]");
    if (!region || !window.fetch) {
      return;
    }
    var url = region.getAttribute("data-live-url");
    var seconds = Math.max(parseInt(region.getAttribute("data-live-seconds"), 10) || 15, 1);
    var status = document.querySelector("[data-alert-live-status]");
    var timer = null;
    var asking = false;

    function shownVersion() {
      var marked = region.querySelector("[data-live-version]");
      return marked ? marked.getAttribute("data-live-version") : "";
    }

    function announce() {
      if (!status) {
        return;
      }
      var heading = region.querySelector("h1");
      var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
        hour: "2-digit",
        minute: "2-digit",
      });
      status.textContent = (status.getAttribute("data-live-changed") || "")
        .split("{time}")
        .join(time)
        .split("{headline}")
        .join(heading ? heading.textContent.trim() : "");
    }

    function swap(html) {
      var hadFocus = region.contains(document.activeElement) && document.activeElement !== region;
      region.innerHTML = html;
      if (hadFocus) {
        region.focus(); // what had the focus is gone; keep it in the same place
      }
      announce();
      document.dispatchEvent(new CustomEvent("portal:map-refresh"));
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, seconds * 1000);
    }

    function ask() {
      if (document.hidden || asking) {
        return; // asked again when the page is shown
      }
      asking = true;
      window
        .fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("live: " + response.status);
          }
          var version = response.headers.get("X-Live-Version");
          if (version && version === shownVersion()) {
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html !== null) {
            swap(html);
          }
        })
        .catch(function () {
          // Offline or the portal busy: the page stays as it is; the next turn tries again.
        })
        .then(function () {
          asking = false;
          schedule();
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        window.clearTimeout(timer);
        ask();
      }
    });
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
