// the dense layers after the head, applied at every position with the same W: their weights
// (clickable), each position's output, and for the last one the predicted token against the target
import { fmt } from "../core/format.js";
import { MatrixGrid } from "./matrixgrid.js";
import { argmax } from "./attnmath.js";
import { figure, grids, stageSection } from "./attnstages.js";

const range = (n, f) => Array.from({ length: n }, (_, k) => f(k));

/** the name of class j: a token when the classes are the tokens */
export function className(j, sameAsTokens) {
  return sameAsTokens ? `token ${j}` : `class ${j}`;
}

/** dense layer k (fanIn → units) at every position; `output`: the last, with the predictions */
export function denseStage(doc, { k, fanIn, units, activation, output, T, cell, sameAsTokens }) {
  const section = stageSection(doc, output
    ? `Layer ${k}: a ${activation} output at every position (the same W and b for each)`
    : `Layer ${k}: dense (${activation}) at every position (the same W and b for each)`,
    `a = ${activation}(x·W + b) row by row, where x is the row of the layer before. Click a weight of W for its chain rule: one term per position.`);
  const W = figure(doc, new MatrixGrid({ rows: fanIn, cols: units, cell, hook: (i, j) => ({ "data-dense": `${k},${i},${j}` }),
                                         label: `layer ${k}’s W: click a weight`,
                                         describe: (i, j, v) => `W[${i}][${j}] of layer ${k}: ${v}` }), `W (${fanIn}×${units})`, { role: `dense-${k}` });
  const dW = figure(doc, new MatrixGrid({ rows: fanIn, cols: units, cell, hook: (i, j) => ({ "data-dense-grad": `${k},${i},${j}` }),
                                          label: `layer ${k}’s dW: click a gradient`,
                                          describe: (i, j, v) => `dW[${i}][${j}] of layer ${k}: ${v}` }), "dW", { palette: "grad" });
  const cols = output ? range(units, (j) => (sameAsTokens ? `tok${j}` : `c${j}`)) : null;
  const a = figure(doc, new MatrixGrid({ rows: T, cols: units, cell: output ? Math.max(cell, 30) : cell, rowLabels: range(T, (t) => `t${t}`),
                                         colLabels: cols, labelWidth: 18, label: `layer ${k}’s output a`,
                                         describe: (r, c, v) => `a[${r}][${c}] at position ${r}: ${v}` }),
                   output && activation === "softmax" ? "a: each position’s probabilities" : "a, per position",
                   { palette: output && activation === "softmax" ? "prob" : "value", role: `a-${k}` });
  const bias = doc.createElement("p");
  bias.className = "attn-note attn-bias";
  section.append(grids(doc, W, dW, a), bias);
  let table = null;
  if (output) {
    table = predictionTable(doc, T);
    section.append(table.el);
  }
  return {
    section, figs: { [`dense-${k}`]: W, [`ddense-${k}`]: dW, [`a-${k}`]: a },
    paint(view, state) {
      const layer = state.layers[k];
      W.paint(layer.W);
      dW.paint(state.phase === "backward" ? layer.dW : null);
      a.paint(view.a[k]);
      const text = `b = (${layer.b.map((v) => fmt(v, 2)).join(", ")})`;
      if (bias.textContent !== text) bias.textContent = text;
      if (table) table.paint(view.a[k], state.sample.target, view.tokens, sameAsTokens);
    },
  };
}

/** the class a row of outputs (or targets) names: the largest, or for one sigmoid unit 0 or 1 */
export function classOf(row) {
  return row.length === 1 ? (row[0] >= 0.5 ? 1 : 0) : argmax(row);
}

/** one row per position: its token, the target, the prediction and its probability, right or not */
function predictionTable(doc, T) {
  const el = doc.createElement("table");
  el.className = "attn-predictions";
  el.dataset.role = "predictions";
  const head = doc.createElement("tr");
  for (const text of ["position", "input", "target", "predicted", "right?"]) {
    const th = doc.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  el.append(head);
  const rows = range(T, (t) => {
    const tr = doc.createElement("tr");
    tr.dataset.position = String(t);
    const cells = range(5, () => tr.appendChild(doc.createElement("td")));
    cells[0].textContent = `t${t}`;
    el.append(tr);
    return { tr, cells };
  });
  const set = (td, text) => { if (td.textContent !== text) td.textContent = text; };
  return {
    el,
    paint(a, target, tokenIds, same) {
      rows.forEach(({ tr, cells }, t) => {
        const want = classOf(target[t]);
        const got = a ? classOf(a[t]) : -1;
        set(cells[1], `token ${tokenIds[t]}`);
        set(cells[2], className(want, same));
        set(cells[3], a ? `${className(got, same)} (p = ${fmt(a[t].length === 1 ? Math.abs(1 - got - a[t][0]) : a[t][got], 2)})` : "— (run Forward)");
        set(cells[4], a ? (got === want ? "✓ right" : "✗ wrong") : "");
        tr.dataset.right = a ? String(got === want) : "";
      });
    },
  };
}
