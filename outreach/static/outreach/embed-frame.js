// Inside a widget page (/embed/<widget>/): tell the page that frames it how tall the
// content is, on load and whenever it changes, so its iframe never scrolls or leaves a gap.
// The height is not secret, hence the "*" target; embed.js checks who sent it.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = -1;

  function postHeight() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) {
      return;
    }
    last = height;
    window.parent.postMessage({ type: "civicportal:height", height: height }, "*");
  }

  function start() {
    postHeight();
    if ("ResizeObserver" in window) {
      new ResizeObserver(postHeight).observe(document.body);
    } else {
      window.addEventListener("resize", postHeight);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", postHeight);
})();
