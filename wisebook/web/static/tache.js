// A background run followed on its page: the bar and the step move as the worker reports
// (GET /api/v1/taches/{id}/ every second), and the page is read again once the run has ended,
// to show its result. Without this script the page says where the run stands when it loads.
(function () {
  "use strict";
  var box = document.getElementById("suivi");
  if (!box || !window.fetch) return;
  var running = ["en_attente", "en_cours"];
  if (running.indexOf(box.dataset.etat) < 0) return;
  var bar = document.getElementById("progression");
  var step = document.getElementById("etape");
  function poll() {
    fetch(box.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { window.setTimeout(poll, 2000); return; }
        var p = run.progression || {};
        if (p.pourcentage !== null && p.pourcentage !== undefined) bar.value = p.pourcentage;
        if (p.message) step.textContent = p.message;
        if (running.indexOf(run.etat) >= 0) window.setTimeout(poll, 1000);
        else window.location.reload();
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 500);
})();
