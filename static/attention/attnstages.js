// the stages of the attention view, each a section built once per architecture that repaints
// itself from the values on screen (the server's for the followed sequence, or the page's own
// forward with the current weights): the input tokens, Q/K/V, the scores and weights, the
// output, and the head's weights Wq, Wk, Wv. Values are blue −/orange +, gradients green −/purple +,
// weights white 0 → orange 1.
import { MatrixGrid } from "./matrixgrid.js";
import { featureName, gridScale, maxAbs } from "./attnmath.js";

/** a <section> with a title and a note */
export function stageSection(doc, title, note, role = null) {
  const section = doc.createElement("section");
  section.className = "attn-stage";
  if (role) section.dataset.role = role;
  const h = doc.createElement("h3");
  h.className = "attn-stage-title";
  h.textContent = title;
  section.append(h);
  if (note) {
    const p = doc.createElement("p");
    p.className = "attn-note";
    p.textContent = note;
    section.append(p);
  }
  return section;
}

/** a grid with its caption; `paint(values)` colours it (gradients get a common ×10ⁿ) */
export function figure(doc, grid, caption, { palette = "value", masked = false, role = null } = {}) {
  const fig = doc.createElement("figure");
  fig.className = "attn-figure";
  if (role) fig.dataset.role = role;
  const cap = doc.createElement("figcaption");
  cap.textContent = caption;
  fig.append(cap, grid.svg);
  return {
    fig, grid,
    paint(values) {
      const max = maxAbs(values);
      const scale = palette === "grad" ? gridScale(max) : { factor: 1, text: "" };
      grid.paint(values, { scale: max, palette, masked, factor: scale.factor });
      const text = scale.text ? `${caption} (${scale.text})` : caption;
      if (cap.textContent !== text) cap.textContent = text;
    },
  };
}

/** a row of figures that wraps */
export function grids(doc, ...figures) {
  const box = doc.createElement("div");
  box.className = "attn-grids";
  box.append(...figures.map((f) => f.fig ?? f));
  return box;
}

function label(doc, text) {
  const p = doc.createElement("p");
  p.className = "attn-row-label";
  p.textContent = text;
  return p;
}

const range = (n, f) => Array.from({ length: n }, (_, k) => f(k));
const positions = (T) => range(T, (t) => `t${t}`);

/** the followed sequence: a chip per position (its token, its target) and its input features X */
export function inputStage(doc, { T, dIn, tokens, cell }) {
  const section = stageSection(doc, `Input: ${T} positions, ${dIn} features each`,
    `Each row of X is one position: its token one-hot (tok0 … tok${tokens - 1}) then its position one-hot (pos0 … pos${dIn - tokens - 1}), with a little noise.`,
    "attn-input");
  const chips = doc.createElement("ol");
  chips.className = "attn-tokens";
  chips.dataset.role = "tokens";
  chips.setAttribute("aria-label", "Each position's token and its target");
  const items = range(T, (t) => {
    const li = doc.createElement("li");
    const pos = doc.createElement("span");
    pos.className = "attn-pos";
    pos.textContent = `t${t}`;
    const tok = doc.createElement("b");
    const target = doc.createElement("span");
    target.className = "attn-target";
    li.append(pos, tok, target);
    chips.append(li);
    return { tok, target };
  });
  const X = figure(doc, new MatrixGrid({ rows: T, cols: dIn, cell, rowLabels: positions(T), labelWidth: 20,
                                         colLabels: range(dIn, (n) => featureName(n, tokens).replace(" ", "")), label: "input features X",
                                         describe: (r, c, v) => `X[${r}][${c}], ${featureName(c, tokens)} of position ${r}: ${v}` }),
                   `X (${T}×${dIn}): one row per position`, { role: "X" });
  section.append(chips, grids(doc, X));
  return {
    section, figs: { X },
    paint(view) {
      X.paint(view.input);
      items.forEach(({ tok, target }, t) => {
        const a = `token ${view.tokens[t]}`, b = `→ ${view.targets[t]}`;
        if (tok.textContent !== a) tok.textContent = a;
        if (target.textContent !== b) target.textContent = b;
      });
    },
  };
}

