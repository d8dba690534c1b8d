/*
 * CivicPortal: small enhancements shared by every page. Everything works without it;
 * it is loaded in <head> (it is tiny) so the page never flashes its no-JavaScript layout.
 * No inline scripts anywhere: the content security policy allows only our own files.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  // htmx requests send the CSRF token that the page carries in <meta name="csrf-token">.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // Disclosure menus (<details data-menu>): close with Escape or a click elsewhere.
  function openMenus() {
    return document.querySelectorAll("details[data-menu][open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) {
        menu.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submission, start screen reader and keyboard users at the list of
    // problems, as the GOV.UK error summary does.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }

    // The skip link moves keyboard focus, not just the scroll position, in every browser.
    document.querySelectorAll('a.skip-link[href^="#"]').forEach(function (link) {
      link.addEventListener("click", function () {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) {
          target.focus();
        }
      });
    });
  });
})();
