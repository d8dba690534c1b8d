/*
 * CivicPortal: remember which source link brought the visitor (?via=bluesky), without a
 * cookie, so that what they do next counts for that source.
 *
 * The source is kept in this tab's sessionStorage only (gone when the tab closes, never
 * sent by itself). It is then given to the portal with the resident's own actions:
 *   - a hidden "via" field added to every POST form when it is submitted;
 *   - an "X-Via" header on htmx requests (votes, follows... made in place).
 * The portal only counts sources from the council's list; anything else is ignored.
 * The via parameter is then taken out of the address bar, so that a reload or a copied
 * link does not count the visit again.
 */
(function () {
  "use strict";

  var KEY = "civicportal.via";
  var VALID = /^[a-z0-9-]{1,32}$/;

  function stored() {
    try {
      var value = window.sessionStorage.getItem(KEY);
      return value && VALID.test(value) ? value : "";
    } catch (error) {
      return ""; // storage switched off: nothing is remembered
    }
  }

  function remember() {
    var url;
    try {
      url = new URL(window.location.href);
    } catch (error) {
      return;
    }
    var via = url.searchParams.get("via");
    if (via === null) {
      return;
    }
    if (VALID.test(via)) {
      try {
        window.sessionStorage.setItem(KEY, via);
      } catch (error) {
        // storage switched off: the visit still counted on the server
      }
    }
    url.searchParams.delete("via");
    if (window.history && window.history.replaceState) {
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
  }

  function addField(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    var via = stored();
    if (!via || form.querySelector('input[name="via"]')) {
      return;
    }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "via";
    input.value = via;
    form.appendChild(input);
  }

  function addHeader(event) {
    var via = stored();
    if (via && event.detail && event.detail.headers) {
      event.detail.headers["X-Via"] = via;
    }
  }

  remember();
  document.addEventListener("submit", addField, true);
  document.addEventListener("htmx:configRequest", addHeader);
})();
