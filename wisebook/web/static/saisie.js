// The entry form by keyboard: Enter moves on (a new line at the end), an empty amount takes
// the difference that balances the entry, totals follow each keystroke, Ctrl+Enter posts.
// Without this script the form posts as it is.
(function () {
  "use strict";
  var form = document.querySelector("form.saisie");
  if (!form) return;
  var places = parseInt(form.dataset.decimales || "0", 10);
  var body = form.querySelector("table.lignes tbody");
  var digits = { minimumFractionDigits: places, maximumFractionDigits: places };
  // Amounts typed into the form stay in the server's reading (French grouping, decimal comma);
  // totals are shown as the page's language groups them.
  var group = new Intl.NumberFormat("fr-FR", digits);
  var reader = new Intl.NumberFormat(form.dataset.langue === "en" ? "en-GB" : "fr-FR", digits);
  var say = form.dataset;

  // Integer minor units, read as the server reads a typed amount (ledger/money.minor_from_text):
  // NaN where the server refuses or asks (« 25,000 »: 25 000 or 25?), so no total guesses.
  function units(text) {
    var t = (text || "").replace(/[\s\u00a0\u202f\u2009]/g, "");
    var scale = Math.pow(10, places);
    if (!t) return 0;
    if (/^\d+$/.test(t)) return parseInt(t, 10) * scale;
    if (places === 0 && /^[1-9]\d{0,2}(\.\d{3})+$/.test(t)) return parseInt(t.replace(/\./g, ""), 10);
    var three = /^[1-9]\d{0,2}[.,](\d{3})$/.exec(t);
    if (three && three[1].replace(/0+$/, "").length <= places) return NaN;
    var whole = t, frac = "";
    if (t.indexOf(",") >= 0) {
      var halves = t.split(",");
      if (halves.length !== 2) return NaN;
      whole = halves[0]; frac = halves[1];
      if (whole.indexOf(".") >= 0) {  // 1.234.567,50: dots group thousands
        var groups = whole.split(".");
        if (!groups[0] || groups.slice(1).some(function (g) { return g.length !== 3; })) return NaN;
        whole = groups.join("");
      }
    } else if (t.indexOf(".") >= 0) {
      var parts = t.split(".");
      if (parts.length !== 2) return NaN;
      whole = parts[0]; frac = parts[1];
    }
    if (!/^\d+$/.test(whole) || (frac && !/^\d+$/.test(frac))) return NaN;
    var significant = frac.replace(/0+$/, "");
    if (significant.length > places) return NaN;
    return parseInt(whole, 10) * scale + (places ? parseInt(significant.padEnd(places, "0"), 10) : 0);
  }
  function text(u) { return group.format(u / Math.pow(10, places)); }
  function shown(u) { return reader.format(u / Math.pow(10, places)); }
  function totals() {
    var d = 0, c = 0;
    body.querySelectorAll("input[name=debit]").forEach(function (i) { d += units(i.value) || 0; });
    body.querySelectorAll("input[name=credit]").forEach(function (i) { c += units(i.value) || 0; });
    return { debit: d, credit: c };
  }
  function show() {
    var t = totals();
    document.getElementById("total-debit").textContent = shown(t.debit);
    document.getElementById("total-credit").textContent = shown(t.credit);
    var gap = t.debit - t.credit;
    var out = document.getElementById("ecart");
    var gapText = (gap > 0 ? say.ecartCredit : say.ecartDebit) || "";
    out.textContent = gap === 0 ? (t.debit ? say.equilibree : "") : gapText.replace("${ecart}", shown(Math.abs(gap)));
    out.className = gap === 0 ? "equilibre" : "desequilibre";
  }
  function fields() { return Array.prototype.slice.call(form.querySelectorAll("input:not([type=hidden]), select")); }
  function addLine() {
    var last = body.lastElementChild;
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); });
    row.querySelectorAll(".erreur").forEach(function (p) { p.remove(); });
    body.appendChild(row);
    return row;
  }
  // The chart's postable accounts, for the account fields' suggestions: the list is cached by
  // the browser and revalidated against the chart's version (ETag), never rebuilt per page.
  var list = document.getElementById("comptes");
  if (list && list.dataset.source && window.fetch) {
    fetch(list.dataset.source, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { comptes: [] }; })
      .then(function (data) {
        var options = document.createDocumentFragment();
        data.comptes.forEach(function (a) {
          var o = document.createElement("option");
          o.value = a[0];
          o.textContent = a[0] + " " + a[1];
          options.appendChild(o);
        });
        list.appendChild(options);
        list.dataset.pret = "oui";
      });
  }
  form.addEventListener("input", show);
  form.addEventListener("focusin", function (ev) {
    var input = ev.target;
    if (!(input.name === "debit" || input.name === "credit") || input.value) return;
    var row = input.closest("tr");
    var other = row.querySelector("input[name=" + (input.name === "debit" ? "credit" : "debit") + "]");
    if (other.value) return;
    var t = totals(), gap = input.name === "debit" ? t.credit - t.debit : t.debit - t.credit;
    if (gap > 0) { input.value = text(gap).replace(/[\s\u00a0\u202f]/g, " "); input.select(); show(); }
  });
  form.addEventListener("focusout", function (ev) {
    var input = ev.target;
    if ((input.name === "debit" || input.name === "credit") && units(input.value) === 0 && input.value) { input.value = ""; show(); }
  });
  form.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.target.tagName === "BUTTON") return;
    ev.preventDefault();
    if (ev.ctrlKey || ev.metaKey) {
      var post = document.getElementById("valider");
      if (post) { form.requestSubmit(post); }
      return;
    }
    var list = fields(), at = list.indexOf(ev.target);
    if (at === list.length - 1) { addLine(); list = fields(); }
    var next = list[at + 1];
    if (next) { next.focus(); if (next.select) next.select(); }
  });
  show();
})();
