// The ballot page: shows the remaining budget (knapsack) or points (cumulative) as the
// voter chooses, and holds back a ballot the server would refuse. The page works without
// it; the server checks everything again. Texts come translated in data- attributes.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) {
      return values[name] === undefined ? "" : values[name];
    });
  }

  function setup(form) {
    var kind = form.dataset.kind;
    var status = form.querySelector("[data-ballot-status]");
    var text = form.querySelector("[data-ballot-status-text]");
    var submit = form.querySelector("[data-ballot-submit]");
    var lang = document.documentElement.lang || undefined;
    var currency = form.dataset.currency || "";
    var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    function money(value) {
      return (number.format(value) + " " + currency).trim();
    }

    function update() {
      var blocked = false;
      var message = "";
      if (kind === "knapsack") {
        var budget = parseFloat(form.dataset.budget);
        var spent = 0;
        var count = 0;
        form.querySelectorAll("input[data-cost]").forEach(function (box) {
          if (box.checked) {
            spent += parseFloat(box.dataset.cost);
            count += 1;
          }
        });
        var left = Math.round((budget - spent) * 100) / 100;
        if (left < 0) {
          blocked = true;
          message = format(form.dataset.textOver, { amount: money(-left) });
        } else {
          message = format(form.dataset.textRemaining, { amount: money(left), budget: money(budget) });
        }
        var max = parseInt(form.dataset.maxChoices, 10);
        if (!blocked && max && count > max) {
          blocked = true;
          message = format(form.dataset.textTooMany, { count: count, max: max });
        }
        // A project that no longer fits is marked, so the voter sees what is still possible.
        form.querySelectorAll("input[data-cost]").forEach(function (box) {
          var fits = box.checked || parseFloat(box.dataset.cost) <= left;
          box.closest(".card").classList.toggle("opacity-50", !fits);
        });
      } else if (kind === "cumulative") {
        var total = parseInt(form.dataset.pointsTotal, 10);
        var used = 0;
        form.querySelectorAll("input[data-points]").forEach(function (input) {
          var value = parseInt(input.value, 10);
          if (value > 0) {
            used += value;
          }
        });
        if (used > total) {
          blocked = true;
          message = format(form.dataset.textPointsOver, { over: used - total });
        } else {
          message = format(form.dataset.textPoints, { left: total - used, total: total });
        }
      } else {
        return;
      }
      text.textContent = message;
      status.hidden = false;
      status.classList.toggle("text-danger", blocked);
      submit.disabled = blocked;
      submit.setAttribute("aria-disabled", blocked ? "true" : "false");
    }

    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  }

  function init() {
    document.querySelectorAll("form[data-ballot]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
