// The entry form by keyboard, at Sage's pace: Enter moves on (a new line at the end), from the
// account to its amount (the line's label is the entry's; Tab reaches it); an
// amount typed in the debit goes on to the next line, an empty one takes the difference that
// balances the entry; the Tiers field is passed unless the account is lettrable; the account
// is found by number or by words of its label (accents and case ignored) and its label shown,
// the tiers by code or by words of its name, and its name shown; on a VAT account (443x, 445x)
// the country's tax code is proposed with its base (the entry's lines before tax: classes 2, 6,
// 7) and, the amount being empty, the tax at the code's rate; changing the code recomputes it;
// totals follow each keystroke; Ctrl+Enter posts; a refused form opens on its first message.
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
    row.querySelectorAll("input, select").forEach(function (i) {
      i.value = ""; i.removeAttribute("aria-invalid"); i.removeAttribute("aria-describedby");
    });
    delete row.dataset.taxeProposee;
    row.querySelectorAll(".erreur, .avertissement, .suggestions").forEach(function (p) { p.remove(); });
    row.querySelectorAll(".compte-libelle, .tiers-nom").forEach(function (l) { l.textContent = ""; });
    body.appendChild(row);
    return row;
  }

  // The chart's postable accounts: [number, label, lettrable], cached by the browser and
  // revalidated against the chart's version (ETag), never rebuilt per page.
  var accounts = {}, index = [];
  var list = document.getElementById("suggestions");
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function lettrable(row) {
    var known = accounts[row.querySelector("input[name=compte]").value.trim()];
    return known ? known[1] : null;  // null: not known (yet)
  }
  function described(input) {
    var row = input.closest("tr");
    var known = accounts[input.value.trim()];
    var label = row.querySelector(".compte-libelle");
    var said = row.querySelector("td.compte .erreur");  // the server's message says it already
    label.textContent = known ? known[0] : (input.value.trim() && list.dataset.pret && !said ? say.inconnu : "");
    label.classList.toggle("inconnu", !known && !!input.value.trim());
    var partner = row.querySelector("input[name=tiers]");
    if (known && !known[1] && !partner.value) partner.tabIndex = -1; else partner.removeAttribute("tabindex");
  }
  if (list && list.dataset.source && window.fetch) {
    fetch(list.dataset.source, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { comptes: [] }; })
      .then(function (data) {
        data.comptes.forEach(function (a) {
          accounts[a[0]] = [a[1], a[2]];
          index.push({ code: a[0], label: a[1], key: fold(a[0] + " " + a[1]) });
        });
        list.dataset.pret = "oui";
        body.querySelectorAll("input[name=compte]").forEach(function (i) { if (i.value) described(i); });
      });
  }

  // Suggestions under the account or the tiers being typed: an account by number (its first
  // digits) or by words of its label, from the chart the page holds; a tiers by code or by
  // words of its name or identifiers, asked of the server (those the line's account may take).
  // ↓ ↑ choose, Entrée takes the one chosen (the first by default), Échap closes.
  var partnerList = document.getElementById("suggestions-tiers");
  var open = null, shownList = null, active = -1, found = [], asked = 0, waiting = null;
  function matches(q) {
    q = q.trim();
    if (!q) return [];
    if (/^\d+$/.test(q)) {
      var exact = accounts[q] ? [{ code: q, label: accounts[q][0] }] : [];
      return exact.concat(index.filter(function (a) { return a.code !== q && a.code.indexOf(q) === 0; })).slice(0, 8);
    }
    var words = fold(q).split(/\s+/);
    return index.filter(function (a) {
      return words.every(function (w) { return a.key.indexOf(w) >= 0; });
    }).slice(0, 8);
  }
  function close() {
    if (!open) return;
    open.setAttribute("aria-expanded", "false");
    open.removeAttribute("aria-activedescendant");
    shownList.hidden = true;
    open = null; shownList = null; active = -1; found = [];
  }
  function choose(at) {
    active = at;
    shownList.querySelectorAll("li").forEach(function (li, i) { li.setAttribute("aria-selected", i === at ? "true" : "false"); });
    if (open && at >= 0) open.setAttribute("aria-activedescendant", shownList.id + "-" + at);
  }
  function offer(input, into, items) {
    var exactOnly = items.length === 1 && items[0].code === input.value.trim();
    if (!items.length || exactOnly || document.activeElement !== input) { close(); return; }
    close();
    found = items;
    into.textContent = "";
    items.forEach(function (a, i) {
      var li = document.createElement("li");
      li.id = into.id + "-" + i;
      li.setAttribute("role", "option");
      var code = document.createElement("b");
      code.textContent = a.code;
      li.appendChild(code);
      li.appendChild(document.createTextNode(" " + a.label));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); take(input, i); });
      into.appendChild(li);
    });
    input.closest("td").appendChild(into);
    into.hidden = false;
    open = input; shownList = into;
    input.setAttribute("aria-expanded", "true");
    choose(0);
  }
  function suggest(input) { offer(input, list, matches(input.value)); }
  function suggestPartners(input) {
    if (!partnerList || !window.fetch) return;
    clearTimeout(waiting);
    var q = input.value.trim(), mine = ++asked;
    if (!q) { close(); return; }
    waiting = setTimeout(function () {
      var account = input.closest("tr").querySelector("input[name=compte]").value.trim();
      var url = partnerList.dataset.source + "?q=" + encodeURIComponent(q) + (/^\d+$/.test(account) ? "&compte=" + account : "");
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { tiers: [] }; })
        .then(function (data) {
          if (mine !== asked) return;  // typed on since: a later answer comes
          data.tiers.forEach(function (t) { partners[t[0]] = t[1]; });
          offer(input, partnerList, data.tiers.map(function (t) { return { code: t[0], label: t[1] }; }));
          named(input);
        });
    }, 120);
  }
  var partners = {};  // the names of the tiers met, by code
  function named(input) {
    var label = input.closest("td").querySelector(".tiers-nom");
    var code = input.value.trim();
    if (label && (partners[code] || !code)) label.textContent = partners[code] || "";
  }
  function take(input, at) {
    if (at >= 0 && found[at]) input.value = found[at].code;
    close();
    if (input.name === "tiers") named(input); else described(input);
  }

  // Tax codes of the company's country: [{code, taux (hundredths of a percent), libelle}].
  var taxes = JSON.parse(form.dataset.taxes || "[]");
  function rate(code) {
    for (var i = 0; i < taxes.length; i++) if (taxes[i].code === code) return taxes[i].taux;
    return 0;
  }
  function vatSide(account) {
    return /^443/.test(account) ? "credit" : (/^445/.test(account) ? "debit" : null);
  }
  function beforeTax(except) {  // the entry's amounts on classes 2, 6 and 7
    var sum = 0;
    body.querySelectorAll("tr").forEach(function (row) {
      if (row === except) return;
      var account = row.querySelector("input[name=compte]").value.trim();
      if (!/^[267]/.test(account)) return;
      sum += (units(row.querySelector("input[name=debit]").value) || 0) + (units(row.querySelector("input[name=credit]").value) || 0);
    });
    return sum;
  }
  function taxOn(base, hundredths) { return Math.floor((base * hundredths + 5000) / 10000); }
  function proposeTax(row) {
    var account = row.querySelector("input[name=compte]").value.trim();
    var side = vatSide(account);
    var code = row.querySelector("select[name=taxe]"), base = row.querySelector("input[name=base]");
    if (!side || !code || !taxes.length) return;
    if (!code.value) {
      var standard = taxes.filter(function (t) { return t.taux > 0; })[0];
      if (!standard) return;
      code.value = standard.code;
    }
    var amountInput = row.querySelector("input[name=" + side + "]");
    var other = row.querySelector("input[name=" + (side === "debit" ? "credit" : "debit") + "]");
    if (!base.value) {
      var b = beforeTax(row);
      if (!b) return;
      base.value = text(b).replace(/[\s\u00a0\u202f]/g, " ");
    }
    if ((!amountInput.value && !other.value) || row.dataset.taxeProposee) {
      var due = taxOn(units(base.value) || 0, rate(code.value));
      if (due > 0) {
        amountInput.value = text(due).replace(/[\s\u00a0\u202f]/g, " ");
        row.dataset.taxeProposee = "oui";
      }
    }
    show();
  }
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "taxe" || ev.target.name === "base") proposeTax(ev.target.closest("tr"));
  });

  form.addEventListener("input", function (ev) {
    if (ev.target.name === "debit" || ev.target.name === "credit") delete ev.target.closest("tr").dataset.taxeProposee;
    if (ev.target.name === "compte") { suggest(ev.target); described(ev.target); }
    if (ev.target.name === "tiers") { suggestPartners(ev.target); named(ev.target); }
    show();
  });
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
    if (input.name === "compte") { close(); described(input); proposeTax(input.closest("tr")); }
    if (input.name === "tiers") { clearTimeout(waiting); asked++; close(); named(input); }
    if ((input.name === "debit" || input.name === "credit") && units(input.value) === 0 && input.value) { input.value = ""; show(); }
  });
  // Where Entrée goes from ``input``: the next field, but not the credit of a line whose debit
  // is typed, nor the Tiers of an account that is not lettrable.
  function following(input, list) {
    var at = list.indexOf(input), row = input.closest("tr");
    for (var i = at + 1; i < list.length; i++) {
      var next = list[i], same = next.closest("tr") === row && row;
      if (same && next.name === "credit" && units(row.querySelector("input[name=debit]").value) > 0) continue;
      if (same && next.name === "libelle_ligne" && !next.value) continue;  // the entry's label; Tab reaches it
      if (next.name === "tiers" && lettrable(next.closest("tr")) === false && !next.value) continue;
      // the tax and its base: on a VAT line (proposed), or where one is set; Tab reaches them
      if ((next.name === "taxe" || next.name === "base") && !next.value && !vatSide(next.closest("tr").querySelector("input[name=compte]").value.trim())) continue;
      return next;
    }
    return null;
  }
  form.addEventListener("keydown", function (ev) {
    var input = ev.target;
    if (open === input && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
      ev.preventDefault();
      choose((active + (ev.key === "ArrowDown" ? 1 : found.length - 1)) % found.length);
      return;
    }
    if (open === input && ev.key === "Escape") { ev.preventDefault(); close(); return; }
    if (ev.key !== "Enter" || input.tagName === "BUTTON") return;
    ev.preventDefault();
    if (ev.ctrlKey || ev.metaKey) {
      if (open) take(open, active);
      var post = document.getElementById("valider") || document.getElementById("brouillon");
      if (post) { form.requestSubmit(post); }
      return;
    }
    if (open === input) take(input, active);
    var all = fields(), next = following(input, all);
    if (!next) { addLine(); all = fields(); next = following(input, all); }
    if (next) { next.focus(); if (next.select) next.select(); }
  });

  // A refused or questioned form opens on its first message's field; a blank one after a saved
  // entry on its date, selected (typing replaces it, Entrée keeps it).
  var first = form.querySelector(".erreur, .avertissement");
  var target = first ? (first.closest("td, .champ") || form).querySelector("input:not([type=hidden]), select") : form.querySelector("[autofocus]");
  if (first && !first.closest("td, .champ")) target = body.querySelector("input[name=compte]");
  if (target) { target.focus(); if (target.select) target.select(); }
  show();
})();
