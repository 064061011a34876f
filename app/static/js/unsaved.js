// Never lose typing (issue 17): warn before leaving a page whose form has unsaved edits, and when
// "Cập nhật số liệu" is pressed with unsaved edits, ask first and then save the edits together with
// the new cut-off (the server saves, then regenerates).  No inline script: the CSP forbids it.
(function () {
  "use strict";
  var guarded = Array.prototype.slice.call(document.querySelectorAll("form[data-guard-unsaved]"));
  if (!guarded.length) {
    return;
  }
  var submitting = false;

  function snapshot(form) {
    return Array.prototype.map.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") {
        return "";
      }
      return el.name + "=" + (el.type === "checkbox" || el.type === "radio" ? el.checked : el.value);
    }).join("\u0001");
  }

  guarded.forEach(function (form) {
    // Prefilled suggestions come from the data and are offered again on every visit: only what the
    // person types counts as an unsaved edit.
    form.dataset.initial = snapshot(form);
    form.addEventListener("submit", function () { submitting = true; });
  });

  function dirtyForms() {
    return guarded.filter(function (form) { return snapshot(form) !== form.dataset.initial; });
  }

  window.addEventListener("beforeunload", function (event) {
    if (!submitting && dirtyForms().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var regenerate = document.querySelector("form[data-regenerate]");
  var reportForm = document.querySelector("form[data-report-form]");
  if (regenerate && reportForm) {
    regenerate.addEventListener("submit", function (event) {
      if (dirtyForms().indexOf(reportForm) === -1) {
        return;
      }
      event.preventDefault();
      submitting = false;
      if (!window.confirm(regenerate.getAttribute("data-unsaved-confirm"))) {
        return;
      }
      var asOf = regenerate.querySelector("input[name='as_of']");
      reportForm.querySelector("input[name='regenerate_as_of']").value = asOf ? asOf.value : "";
      submitting = true;
      reportForm.submit();
    }, true);
  }
})();
