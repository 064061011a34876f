// Directives pages (no inline scripts: the CSP forbids them).
// 1. "Thêm nội dung": clone the row template of a task's content items with the next free index.
// 2. Numbering helper: show the next number for the chosen issuer, type and date (term).
(function () {
  "use strict";

  function nextIndex(tbody) {
    var highest = -1;
    tbody.querySelectorAll("[name$='-text']").forEach(function (input) {
      var match = /-items-(\d+)-text$/.exec(input.name);
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    return highest + 1;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) { return; }
    var key = button.getAttribute("data-add-row");
    var tbody = document.querySelector("[data-rows='" + key + "']");
    var template = document.querySelector("template[data-template='" + key + "']");
    if (!tbody || !template) { return; }
    var index = String(nextIndex(tbody));
    var html = template.innerHTML.split("__i__").join(index);
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    tbody.appendChild(row);
    var first = row.querySelector("textarea, input");
    if (first) { first.focus(); }
  });

  var form = document.querySelector("form[data-numbering-url]");
  if (!form) { return; }
  var hint = document.querySelector("[data-number-hint]");
  var fields = ["doc_type", "issuer_suffix", "issued_on"].map(function (name) { return form.elements[name]; });

  function refresh() {
    var params = new URLSearchParams({
      type: form.elements.doc_type.value,
      issuer: form.elements.issuer_suffix.value || "HU"
    });
    if (form.elements.issued_on.value) { params.set("on", form.elements.issued_on.value); }
    fetch(form.getAttribute("data-numbering-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && hint) { hint.textContent = data.hint; }
      })
      .catch(function () { /* the hint is a convenience only */ });
  }

  fields.forEach(function (field) { if (field) { field.addEventListener("change", refresh); } });
  refresh();
})();
