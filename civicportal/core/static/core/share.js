/*
 * "Copy link" on share bars (templates/includes/share.html). Without JavaScript the button
 * stays hidden; the other share links are plain links. No inline scripts (CSP).
 */
(function () {
  "use strict";

  // Several share bars on a page each load this file; set up once.
  if (window.civicportalShare) {
    return;
  }
  window.civicportalShare = true;

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.className = "visually-hidden";
      document.body.appendChild(field);
      field.select();
      var done = false;
      try {
        done = document.execCommand("copy");
      } catch (error) {
        done = false;
      }
      document.body.removeChild(field);
      if (done) {
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-share-copy-item]").forEach(function (item) {
      item.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-share-copy]");
    if (!button) {
      return;
    }
    var status = button.parentElement.querySelector("[data-share-copy-status]");
    copy(button.getAttribute("data-share-copy")).then(
      function () {
        if (status) {
          status.textContent = button.getAttribute("data-share-copied");
        }
      },
      function () {
        if (status) {
          status.textContent = button.getAttribute("data-share-failed");
        }
      }
    );
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      setUp(document);
    });
  } else {
    setUp(document);
  }
  document.addEventListener("htmx:load", function (event) {
    setUp(event.target);
  });
})();
