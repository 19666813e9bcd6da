// the stages of the conv view, one per layer: the input image, a convolution (its kernels, z, a
// and their gradients per channel), a pool, and the flatten and dense part; each builds its grids
// once and paints them from a state
import { fmt } from "../core/format.js";
import { ImageGrid } from "./imagegrid.js";
import { maxAbs, shapeText } from "./convmath.js";

/** a map's cell size in px: larger for smaller maps, at most `max` */
export function cellSize(rows, cols, room = 96, min = 7, max = 16) {
  return Math.max(min, Math.min(max, Math.floor(room / Math.max(rows, cols))));
}

/** a kernel's cell size: room for a number such as −0.25 in each */
export const kernelCell = (k) => (k <= 1 ? 34 : k <= 3 ? 30 : k <= 5 ? 22 : 18);

function el(doc, tag, cls, text) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const at = (v, r, c) => (Array.isArray(v) ? v[r][c] : null);
const tip = (name) => (r, c, values) => `${name} (${r}, ${c}) = ${values ? fmt(at(values, r, c), 5) : "— (not computed yet)"}`;

/** a stage: a titled section with a table whose first column names its rows */
function stage(doc, title, note, columns) {
  const section = el(doc, "section", "conv-stage");
  const h = el(doc, "h3", "conv-stage-title", title);
  section.append(h);
  if (note) section.append(el(doc, "p", "conv-note", note));
  const table = el(doc, "div", "conv-table");
  table.style.gridTemplateColumns = `max-content repeat(${columns}, max-content)`;
  table.style.setProperty("--columns", String(columns));      // a narrow window shrinks each grid to fit
  const scroll = el(doc, "div", "conv-scroll");
  scroll.append(table);
  section.append(scroll);
  return { section, table };
}

/** a row of the table: its label, then one cell per column (nodes or arrays of nodes) */
function row(doc, table, label, cells, role) {
  const name = el(doc, "div", "conv-row-label", label);
  table.append(name);
  cells.forEach((nodes) => {
    const cell = el(doc, "div", "conv-cell");
    if (role) cell.dataset.role = role;
    cell.append(...[nodes].flat());
    table.append(cell);
  });
}

/** the image (or a layer's input map) of `shape` [C, H, W], pixels with `pixelOf(c, r, s)`'s hooks;
 *  beside it its gradient ∂L/∂x */
export function inputStage(doc, { title, note, shape, layer, clickable, cell = 18 }) {
  const [C, H, W] = shape;
  const { section, table } = stage(doc, title, note, C);
  const attrs = (c) => (clickable ? (r, s) => ({ "data-pixel": `${layer},${c},${r},${s}` }) : null);
  const x = Array.from({ length: C }, (_, c) => new ImageGrid({ rows: H, cols: W, cell, attrs: attrs(c),
    describe: tip(`x, channel ${c}, pixel`), label: `input channel ${c}, ${H}×${W}` }));
  const dx = Array.from({ length: C }, (_, c) => new ImageGrid({ rows: H, cols: W, cell,
    describe: tip(`∂L/∂x, channel ${c}, pixel`), label: `gradient of input channel ${c}` }));
  // a row per channel: its pixels, and beside them their gradients
  table.style.gridTemplateColumns = "max-content max-content max-content";
  table.style.setProperty("--columns", "2");
  row(doc, table, "", [el(doc, "span", "conv-col-title", "pixels x"), el(doc, "span", "conv-col-title", "their gradient ∂L/∂x")]);
  x.forEach((g, c) => row(doc, table, C > 1 ? `channel ${c}` : "", [g.svg, dx[c].svg]));
  return {
    section, grids: { x, dx },
    paint(values, grads) {
      const s = maxAbs(values), g = maxAbs(grads);
      x.forEach((grid, c) => grid.paint(values ? values[c] : null, s));
      dx.forEach((grid, c) => grid.paint(grads ? grads[c] : null, g, "grad"));
    },
  };
}

