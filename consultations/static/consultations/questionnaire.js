// The questionnaire page: shows a conditional question as soon as the answer that opens it
// is chosen, and hides it (and leaves its answer out) when that answer changes. The page
// works without it: the server then shows newly opened questions in a second step, and it
// checks every answer again whatever this script did. Texts come in data- attributes.
(function () {
  "use strict";

  function setup(form) {
    var shownInput = form.querySelector('input[name="shown"]');
    var status = form.querySelector("[data-questionnaire-status]");
    var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-depends-on]"));

    function selected(name) {
      var values = [];
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
        if (input.checked && !input.disabled) {
          values.push(input.value);
        }
      });
      return values;
    }

    function update(announce) {
      var shown = [];
      blocks.forEach(function (block) {
        var wanted = block.dataset.dependsValues.split(",");
        var show = selected(block.dataset.dependsOn).some(function (value) {
          return wanted.indexOf(value) !== -1;
        });
        var wasHidden = block.hidden;
        block.hidden = !show;
        block.querySelectorAll("input, select, textarea").forEach(function (control) {
          control.disabled = !show;
        });
        if (show) {
          shown.push(block.dataset.question);
          if (announce && wasHidden && status) {
            status.textContent = form.dataset.textShown.replace(
              "%(question)s",
              block.dataset.questionText || ""
            );
          }
        }
      });
      if (shownInput) {
        shownInput.value = shown.join(",");
      }
    }

    form.addEventListener("change", function () {
      update(true);
    });
    update(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-questionnaire]").forEach(setup);
  });
})();
