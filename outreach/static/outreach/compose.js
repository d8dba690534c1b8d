// The compose form's live character count: each account's text box says how many
// characters are left under its network's limit (the server checks the same limit).
(function () {
  "use strict";
  const form = document.querySelector("[data-social-compose]");
  if (!form) return;
  const lang = document.documentElement.lang || "en";
  form.querySelectorAll("textarea[data-social-limit]").forEach(function (box) {
    const account = box.getAttribute("data-social-text");
    const limit = parseInt(box.getAttribute("data-social-limit"), 10);
    const counter = form.querySelector('[data-social-count="' + account + '"]');
    if (!counter || !limit) return;
    const update = function () {
      const used = Array.from(box.value.trim()).length;
      const left = limit - used;
      counter.hidden = false;
      counter.textContent = used.toLocaleString(lang) + " / " + limit.toLocaleString(lang);
      counter.classList.toggle("text-danger", left < 0);
      box.setAttribute("aria-invalid", left < 0 ? "true" : "false");
    };
    box.addEventListener("input", update);
    update();
  });
})();