/** a convolution: per output channel its kernel(s) with numbers, b, and the maps z, a, ∂L/∂a, ∂L/∂z */
export function convStage(doc, { k, spec, inShape, outShape, activation }) {
  const [Cin] = inShape, [C, H, W] = outShape, K = spec.kernel;
  const title = `layer ${k} · convolution: ${C} kernel${C === 1 ? "" : "s"} of ${K}×${K}${Cin > 1 ? `×${Cin}` : ""}`
    + `${spec.stride > 1 ? `, stride ${spec.stride}` : ""}${spec.padding ? `, padding ${spec.padding}` : ""}, ${activation} → ${C} feature map${C === 1 ? "" : "s"} of ${H}×${W}`;
  const note = `Each kernel slides over the input: z at a cell = (the ${K}×${K} patch under it) ⊙ kernel, summed, + b. Click a kernel weight for its gradient, a map cell for its arithmetic.`;
  const { section, table } = stage(doc, title, note, C);
  const kernels = [], bias = [];
  for (let o = 0; o < C; o++) {
    const per = [];
    for (let c = 0; c < Cin; c++) {
      per.push(new ImageGrid({ rows: K, cols: K, cell: kernelCell(K), numbers: true,
        attrs: (u, v) => ({ "data-kernel": `${k},${o},${c},${u},${v}`, tabindex: "0", role: "button",
                            "aria-label": `kernel ${o}, input channel ${c}, weight (${u}, ${v})` }),
        label: `kernel ${o}${Cin > 1 ? `, input channel ${c}` : ""}` }));
    }
    kernels.push(per);
    bias.push(el(doc, "span", "conv-bias"));
  }
  row(doc, table, "", kernels.map((_, o) => el(doc, "span", "conv-col-title", `kernel ${o} (${K}×${K})`)));
  row(doc, table, `weights W${Cin > 1 ? " (one grid per input channel)" : ""}`, kernels.map((per) => per.map((g) => g.svg)));
  row(doc, table, "bias b", bias);
  const cell = cellSize(H, W);
  const maps = {};
  const names = { z: "feature map z", a: `after ${activation}: a`, da: "∂L/∂a, from the next layer",
                  dz: `∂L/∂z = ∂L/∂a · ${activation}′(z)` };
  for (const key of ["z", "a", "da", "dz"]) {
    maps[key] = Array.from({ length: C }, (_, o) => new ImageGrid({ rows: H, cols: W, cell,
      attrs: (r, s) => ({ "data-cell": `${k},${o},${r},${s}` }), describe: tip(`${key} of channel ${o}, cell`),
      label: `${names[key]}, channel ${o}` }));
    row(doc, table, names[key], maps[key].map((g) => g.svg), `conv-${key}`);
  }
  return {
    section, grids: { kernels, maps },
    paint(layer, values) {
      const ks = maxAbs(layer.W);
      kernels.forEach((per, o) => per.forEach((g, c) => g.paint(layer.W[o][c], ks)));
      bias.forEach((b, o) => { b.textContent = `b = ${fmt(layer.b[o], 3)}`; });
      for (const key of ["z", "a", "da", "dz"]) {
        const v = values ? values[key] : null;
        const s = maxAbs(v);
        maps[key].forEach((g, o) => g.paint(v ? v[o] : null, s, key.startsWith("d") ? "grad" : "value"));
      }
    },
  };
}

/** a pool: per channel the pooled map a and its gradient ∂L/∂a */
export function poolStage(doc, { k, spec, inShape, outShape }) {
  const [C, H, W] = outShape, n = spec.size;
  const kind = spec.type === "maxpool2d" ? "max" : "average";
  const title = `layer ${k} · ${kind} pool ${n}×${n}: ${shapeText(inShape)} → ${shapeText(outShape)}`;
  const note = kind === "max"
    ? `Each ${n}×${n} window keeps its largest value; backward sends all of a cell’s gradient to that one position, none to the others.`
    : `Each ${n}×${n} window keeps its mean; backward spreads a cell’s gradient evenly, 1/${n * n} to each position.`;
  const { section, table } = stage(doc, title, note, C);
  const cell = cellSize(H, W, 72, 10, 20);
  const maps = {};
  for (const [key, name] of [["a", "pooled a"], ["da", "∂L/∂a, from the next layer"]]) {
    maps[key] = Array.from({ length: C }, (_, c) => new ImageGrid({ rows: H, cols: W, cell,
      attrs: (r, s) => ({ "data-pool": `${k},${c},${r},${s}` }), describe: tip(`${name} of channel ${c}, cell`),
      label: `${name}, channel ${c}` }));
    row(doc, table, name, maps[key].map((g) => g.svg), `pool-${key}`);
  }
  return {
    section, grids: { maps },
    paint(layer, values) {
      for (const key of ["a", "da"]) {
        const v = values ? values[key] : null;
        const s = maxAbs(v);
        maps[key].forEach((g, c) => g.paint(v ? v[c] : null, s, key === "da" ? "grad" : "value"));
      }
    },
  };
}