const NAMES = { Wq: ["q", "Q", "query", "queries"], Wk: ["k", "K", "key", "keys"], Wv: ["v", "V", "value", "values"] };

/** Q, K and V of the followed sequence (a row per position), and their gradients */
export function qkvStage(doc, { T, dk, dv, cell }) {
  const section = stageSection(doc, "Q = X·Wq, K = X·Wk, V = X·Wv: a query, a key and a value per position",
    "A query asks, a key answers, a value is what gets passed on. The weights Wq, Wk, Wv are at the bottom of the view.",
    "attn-qkv");
  const figs = {};
  for (const param of ["Wq", "Wk", "Wv"]) {
    const [, up, word, words] = NAMES[param];
    const d = param === "Wv" ? dv : dk;
    const rows = { rowLabels: positions(T), labelWidth: 18 };
    figs[up] = figure(doc, new MatrixGrid({ rows: T, cols: d, cell, ...rows, label: `${up}, the ${words}`,
                                            describe: (r, c, v) => `${up}[${r}][${c}], the ${word} of position ${r}: ${v}` }),
                      `${up} (${T}×${d})`, { role: up });
    figs[`d${up}`] = figure(doc, new MatrixGrid({ rows: T, cols: d, cell, ...rows, label: `d${up}`,
                                                  describe: (r, c, v) => `d${up}[${r}][${c}]: ${v}` }),
                            `d${up}`, { palette: "grad", role: `d${up}` });
  }
  section.append(grids(doc, figs.Q, figs.K, figs.V),
    label(doc, "Backward, 4: dQ = dscores·K/√d_k, dK = dscoresᵀ·Q/√d_k, dV = weightsᵀ·dout"),
    grids(doc, figs.dQ, figs.dK, figs.dV));
  return {
    section, figs,
    paint(view) {
      const s = view.head;
      figs.Q.paint(s.q); figs.K.paint(s.k); figs.V.paint(s.v);
      figs.dQ.paint(s.dq); figs.dK.paint(s.dk); figs.dV.paint(s.dv);
    },
  };
}

/** scores = Q·Kᵀ/√d_k and weights = softmax per row, every square clickable; dscores, dweights.
 *  `walk` (rowwalk.js) goes between the values and the gradients. */
export function scoreStage(doc, { T, dk, causal, cell, walk }) {
  const section = stageSection(doc, `scores = Q·Kᵀ/√${dk}, then weights = the softmax of each row`,
    `Row t is query t meeting every key: how much position t looks at each position. Click a square for its gradient through the row’s softmax.${causal ? " Causal: query t sees keys 0 … t only; the hatched scores are masked (−∞), their weight is 0 and no gradient crosses them." : ""}`,
    "attn-scores");
  // the scores' row labels open a query row's panel (q0 …), one Tab stop each
  const rowHook = (t) => ({ "data-row": `0,${t}`, role: "button", tabindex: "0", "aria-label": `q${t}: how query ${t} meets every key` });
  const make = (name, palette, hookName, caption) => figure(doc, new MatrixGrid({
    rows: T, cols: T, cell, hook: (t, t2) => ({ [hookName]: `0,${t},${t2}` }), rowHook: name === "scores" ? rowHook : null,
    rowLabels: range(T, (t) => `q${t}`), colLabels: range(T, (t) => `k${t}`), labelWidth: 22, label: `${name}: click a square`,
    describe: (r, c, v) => `${name}[${r}][${c}], query ${r} meeting key ${c}: ${v}` }), caption, { palette, masked: causal, role: name });
  const figs = {
    scores: make("scores", "value", "data-score", "scores (query row × key column)"),
    weights: make("weights", "prob", "data-score", "weights: each row sums to 1"),
    dscores: make("dscores", "grad", "data-score-grad", "dscores"),
    dweights: make("dweights", "grad", "data-score-grad", "dweights"),
  };
  const strongest = doc.createElement("p");
  strongest.className = "attn-strongest";
  strongest.dataset.role = "strongest";
  strongest.setAttribute("aria-live", "off");
  section.append(grids(doc, figs.scores, figs.weights), strongest, walk.section,
    label(doc, "Backward, 2 and 3: dweights = dout·Vᵀ, then dscores through each row’s softmax"),
    grids(doc, figs.dweights, figs.dscores));
  return {
    section, figs, strongest,
    paint(view) {
      for (const name of Object.keys(figs)) figs[name].paint(view.head[name]);
    },
  };
}

