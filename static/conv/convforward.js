// the panels of a CNN's forward: a feature map's cell as patch ⊙ kernel + b = z, then a = f(z)
// and the gradient that came back to it (through the pool's routing); a pooled cell and its
// window; the guide before anything is clicked
import { activationFormula } from "../core/catalog.js";
import { fmt } from "../core/format.js";
import { sampleName } from "../core/names.js";
import * as M from "../inspector/mathml.js";
import { forwardCell } from "./convmath.js";
import { figureGrid, gridRow, para, section, twoDigits } from "./panelparts.js";

function panel(doc, role, title, context) {
  const root = doc.createElement("div");
  root.className = "panel conv-panel";
  root.dataset.role = role;
  const h = doc.createElement("h2");
  h.textContent = title;
  root.append(h, para(doc, context, "context"));
  return root;
}

/** the input map of conv layer k for the followed sample: the image, or layer k − 1's a */
const inputOf = (state, k) => (k === 0 ? state.sample.input : state.sample.layers[k - 1].a);

/** output cell (o, r, s) of conv layer `sel.layer`: its forward arithmetic and its gradient */
export function renderCell(doc, sel, state, { fetchChain, live }) {
  const { layer: k, o, r, s } = sel;
  const spec = state.config.layers[k];
  const values = state.sample.layers[k];
  const z = values.z ? values.z[o][r][s] : null;
  const root = panel(doc, "conv-forward", `Feature map ${o}, cell (${r}, ${s}): z = ${fmt(z, 4)}`,
    `Layer ${k}’s convolution at this cell, for image ${sampleName(state.sample.index)}. Its window is outlined on the input, its kernel beside it.`);
  root.dataset.cell = `${k},${o},${r},${s}`;
  const input = inputOf(state, k);
  if (!input || z === null) {
    root.append(para(doc, "No values yet: run Forward."));
    return root;
  }
  const W = state.layers[k].W, b = state.layers[k].b;
  const cell = forwardCell(input, W, b, o, r, s, spec);
  const pad = cell.channels.some((ch) => ch.patch.flat().some((p) => p.padded));
  const pictures = cell.channels.map((ch) => gridRow(doc,
    figureGrid(doc, ch.patch.map((row) => row.map((p) => p.value)), `the ${spec.kernel}×${spec.kernel} patch${cell.channels.length > 1 ? ` of channel ${ch.c}` : ""}`, { cell: 34, numbers: true }),
    "⊙", figureGrid(doc, ch.kernel, `kernel ${o}`, { cell: 34, numbers: true }),
    "=", figureGrid(doc, ch.products, `products; Σ = ${fmt(ch.sum, 4)}`, { cell: 42, numbers: true, format: twoDigits })));
  const sums = [];
  cell.channels.forEach((ch, n) => { if (n) sums.push(M.mo("+")); sums.push(M.num(ch.sum, { bracket: true })); });
  const zMath = M.math(`z = sum of patch * kernel + b = ${cell.z}`, M.mi("z"), M.eq(), M.mo("∑"), M.mtext("patch ⊙ kernel"), M.mo("+"), M.mi("b"),
    M.eq(), ...sums, M.mo("+"), M.num(cell.b, { bracket: true }), M.eq(), M.num(cell.z, { cls: "result" }));
  const same = Math.abs(cell.z - z) <= 1e-9 * Math.max(1, Math.abs(z));
  const a = values.a[o][r][s];
  root.append(section(doc, "Forward: multiply the patch by the kernel, cell by cell, add up, add b", ...pictures, zMath,
    para(doc, `${pad ? "Cells of the window past the image’s edge are the zero padding. " : ""}The server’s z for this cell: ${fmt(z, 6)}${same ? ", the same." : " (they differ!)"}`),
    M.math(`a = ${spec.activation}(z) = ${a}`, M.mi("a"), M.eq(), M.mtext(activationFormula(spec.activation).replace(/z/g, fmt(z, 4))), M.eq(), M.num(a, { cls: "result" }))));
  if (values.dz && state.phase === "backward") root.append(backwardOf(doc, sel, state, { fetchChain, live }));
  return root;
}

/** where the cell's gradient came from: ∂L/∂a (from the next layer; a pool routes it), then ∂L/∂z */
function backwardOf(doc, sel, state, { fetchChain, live }) {
  const { layer: k, o, r, s } = sel;
  const v = state.sample.layers[k];
  const da = v.da[o][r][s], fp = v.f_prime ? v.f_prime[o][r][s] : null, dz = v.dz[o][r][s];
  const box = section(doc, "Backward: the gradient that reached this cell",
    M.math(`dL/dz = dL/da * f'(z) = ${dz}`, M.partial("L", "z"), M.eq(), M.partial("L", "a"), M.mo("·"), M.mi("f′(z)"), M.eq(),
      M.num(da, { bracket: true }), M.mo("·"), M.num(fp, { bracket: true }), M.eq(), M.num(dz, { cls: "result" })));
  box.dataset.role = "cell-backward";
  const next = state.config.layers[k + 1];
  if (next && (next.type === "maxpool2d" || next.type === "avgpool2d")) {
    const note = para(doc, "Asking the pool where its gradient went…");
    box.append(note);
    fetchChain({ layer: k + 1, input: `${o},${r},${s}` }).then((p) => {
      if (live()) note.replaceChildren(poolRouting(p, next.size));
    }).catch((err) => { if (live()) note.textContent = err.message; });
  }
  return box;
}

