// the end of a CNN: flatten (the maps as one vector) and the dense layers to the output, with the
// output's classes and the followed image's target; built once, painted from each state
import { fmt } from "../core/format.js";
import { ImageGrid } from "./imagegrid.js";
import { maxAbs, shapeText } from "./convmath.js";

const STRIP = 36;     // values per row of a flattened vector

function el(doc, tag, cls, text) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** a vector of n values as rows of at most STRIP cells (null: not computed) */
const rowsOf = (v, n) => Array.from({ length: Math.ceil(n / STRIP) }, (_, r) =>
  Array.from({ length: Math.min(STRIP, n) }, (_, c) => (v && r * STRIP + c < n ? v[r * STRIP + c] : null)));

function strip(n, label) {
  const rows = Math.ceil(n / STRIP), cols = Math.min(STRIP, n);
  return new ImageGrid({ rows, cols, cell: Math.max(6, Math.min(12, Math.floor(300 / cols))), label,
                         describe: (r, c, values) => `${label} ${r * STRIP + c} = ${values ? fmt(values[r][c], 5) : "—"}` });
}

/** what a class is called: the dataset's name for it, else "class j" */
function className(classes, j) {
  return classes && classes[j] ? classes[j] : `class ${j}`;
}

/** the flatten layer `k` of a map of `inShape` */
export function flattenStage(doc, { k, inShape, n }) {
  const section = el(doc, "section", "conv-stage");
  section.append(el(doc, "h3", "conv-stage-title", `layer ${k} · flatten: ${shapeText(inShape)} → ${n} values`),
    el(doc, "p", "conv-note", "The maps laid end to end, channel by channel, row by row: what a dense layer takes."));
  const a = strip(n, "value"), da = strip(n, "∂L/∂a of value");
  const table = el(doc, "div", "conv-table");
  table.style.gridTemplateColumns = "max-content max-content";
  table.append(el(doc, "div", "conv-row-label", "a"), a.svg, el(doc, "div", "conv-row-label", "∂L/∂a"), da.svg);
  section.append(table);
  return {
    section,
    paint(layer, values) {
      a.paint(values && values.a ? rowsOf(values.a, n) : null, maxAbs(values && values.a));
      da.paint(values && values.da ? rowsOf(values.da, n) : null, maxAbs(values && values.da), "grad");
    },
  };
}

/** dense layer `k` (fan_in → units, `activation`); the output layer names its classes */
export function denseStage(doc, { k, fanIn, units, activation, output, classes, task }) {
  const section = el(doc, "section", "conv-stage");
  section.append(el(doc, "h3", "conv-stage-title", `layer ${k} · dense: ${fanIn} → ${units} unit${units === 1 ? "" : "s"}, ${activation}${output ? " (the output)" : ""}`),
    el(doc, "p", "conv-note", `z = a_prev · W + b: each unit weighs all ${fanIn} values${output ? "; its a is the network’s answer" : ""}.`));
  const W = new ImageGrid({ rows: units, cols: fanIn, cell: Math.max(5, Math.min(12, Math.floor(300 / fanIn))),
                            label: "weights W, one row per unit",
                            describe: (r, c, values) => `W from value ${c} to unit ${r} = ${values ? fmt(values[r][c], 5) : "—"}` });
  const wrap = el(doc, "div", "conv-table");
  wrap.style.gridTemplateColumns = "max-content max-content";
  wrap.append(el(doc, "div", "conv-row-label", "weights W (a row per unit)"), W.svg);
  section.append(wrap);
  const table = el(doc, "table", "conv-units");
  const head = el(doc, "tr");
  const cols = output ? ["unit", "z", "a", "target", "∂L/∂z"] : ["unit", "z", "a", "∂L/∂z"];
  head.append(...cols.map((t) => el(doc, "th", "", t)));
  table.append(head);
  const cells = Array.from({ length: units }, (_, j) => {
    const tr = el(doc, "tr");
    const tds = cols.map(() => el(doc, "td"));
    tds[0].textContent = output ? (units === 1 ? `ŷ = P(${className(classes, 1)})` : `P(${className(classes, j)})`) : `unit ${j}`;
    tr.append(...tds);
    table.append(tr);
    return tds;
  });
  section.append(table);
  return {
    section,
    paint(layer, values, target) {
      // W is (fan_in, fan_out): drawn transposed, a row per unit
      W.paint(layer.W[0].map((_, j) => layer.W.map((row) => row[j])), maxAbs(layer.W));
      cells.forEach((tds, j) => {
        const v = (key) => (values && values[key] ? values[key][j] : null);
        tds[1].textContent = fmt(v("z"), 4);
        tds[2].textContent = fmt(v("a"), 4);
        tds[2].dataset.value = v("a") === null ? "" : String(v("a"));
        if (output) {
          tds[3].textContent = target ? fmt(target[j], 3) : "—";
          tds[4].textContent = fmt(v("dz"), 4);
        } else {
          tds[3].textContent = fmt(v("dz"), 4);
        }
      });
    },
    /** the class the target names, in words */
    targetText(target) {
      if (!target) return "";
      const j = target.length === 1 ? Math.round(target[0]) : target.indexOf(Math.max(...target));
      return task === "regression" ? `target ${fmt(target[0], 3)}` : className(classes, j);
    },
  };
}
