// Question form: single-choice and true/false questions take one correct
// answer (ticking one unticks the others); empty option rows past the fourth
// stay hidden behind "Add an option"; choosing "true / false" fills two empty
// rows with the words. Without this script every row is shown and the server
// checks everything.
(function () {
  "use strict";
  var form = document.querySelector(".qb-question-form");
  if (!form) return;
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-option-row]"));
  var addButton = form.querySelector("[data-add-option]");
  var optionsBox = form.querySelector(".qb-options");

  function kind() {
    var chosen = form.querySelector("input[name=kind]:checked");
    return chosen ? chosen.value : "single";
  }
  function textOf(row) { return row.querySelector("input[type=text]"); }
  function correctOf(row) { return row.querySelector("input[type=checkbox][name$=is_correct]"); }
  function isBlank(row) {
    var file = row.querySelector("input[type=file]");
    return !textOf(row).value.trim() && !correctOf(row).checked && !(file && file.value) &&
      !row.querySelector(".qb-stored-image") && !row.classList.contains("has-error");
  }

  // One correct answer for single choice and true / false.
  rows.forEach(function (row) {
    correctOf(row).addEventListener("change", function (event) {
      if (!event.target.checked || kind() === "multiple") return;
      rows.forEach(function (other) {
        if (other !== row) correctOf(other).checked = false;
      });
    });
  });

  // Hide empty rows beyond the fourth (or the second for true / false).
  function visibleMinimum() { return kind() === "truefalse" ? 2 : 4; }
  function layout() {
    var lastFilled = -1;
    rows.forEach(function (row, index) { if (!isBlank(row)) lastFilled = index; });
    var shown = Math.max(visibleMinimum(), lastFilled + 1);
    rows.forEach(function (row, index) { row.hidden = index >= shown; });
    if (addButton) addButton.hidden = shown >= rows.length || kind() === "truefalse";
  }
  if (addButton) {
    addButton.addEventListener("click", function () {
      var next = rows.filter(function (row) { return row.hidden; })[0];
      if (!next) return;
      next.hidden = false;
      textOf(next).focus();
      if (!rows.some(function (row) { return row.hidden; })) addButton.hidden = true;
    });
  }

  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (kind() === "truefalse" && optionsBox) {
        var first = textOf(rows[0]), second = textOf(rows[1]);
        if (!first.value.trim() && !second.value.trim()) {
          first.value = optionsBox.getAttribute("data-true-label");
          second.value = optionsBox.getAttribute("data-false-label");
        }
      }
      if (kind() !== "multiple") {
        var seen = false;
        rows.forEach(function (row) {
          var box = correctOf(row);
          if (box.checked && seen) box.checked = false;
          if (box.checked) seen = true;
        });
      }
      layout();
    });
  });
  layout();
})();
