// A draft's page: when a paragraph's comment thread changes in place (a comment posted,
// edited or deleted through htmx), the count on its fold follows the thread's own heading.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    var fold = target && target.closest ? target.closest("[data-paragraph-comments]") : null;
    if (!fold) {
      return;
    }
    var heading = fold.querySelector("[data-comments] h2");
    var count = fold.querySelector("[data-comment-count-text]");
    if (heading && count) {
      count.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    }
  });
})();
