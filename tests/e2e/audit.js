() => {
  // WCAG 2.1 AA on what is on screen: text contrast (4.5:1, 3:1 for large text), a name for
  // every form control, a text alternative for every image and chart.
  function rgb(text) {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(",").map(s => parseFloat(s));
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function background(el) {
    let layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = { r: 255, g: 255, b: 255 };
    for (const c of layers.reverse()) {
      out = { r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a), b: c.b * c.a + out.b * (1 - c.a) };
    }
    return out;
  }
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    if (el.closest("svg, option, .cache, .evitement")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || box.width === 0 || box.height === 0) continue;
    const fg = rgb(style.color);
    const bg = background(el);
    const a = lum(fg) + 0.05, b = lum(bg) + 0.05;
    const ratio = Math.max(a, b) / Math.min(a, b);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contraste ${ratio.toFixed(2)} : « ${node.textContent.trim().slice(0, 40)} »`);
  }
  for (const c of document.querySelectorAll("input:not([type=hidden]), select, textarea, button")) {
    const name = c.labels && c.labels.length ? c.labels[0].textContent.trim() : (c.getAttribute("aria-label") || c.getAttribute("aria-labelledby") || (c.tagName === "BUTTON" ? c.textContent.trim() : ""));
    if (!name) problems.push(`sans nom : <${c.tagName.toLowerCase()} name="${c.name || ""}">`);
  }
  for (const i of document.querySelectorAll("img:not([alt])")) problems.push(`image sans alt : ${i.src}`);
  for (const s of document.querySelectorAll("svg")) if (!s.getAttribute("aria-label") && s.getAttribute("aria-hidden") !== "true") problems.push("graphique sans nom");
  if (!document.documentElement.lang) problems.push("page sans langue");
  return problems;
}
