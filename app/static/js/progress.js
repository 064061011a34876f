// Progress report form: the percent follows the chosen status (completion means 100%, not started 0%),
// and the evidence hint shows when completion is proposed. The server enforces the same rules.
(function () {
  var form = document.getElementById("progress-report-form");
  if (!form) { return; }
  var status = form.querySelector("[data-progress-status]");
  var percent = form.querySelector("[data-progress-percent]");
  var hint = form.querySelector("[data-completion-hint]");
  function sync() {
    var value = status.value;
    var closing = value === "completion_proposed" || value === "completed";
    if (closing) { percent.value = 100; }
    if (value === "not_started") { percent.value = 0; }
    percent.readOnly = closing || value === "not_started";
    if (hint) { hint.classList.toggle("d-none", !closing); }
  }
  if (status && percent) {
    status.addEventListener("change", sync);
    sync();
  }
})();