/** out = weights·V, and dout, where backward starts in the head */
export function outputStage(doc, { T, dv, cell }) {
  const section = stageSection(doc, "out = weights·V: each position’s weighted mix of the values",
    "Backward, 1: dout arrives from the layer after the head; it goes to dV = weightsᵀ·dout and to dweights = dout·Vᵀ.",
    "attn-out");
  const rows = { rowLabels: positions(T), labelWidth: 18 };
  const out = figure(doc, new MatrixGrid({ rows: T, cols: dv, cell, ...rows, label: "out",
                                           describe: (r, c, v) => `out[${r}][${c}]: ${v}` }), `out (${T}×${dv})`, { role: "out" });
  const dout = figure(doc, new MatrixGrid({ rows: T, cols: dv, cell, ...rows, label: "dout",
                                            describe: (r, c, v) => `dout[${r}][${c}]: ${v}` }), "dout", { palette: "grad", role: "dout" });
  section.append(grids(doc, out, dout));
  return {
    section, figs: { out, dout },
    paint(view) {
      out.paint(view.head.out);
      dout.paint(view.head.dout);
    },
  };
}

/** Wq, Wk, Wv (every number clickable) beside their gradients, the last step of backward */
export function weightStage(doc, { dIn, dk, dv, tokens, cell }) {
  const section = stageSection(doc, "The head’s weights Wq, Wk, Wv (no biases)",
    "Backward, 5 (the last step): dWq = Xᵀ·dQ, dWk = Xᵀ·dK, dWv = Xᵀ·dV, summed over the batch. Row i is input feature i; click a number for its chain rule.",
    "attn-weights");
  const figs = {};
  const rowLabels = range(dIn, (n) => featureName(n, tokens).replace(" ", ""));
  for (const param of ["Wq", "Wk", "Wv"]) {
    const [low, , , words] = NAMES[param];
    const d = param === "Wv" ? dv : dk;
    const describe = (grad) => (r, c, v) => `${grad ? "d" : ""}${param}[${r}][${c}] (${featureName(r, tokens)} → ${low} component ${c}): ${v}`;
    figs[param] = figure(doc, new MatrixGrid({ rows: dIn, cols: d, cell, rowLabels, labelWidth: 30,
                                               hook: (i, j) => ({ "data-param": `0,${param},${i},${j}` }),
                                               label: `${param}: click a weight`, describe: describe(false) }),
                         `${param} (${dIn}×${d}): makes the ${words}`, { role: param });
    figs[`d${param}`] = figure(doc, new MatrixGrid({ rows: dIn, cols: d, cell, rowLabels, labelWidth: 30,
                                                     hook: (i, j) => ({ "data-param-grad": `0,${param},${i},${j}` }),
                                                     label: `d${param}: click a gradient`, describe: describe(true) }),
                               `d${param}`, { palette: "grad", role: `d${param}` });
    section.append(grids(doc, figs[param], figs[`d${param}`]));
  }
  return {
    section, figs,
    paint(view, state) {
      const head = state.layers[0];
      for (const p of ["Wq", "Wk", "Wv"]) {
        figs[p].paint(head[p]);
        figs[`d${p}`].paint(state.phase === "backward" ? head[`d${p}`] : null);
      }
    },
  };
}
