// Lettrage by keyboard: ↑ ↓ move from one line's box to the next, Espace chooses it, the
// running sum of the chosen lines follows, and the button letters them once they balance
// (Ctrl+Entrée too). Without this script the form posts the lines chosen as it is, and the
// server says why a sum that does not balance is refused.
(function () {
  "use strict";
  var form = document.querySelector("form.lettrage");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=ligne]"));
  var out = document.getElementById("selection");
  var button = document.getElementById("lettrer");
  if (!out || !button) return;
  var places = parseInt(form.dataset.decimales || "0", 10);
  var digits = { minimumFractionDigits: places, maximumFractionDigits: places };
  var reader = new Intl.NumberFormat(form.dataset.langue === "en" ? "en-GB" : "fr-FR", digits);
  function sum() {
    var n = 0, total = 0;
    boxes.forEach(function (b) { if (b.checked) { n += 1; total += parseInt(b.dataset.solde, 10); } });
    return { n: n, total: total };
  }
  function show() {
    var s = sum();
    var text = reader.format(Math.abs(s.total) / Math.pow(10, places)) + (s.total > 0 ? " D" : s.total < 0 ? " C" : "");
    if (!s.n) out.textContent = out.dataset.vide;
    else if (s.total === 0 && s.n > 1) out.textContent = out.dataset.zero.replace("${n}", s.n);
    else out.textContent = (s.n === 1 ? out.dataset.une : out.dataset.somme).replace("${n}", s.n).replace("${solde}", text);
    out.className = s.n > 1 && s.total === 0 ? "equilibre" : "";
    button.disabled = !(s.n > 1 && s.total === 0);
  }
  form.addEventListener("change", show);
  form.addEventListener("keydown", function (ev) {
    var at = boxes.indexOf(ev.target);
    if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && at >= 0) {
      ev.preventDefault();
      var next = boxes[at + (ev.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
    } else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      if (!button.disabled) form.requestSubmit(button);
    }
  });
  show();
})();
