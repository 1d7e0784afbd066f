// Progressive enhancement for Hireloop's candidate pages: everything works without it.
// - Offer times: empty window rows collapse behind an "Add another window" button.
// - Every form: a second press of its submit button while the first is on its way is ignored.
// - An answer box with a limit shows how many characters are left.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function enhanceWindows(list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll(".row"));
    var add = document.getElementById("add-window");
    if (!add || rows.length < 2) return;
    function filled(row) {
      return Array.prototype.some.call(row.querySelectorAll("select,input"), function (f) { return f.value !== ""; });
    }
    var shown = 0;
    rows.forEach(function (row, i) {
      if (i === 0 || filled(row) || row.querySelector(".field-error")) { shown = i + 1; }
    });
    rows.forEach(function (row, i) { row.hidden = i >= Math.max(shown, 1); });
    add.hidden = shown >= rows.length;
    add.addEventListener("click", function () {
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].hidden) {
          rows[i].hidden = false;
          var first = rows[i].querySelector("select,input");
          if (first) first.focus();
          if (i === rows.length - 1) add.hidden = true;
          return;
        }
      }
    });
  }

  function guardSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sending") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); }
    });
  }

  function counter(area) {
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    var out = document.getElementById(area.id + "-count");
    if (!limit || !out) return;
    var template = out.getAttribute("data-template") || "{count} / {limit}";
    function update() {
      out.textContent = template.replace("{count}", String(area.value.length)).replace("{limit}", String(limit));
    }
    area.addEventListener("input", update);
    update();
    out.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("windows");
    if (list) enhanceWindows(list);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-guard]"), guardSubmit);
    Array.prototype.forEach.call(document.querySelectorAll("textarea[maxlength]"), counter);
  });
})();
