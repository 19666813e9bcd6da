// batch norm and dropout in the drawing: a "BN" tag on the units of a batch-norm layer, and the
// units dropout switched off for the followed sample crossed out, with the weights that carry
// nothing for this sample dimmed
import { fmt } from "../core/format.js";
import { put, svgEl } from "./svg.js";

/** mark each unit from the state's `batch_norm`, `dropout` and the sample's `mask` */
export function restyleOptions(view, state) {
  const layers = state.layers;
  const dropped = [];                 // dropped[L][i]: unit i of layer L is off for this sample
  for (let L = 1; L < view.last; L++) {
    const layer = layers[L - 1];
    const mask = state.sample.layers[L - 1].mask ?? null;
    dropped[L] = view.nodes[L].map((n, i) => {
      if (layer.batch_norm && !n.bnTag) n.bnTag = tag(n, "BN", "bn-tag");
      if (n.bnTag) n.bnTag.style.display = layer.batch_norm ? "" : "none";
      const off = !!(layer.dropout && mask && mask[i] === 0);
      if (off && !n.cross) n.cross = cross(n);
      if (n.cross) n.cross.style.display = off ? "" : "none";
      if (n.g.classList.contains("dropped") !== off) n.g.classList.toggle("dropped", off);
      if (layer.dropout) put(n.g, "data-dropped", String(off));
      // the unit's name says its stages (the panel shows them in full)
      const sample = state.sample.layers[L - 1];
      if (layer.batch_norm && sample.z_hat && sample.z_hat[i] !== null && layer.batch_norm.mean) {
        n.about += `; batch norm: z = ${fmt(sample.z[i], 4)} → ẑ = ${fmt(sample.z_hat[i], 4)} → γẑ + β = ` +
                   `${fmt(sample.y[i], 4)} (the batch’s μ = ${fmt(layer.batch_norm.mean[i], 4)}, σ² = ${fmt(layer.batch_norm.var[i], 4)})`;
      }
      if (off) n.about += "; dropped by dropout for this sample";
      return off;
    });
  }
  if (!dropped.some((units) => units && units.includes(true)) && !view.hadDropped) return;
  view.hadDropped = dropped.some((units) => units && units.includes(true));
  // a dropped unit's weights out carry nothing from this sample, and without batch norm its
  // weights in neither (with it, z still feels the batch's mean and variance)
  for (let L = 1; L <= view.last; L++) {
    const into = L < view.last && !layers[L - 1].batch_norm ? dropped[L] : null;
    (view.edges[L] ?? []).forEach((row, i) => row.forEach((e, j) => {
      const off = !!(dropped[L - 1]?.[i] || into?.[j]);
      if (e.g.classList.contains("dropped-edge") !== off) e.g.classList.toggle("dropped-edge", off);
    }));
  }
}

function centre(n) {
  return [Number(n.body.getAttribute("cx")), Number(n.body.getAttribute("cy"))];
}

function tag(n, text, cls) {
  const [cx, cy] = centre(n);
  const t = svgEl("text", { x: cx + n.r - 2, y: cy + n.r + 2, class: cls, "aria-hidden": "true" }, n.g);
  t.textContent = text;
  return t;
}

function cross(n) {
  const [cx, cy] = centre(n);
  const d = n.r * 0.8;
  const g = svgEl("g", { class: "cross", "aria-hidden": "true" }, n.g);
  svgEl("line", { x1: cx - d, y1: cy - d, x2: cx + d, y2: cy + d }, g);
  svgEl("line", { x1: cx - d, y1: cy + d, x2: cx + d, y2: cy - d }, g);
  return g;
}