/** a pool's answer for one of its inputs, in words */
function poolRouting(p, size) {
  if (!p.window) return `No pooled cell covers this cell (the pool floors ${size}×${size} windows), so no gradient comes back to it.`;
  const values = p.window_values.flat().map((x) => fmt(x, 3)).join(", ");
  if (p.kind === "max") {
    // the winner is the max's place inside the window of pooled cell p.window
    const won = p.winner && p.winner[0] === p.input[1] - p.window[0] * size && p.winner[1] === p.input[2] - p.window[1] * size;
    return `The max pool’s window (${values}) kept its largest value, at (${p.window[0] * size + p.winner[0]}, ${p.window[1] * size + p.winner[1]}). `
      + (won ? `That is this cell, so all of the pooled cell’s ∂L/∂a = ${fmt(p.dL_da, 4)} comes back to it.`
             : `That is not this cell, so none of the pooled cell’s ∂L/∂a = ${fmt(p.dL_da, 4)} comes back: ∂L/∂a here is 0.`);
  }
  return `The average pool’s window (${values}) passes 1/${size * size} of its ∂L/∂a = ${fmt(p.dL_da, 4)} to each cell: ${fmt(p.gradient, 4)}.`;
}

/** pooled cell (c, r, s): the window it kept the max (or mean) of, and where its gradient goes */
export function renderPool(doc, sel, state) {
  const { layer: k, c, r, s } = sel;
  const spec = state.config.layers[k];
  const n = spec.size, max = spec.type === "maxpool2d";
  const before = state.sample.layers[k - 1];
  const a = state.sample.layers[k].a, da = state.sample.layers[k].da;
  const root = panel(doc, "conv-pool", `Pooled map ${c}, cell (${r}, ${s}): a = ${fmt(a ? a[c][r][s] : null, 4)}`,
    `Layer ${k}, a ${max ? "max" : "average"} pool of ${n}×${n} windows, for image ${sampleName(state.sample.index)}.`);
  if (!a || !before.a) {
    root.append(para(doc, "No values yet: run Forward."));
    return root;
  }
  const window = Array.from({ length: n }, (_, u) => Array.from({ length: n }, (_, v) => before.a[c][r * n + u][s * n + v]));
  const flat = window.flat();
  const best = flat.indexOf(Math.max(...flat));
  const marks = max ? [{ top: Math.floor(best / n), left: best % n, height: 1, width: 1, cls: "sel" }] : [];
  root.append(section(doc, "Forward", gridRow(doc, figureGrid(doc, window, `the window of map ${c}`, { cell: 34, numbers: true, marks }),
    "→", para(doc, max ? `max = ${fmt(a[c][r][s], 4)}` : `mean = ${fmt(a[c][r][s], 4)}`))));
  if (da && state.phase === "backward") {
    root.append(section(doc, "Backward", para(doc, max
      ? `Its ∂L/∂a = ${fmt(da[c][r][s], 4)} goes back whole to the outlined cell (the max), and 0 to the other ${n * n - 1}: the others did not change the output.`
      : `Its ∂L/∂a = ${fmt(da[c][r][s], 4)} goes back as 1/${n * n} to each cell of the window: ${fmt(da[c][r][s] / (n * n), 4)} each.`)));
  }
  return root;
}

/** what to do first on a CNN, before anything is clicked */
export function renderGuide(doc, state) {
  const root = panel(doc, "guide", "A small convolutional network, by hand",
    `Its layers are drawn as stages, from the image down to the output; the numbers are image ${sampleName(state.sample.index)}’s.`);
  const list = doc.createElement("ol");
  for (const text of [
    "Forward (f): each kernel slides over the image. Click any cell of a feature map z to see its patch ⊙ kernel + b.",
    "Backward (b): the ∂L/∂z maps fill in; a max pool passes each gradient to the one cell that won its window.",
    "Click a kernel weight (a square of a kernel) for its dW: the input under it times ∂L/∂z, summed over every position.",
    "Click an input pixel for its gradient: the flipped kernel over the ∂L/∂z cells that saw it.",
    "Step (s), Play or Train: watch the kernels change. On the bars, they become edge detectors.",
  ]) {
    const li = doc.createElement("li");
    li.textContent = text;
    list.append(li);
  }
  root.append(list);
  root.classList.add("guide");
  return root;
}
