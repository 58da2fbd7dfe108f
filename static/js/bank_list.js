// Bank list: the extra filters open on wide screens, "select all on this
// page", and the topic / tag fields of the bulk form shown only for the
// action that needs them. Without this script the filters are one click
// away, both bulk fields are shown and rows are ticked one by one.
(function () {
  "use strict";
  // The extra filters are folded away on phones; wide screens show them.
  var more = document.querySelector("details[data-open-wide]");
  if (more && window.matchMedia("(min-width: 720px)").matches) more.open = true;

  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = form.querySelector("[data-select-all]");
  var boxes = form.querySelectorAll("input[name=ids]");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var checked = form.querySelectorAll("input[name=ids]:checked").length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      });
    });
  }
  var action = form.querySelector("select[name=action]");
  var extras = form.querySelectorAll("[data-bulk-for]");
  function sync() {
    extras.forEach(function (box) {
      box.hidden = !action || box.getAttribute("data-bulk-for") !== action.value;
    });
  }
  if (action) {
    action.addEventListener("change", sync);
    sync();
  }
})();
