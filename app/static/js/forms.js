// One behaviour for every form (issue 18), loaded by the base template; no inline scripts (CSP).
// 1. Busy state: a submitted form's buttons are disabled and say so; a second click is ignored.
// 2. Unsaved changes: leaving a page with an edited, unsubmitted form asks first (beforeunload).
// 3. After a server-side error, focus moves to the first field in error (or the error message).
// 4. File pickers speak Vietnamese, and say clearly when files have to be chosen again.
// 5. Day inputs (data-day): dd/mm/yyyy whatever the browser's language, "2122026" → "02/12/2026".
// Texts come from the <body data-form-*> attributes (translated by the server).
(function () {
  "use strict";
  var body = document.body;
  function text(name, fallback) { return body.getAttribute("data-form-" + name) || fallback; }

  // Forms that change something: POST forms, except those marked data-no-guard (log out, language).
  function guarded(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post" && !form.hasAttribute("data-no-guard");
  }

  // ---- 1. busy state --------------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.getAttribute("data-busy") === "1") {  // a second click while the first is on its way
      event.preventDefault();
      return;
    }
    form.setAttribute("data-busy", "1");
    form.setAttribute("aria-busy", "true");
    leaving = true;
    var submitter = event.submitter;
    // Disable after this turn: a button disabled now would drop its own name=value from the post.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
      if (submitter && submitter.tagName === "BUTTON") {
        var spinner = document.createElement("span");
        spinner.className = "spinner-border spinner-border-sm ms-2";
        spinner.setAttribute("aria-hidden", "true");
        submitter.appendChild(spinner);
        var status = document.createElement("span");
        status.className = "visually-hidden";
        status.setAttribute("role", "status");
        status.textContent = text("busy", "Đang xử lý…");
        submitter.appendChild(status);
      }
    }, 0);
  });

  // Back/forward cache: a page shown again must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    leaving = false;
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.removeAttribute("data-busy");
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[aria-disabled=true]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        button.querySelectorAll(".spinner-border, [role=status]").forEach(function (el) { el.remove(); });
      });
    });
  });

  // ---- 2. unsaved changes ---------------------------------------------------------------------
  var leaving = false;
  function markDirty(event) {
    var form = event.target.form;
    if (form && guarded(form) && !event.target.hasAttribute("data-no-guard")) { form.setAttribute("data-dirty", "1"); }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  window.addEventListener("beforeunload", function (event) {
    if (leaving || !document.querySelector("form[data-dirty]")) { return; }
    event.preventDefault();
    event.returnValue = "";  // Chromium shows its own "Leave site?" text; the value only has to be set
  });

  // ---- 3. focus on the first error ------------------------------------------------------------
  function focusFirstError() {
    var main = document.getElementById("main") || body;
    var field = main.querySelector(".is-invalid, [aria-invalid=true]");
    var target = field;
    if (!target) {
      target = main.querySelector("[data-form-error], [data-testid=form-error], [data-testid=task-error]");
      if (target && !target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    }
    if (!target) { return; }
    target.scrollIntoView({ block: "center", behavior: "instant" });
    target.focus({ preventScroll: true });
  }

  // ---- 4. file pickers ------------------------------------------------------------------------
  function describeFiles(input, status) {
    var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    status.textContent = files.length ? files.join(", ") : text("no-file", "Chưa chọn tệp");
  }

  function filePicker(input, index) {
    if (input.hasAttribute("data-picker")) { return; }
    input.setAttribute("data-picker", "1");
    if (!input.id) { input.id = "file-picker-" + index; }
    var wrap = document.createElement("div");
    wrap.className = "file-picker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    input.classList.add("file-picker-input");
    var button = document.createElement("label");
    button.className = "btn btn-outline-secondary btn-sm file-picker-button";
    button.setAttribute("for", input.id);
    button.textContent = input.multiple ? text("choose-files", "Chọn tệp…") : text("choose-file", "Chọn tệp…");
    var status = document.createElement("span");
    status.className = "file-picker-status small";
    status.setAttribute("aria-live", "polite");
    wrap.appendChild(button);
    wrap.appendChild(status);
    describeFiles(input, status);
    input.addEventListener("change", function () { describeFiles(input, status); });
    // After a server-side error the browser cannot keep chosen files: say so next to the picker.
    var form = input.form;
    if (form && form.querySelector(".is-invalid, .invalid-feedback, [data-form-error]")) {
      var again = document.createElement("div");
      again.className = "form-text text-danger-emphasis file-picker-again";
      again.textContent = text("files-again", "Tệp đã chọn chưa được gửi: vui lòng chọn lại tệp.");
      wrap.parentNode.insertBefore(again, wrap.nextSibling);
    }
  }

  // ---- 5. day inputs --------------------------------------------------------------------------
  function pad(n) { return (n.length < 2 ? "0" : "") + n; }
  function normaliseDay(input) {
    var value = input.value.trim();
    var digits = /^(\d{2})(\d{2})(\d{4})$/.exec(value);
    var parts = digits || /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})$/.exec(value);
    if (parts) { input.value = pad(parts[1]) + "/" + pad(parts[2]) + "/" + parts[3]; }
  }
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("input[data-day]")) { normaliseDay(event.target); }
  });

  function start() {
    document.querySelectorAll("input[type=file]").forEach(filePicker);
    document.querySelectorAll("input[data-day]").forEach(function (input) {
      if (!input.title) { input.title = text("day-hint", "ngày/tháng/năm, ví dụ 02/12/2026"); }
    });
    focusFirstError();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
