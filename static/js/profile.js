// Profile form: load the communes of the chosen province, and show the
// agency and position fields only to officials. The form also works without
// this script (the server lists the chosen province's communes on reload).
(function () {
  "use strict";
  var province = document.getElementById("id_province_code");
  var ward = document.getElementById("id_ward_code");
  if (province && ward) {
    province.addEventListener("change", function () {
      var url = ward.getAttribute("data-wards-url") + "?province=" + encodeURIComponent(province.value);
      var placeholder = ward.options.length ? ward.options[0].text : "";
      ward.disabled = true;
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { wards: [] }; })
        .then(function (data) {
          ward.innerHTML = "";
          ward.add(new Option(placeholder, ""));
          data.wards.forEach(function (w) { ward.add(new Option(w.name, w.code)); });
        })
        .finally(function () { ward.disabled = false; });
    });
  }
  var officialOnly = document.querySelector("[data-official-only]");
  var kinds = document.querySelectorAll("input[name=kind]");
  function sync() {
    var chosen = document.querySelector("input[name=kind]:checked");
    if (officialOnly) officialOnly.hidden = !(chosen && chosen.value === "official");
  }
  kinds.forEach(function (k) { k.addEventListener("change", sync); });
  sync();
})();
