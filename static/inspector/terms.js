// each sample's part of dW: a_prev · ∂L/∂z per row of the batch (the chain reply's `terms`),
// as signed bars, largest first, with their sum; a click on one follows that sample
import { GRAD_NEG, GRAD_POS } from "../core/colors.js";
import { fmt } from "../core/format.js";
import { sampleName } from "../core/names.js";

const SVG = "http://www.w3.org/2000/svg";
const SHOWN = 40;          // bars drawn; the rest are counted
const BAR_H = 14;

function svgEl(doc, tag, attrs = {}, parent) {
  const node = doc.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

/** how many terms push dW up, down, or not at all (a product of exactly 0) */
export function termSigns(terms) {
  const up = terms.filter((t) => t.product > 0).length, down = terms.filter((t) => t.product < 0).length;
  return { up, down, none: terms.length - up - down };
}

/** the terms sorted by size, largest |product| first */
export function sortedTerms(terms) {
  return [...terms].sort((a, b) => Math.abs(b.product ?? 0) - Math.abs(a.product ?? 0));
}

/** the block [data-role=sample-terms] for chain reply `c`; `follow(n)` follows sample n */
export function renderTerms(doc, c, { follow, followed }) {
  const box = doc.createElement("div");
  box.className = "sample-terms";
  box.dataset.role = "sample-terms";
  box.dataset.count = String(c.terms_count);
  box.dataset.sum = String(c.terms_sum);
  const terms = sortedTerms(c.terms);
  const { up, down, none } = termSigns(c.terms);
  const intro = doc.createElement("p");
  intro.className = "note";
  intro.textContent = `Each sample of the batch adds a_prev · ∂L/∂z to dW: of the ${c.terms.length} shown, ${up} push it up (purple), ${down} down (green)`
    + `${none ? `, ${none} add${none === 1 ? "s" : ""} exactly 0 (a factor is 0 for ${none === 1 ? "it" : "them"}: a unit dropped, or a ReLU off)` : ""}. `
    + `They sum to dW = ${fmt(c.terms_sum, 6)}${c.terms_count > c.terms.length ? ` (over all ${c.terms_count} rows; the first ${c.terms.length} are listed)` : ""}. Click a bar to follow that sample.`;
  box.append(intro);
  const shown = terms.slice(0, SHOWN);
  const biggest = Math.max(1e-300, ...shown.map((t) => Math.abs(t.product ?? 0)));
  const width = 300, mid = width / 2 + 20;
  const svg = svgEl(doc, "svg", { viewBox: `0 0 ${width + 40} ${shown.length * BAR_H + 4}`, class: "terms-bars",
                                  role: "list", "aria-label": "each sample's part of dW, largest first" });
  svgEl(doc, "line", { x1: mid, x2: mid, y1: 0, y2: shown.length * BAR_H + 4, class: "axis" }, svg);
  shown.forEach((t, k) => {
    const g = svgEl(doc, "g", { class: `term${t.sample === followed ? " followed" : ""}`, role: "listitem", tabindex: "0",
                                "data-sample": String(t.sample), "data-product": String(t.product) }, svg);
    const len = (Math.abs(t.product ?? 0) / biggest) * (width / 2 - 30);
    const y = 2 + k * BAR_H;
    svgEl(doc, "rect", { x: t.product < 0 ? mid - len : mid, y: y + 1, width: Math.max(0.5, len), height: BAR_H - 3,
                         fill: t.product < 0 ? GRAD_NEG : GRAD_POS }, g);
    const label = svgEl(doc, "text", { x: t.product < 0 ? mid + 4 : mid - 4, y: y + BAR_H - 4,
                                       "text-anchor": t.product < 0 ? "start" : "end", class: "term-label" }, g);
    label.textContent = sampleName(t.sample);
    const value = `sample ${sampleName(t.sample)}: ${fmt(t.a_prev, 4)} · ${fmt(t.dL_dz, 4)} = ${fmt(t.product, 4)}`;
    g.setAttribute("aria-label", value);
    svgEl(doc, "title", {}, g).textContent = value;
    const go = () => follow(t.sample);
    g.addEventListener("click", go);
    g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  });
  box.append(svg);
  if (terms.length > SHOWN) {
    const rest = terms.slice(SHOWN).reduce((s, t) => s + (t.product ?? 0), 0);
    const more = doc.createElement("p");
    more.className = "note";
    more.textContent = `…and ${c.terms_count - SHOWN} smaller ones, together ${fmt(rest + (c.terms_count > c.terms.length ? c.terms_sum - c.terms.reduce((s, t) => s + (t.product ?? 0), 0) : 0), 4)}.`;
    box.append(more);
  }
  return box;
}
