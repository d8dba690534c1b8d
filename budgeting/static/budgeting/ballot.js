// The ballot page: shows the remaining budget (knapsack), the points left (cumulative) or
// how many projects are chosen (approval) as the voter chooses, in a live region, and holds
// back a ballot the server would refuse, saying what to remove. The page works without it;
// the server checks everything again. Texts come translated in data- attributes.
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

    function tooMany(count, max) {
      return format(form.dataset.textTooMany, { count: count, max: max, remove: count - max });
    }

    function markOut(box, out) {
      var card = box.closest(".card");
      var note = card.querySelector("[data-ballot-out-note]");
      card.classList.toggle("bg-body-tertiary", out);
      card.classList.toggle("border-secondary", out);
      if (note) {
        note.hidden = !out;
        var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && id !== note.id;
        });
        if (out) {
          described.unshift(note.id);
        }
        box.setAttribute("aria-describedby", described.join(" "));
      }
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
          message = tooMany(count, max);
        }
        // A project that no longer fits is marked with words and a shaded card, never by
        // fading its text (faded text is too faint to read).
        form.querySelectorAll("input[data-cost]").forEach(function (box) {
          var fits = box.checked || parseFloat(box.dataset.cost) <= left;
          markOut(box, !fits);
        });
      } else if (kind === "approval") {
        var chosen = form.querySelectorAll("input[type=checkbox]:checked").length;
        var most = parseInt(form.dataset.maxChoices, 10);
        if (most && chosen > most) {
          blocked = true;
          message = tooMany(chosen, most);
        } else if (most) {
          message = format(form.dataset.textChosen, { count: chosen, max: most });
        } else {
          message = format(form.dataset.textChosenAny, { count: chosen });
        }
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
