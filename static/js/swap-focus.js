/*
 * CivicPortal: keyboard focus and screen reader announcements across htmx swaps.
 *
 * htmx replaces part of a page in place (a vote panel, a comment thread, a follow button).
 * The control that had focus goes with the old content, and the browser drops focus to the
 * page's body: the next Tab starts again from the top and a screen reader says nothing.
 * After every swap this script puts focus back where the resident was:
 *   1. on the new content's error summary ([data-error-summary]), when it has one;
 *   2. on the same control in the new content: the same id, or the button of a form with
 *      the same address and values, or the link with the same address, or the same form's
 *      button, or the control in the same position;
 *   3. otherwise on the new content itself.
 * It only acts when the swap took focus away (focus was inside the old content and is now
 * nowhere); a field that htmx or [autofocus] already focused keeps it.
 *
 * It also reads out what the swap changed: the text of the new content's status regions
 * (role="status" or data-swap-announce) goes to one polite live region that stays on the
 * page, because screen readers do not announce a live region that arrives with its text.
 * Only swaps the resident asked for are announced (not a page polling itself).
 */
(function () {
  "use strict";

  var FOCUSABLE =
    'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]';
  var STATUS = '[role="status"], [data-swap-announce]';
  var pending = null;
  var announcer = null;

  function isElement(node) {
    return node && node.nodeType === 1;
  }

  function withSelf(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches(selector)) {
      found.unshift(root);
    }
    return found;
  }

  function focusables(roots) {
    var all = [];
    roots.forEach(function (root) {
      withSelf(root, FOCUSABLE).forEach(function (el) {
        if (el.getAttribute("tabindex") !== "-1" && !el.disabled) {
          all.push(el);
        }
      });
    });
    return all;
  }

  function statusText(roots) {
    var parts = [];
    roots.forEach(function (root) {
      withSelf(root, STATUS).forEach(function (el) {
        var text = el.textContent.replace(/\s+/g, " ").trim();
        if (text && parts.indexOf(text) === -1) {
          parts.push(text);
        }
      });
    });
    return parts.join(" ");
  }

  function formOf(el) {
    return el.form || (el.closest ? el.closest("form") : null);
  }

  // A form's identity: where it posts and what its hidden fields say (the CSRF token aside),
  // so the "Support" and "Oppose" buttons of a vote panel are told apart.
  function formKey(form) {
    if (!form) {
      return "";
    }
    var values = [];
    form.querySelectorAll('input[type="hidden"]').forEach(function (input) {
      if (input.name && input.name !== "csrfmiddlewaretoken") {
        values.push(input.name + "=" + input.value);
      }
    });
    return (form.getAttribute("action") || "") + "?" + values.join("&");
  }

  function describe(el, roots) {
    var form = formOf(el);
    return {
      id: el.id || "",
      tag: el.tagName,
      name: el.getAttribute("name") || "",
      value: el.getAttribute("value") || "",
      href: el.getAttribute("href") || "",
      action: form ? form.getAttribute("action") || "" : "",
      form: formKey(form),
      index: focusables(roots).indexOf(el),
    };
  }

  // Tests, from the closest likeness to the loosest, that pick the focused control's
  // counterpart among the new content's controls.
  var LIKENESSES = [
    function (was, el) {
      return was.form && el.tagName === was.tag && formKey(formOf(el)) === was.form &&
        (el.getAttribute("name") || "") === was.name &&
        (el.getAttribute("value") || "") === was.value;
    },
    function (was, el) {
      return was.href && el.tagName === was.tag && el.getAttribute("href") === was.href;
    },
    function (was, el) {
      var form = formOf(el);
      return was.action && el.tagName === was.tag && form &&
        (form.getAttribute("action") || "") === was.action;
    },
  ];

  // A control folded away in a closed <details> is reached through its summary.
  function reachable(el) {
    var details = el.closest("details:not([open])");
    if (details && el.tagName !== "SUMMARY") {
      var summary = details.querySelector("summary");
      return summary || null;
    }
    if (!el.getClientRects().length) {
      return null;
    }
    return el;
  }

  function counterpart(was, roots) {
    if (was.id) {
      var same = document.getElementById(was.id);
      if (same && reachable(same)) {
        return reachable(same);
      }
    }
    var candidates = focusables(roots);
    for (var i = 0; i < LIKENESSES.length; i++) {
      for (var j = 0; j < candidates.length; j++) {
        if (LIKENESSES[i](was, candidates[j]) && reachable(candidates[j])) {
          return reachable(candidates[j]);
        }
      }
    }
    if (was.index >= 0 && was.index < candidates.length) {
      return reachable(candidates[was.index]);
    }
    return null;
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function focus(el) {
    if (!el.matches(FOCUSABLE) && !el.hasAttribute("tabindex")) {
      // The new content itself, so that Tab continues from here; not a stop of its own.
      el.setAttribute("tabindex", "-1");
    }
    // The page scrolls only if the new focus is out of sight.
    var box = el.getBoundingClientRect();
    el.focus({ preventScroll: box.bottom > 0 && box.top < window.innerHeight });
  }

  function announce(text) {
    if (!announcer || !announcer.isConnected) {
      announcer = document.createElement("div");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("aria-atomic", "true");
      announcer.setAttribute("data-swap-announcer", "");
      (document.getElementById("main") || document.body).appendChild(announcer);
    }
    // Emptied first, so that the same words said twice in a row are read twice.
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }

  document.addEventListener("DOMContentLoaded", function () {
    announce("");
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!isElement(target)) {
      pending = null;
      return;
    }
    var active = document.activeElement;
    var hadFocus = isElement(active) && active !== document.body && target.contains(active);
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    pending = {
      focused: hadFocus ? describe(active, [target]) : null,
      asked: hadFocus || !!(trigger && trigger.isTrusted),
      statusBefore: statusText([target]),
      roots: [],
    };
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (pending && isElement(event.target) && event.target.isConnected) {
      pending.roots.push(event.target);
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var swap = pending;
    pending = null;
    if (!swap || !swap.roots.length) {
      return;
    }
    var roots = swap.roots.filter(function (root) {
      return root.isConnected;
    });
    if (!roots.length) {
      return;
    }
    if (swap.focused && focusLost()) {
      var summary = null;
      roots.some(function (root) {
        summary = withSelf(root, "[data-error-summary]")[0] || null;
        return summary;
      });
      focus(summary || counterpart(swap.focused, roots) || roots[0]);
    }
    if (swap.asked) {
      var text = statusText(roots);
      if (text && text !== swap.statusBefore) {
        announce(text);
      }
    }
  });
})();
