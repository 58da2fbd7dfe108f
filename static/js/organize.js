// Organizer pages: the live panel's numbers (polled every few seconds), the
// "add a draw rule" button, and a short-address suggestion from the title.
// Every page works without this script.
(function () {
  "use strict";

  var panel = document.querySelector("[data-stats-url]");
  if (panel) {
    var url = panel.getAttribute("data-stats-url");
    var seconds = parseInt(panel.getAttribute("data-poll-seconds"), 10) || 5;
    var stale = panel.querySelector("[data-stale-notice]");
    var updated = panel.querySelector("[data-updated]");
    var lang = document.documentElement.lang || "vi";
    var fmt = new Intl.NumberFormat(lang);
    var show = function (scope, numbers) {
      if (!scope || !numbers) return;
      ["in_progress", "finished", "participants"].forEach(function (key) {
        var cell = scope.querySelector('[data-stat="' + key + '"]');
        if (cell && typeof numbers[key] === "number") cell.textContent = fmt.format(numbers[key]);
      });
    };
    var refresh = function () {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          show(panel.querySelector("[data-totals]"), data.totals);
          (data.blocks || []).forEach(function (row) {
            var key = row.id === null ? "none" : String(row.id);
            show(panel.querySelector('[data-block="' + key + '"]'), row);
          });
          var state = panel.querySelector("[data-state]");
          if (state && data.state_label) {
            state.textContent = data.state_label;
            state.className = "state state-" + data.state;
          }
          if (updated) updated.textContent = "(" + new Date().toLocaleTimeString(lang) + ")";
          if (stale) stale.hidden = true;
        })
        .catch(function () { if (stale) stale.hidden = false; });
    };
    window.setInterval(refresh, seconds * 1000);
    document.addEventListener("visibilitychange", refresh);
  }

  var add = document.querySelector("[data-add-rule]");
  var template = document.getElementById("rule-template");
  var total = document.getElementById("id_rules-TOTAL_FORMS");
  var max = document.getElementById("id_rules-MAX_NUM_FORMS");
  var list = document.querySelector("[data-rules]");
  if (add && template && total && list) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var first = list.lastElementChild && list.lastElementChild.querySelector("select, input");
      if (first) first.focus();
    });
  }

  var title = document.getElementById("id_title");
  var slug = document.querySelector("[data-suggest-slug] input");
  if (title && slug) {
    var touched = slug.value !== "";
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    title.addEventListener("input", function () {
      if (touched) return;
      slug.value = title.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[đĐ]/g, "d").toLowerCase().replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "").slice(0, 80);
    });
  }
})();
