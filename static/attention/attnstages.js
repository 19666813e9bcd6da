// the stages of the attention view, each a section built once per architecture that repaints
// itself from a state: the input tokens, Q/K/V and their weights, the scores and weights, the
// output. Values are blue −/orange +, gradients green −/purple +, weights white 0 → orange 1.
import { MatrixGrid } from "./matrixgrid.js";
import { featureName, gridScale, maxAbs, positionLabel } from "./attnmath.js";

/** a <section> with a title and a note */
export function stageSection(doc, title, note) {
  const section = doc.createElement("section");
  section.className = "attn-stage";
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
  fig.append(grid.svg, cap);
  return {
    fig, grid,
    paint(values) {
      const max = maxAbs(values);
      const scale = palette === "grad" ? gridScale(max) : { factor: 1, text: "" };
      grid.factor = scale.factor;
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

const range = (n, f) => Array.from({ length: n }, (_, k) => f(k));

/** the followed sequence: a chip per position ("t0: token 2") and its input features X */
export function inputStage(doc, { T, dIn, tokens, cell }) {
  const section = stageSection(doc, `Input: ${T} positions, ${dIn} features each`,
    `Each position’s features are its token one-hot (${tokens} kinds) followed by its position one-hot (${dIn - tokens}), with a little noise.`);
  const chips = doc.createElement("ol");
  chips.className = "attn-tokens";
  chips.dataset.role = "tokens";
  const items = range(T, () => {
    const li = doc.createElement("li");
    chips.append(li);
    return li;
  });
  const X = figure(doc, new MatrixGrid({ rows: T, cols: dIn, cell, rowLabels: range(T, (t) => `t${t}`), labelWidth: 20,
                                         colLabels: range(dIn, (n) => featureName(n, tokens).replace(" ", "")), label: "input features X",
                                         describe: (r, c, v) => `X[${r}][${c}], ${featureName(c, tokens)} of position ${r}: ${v}` }),
                   `X (${T}×${dIn}): one row per position`);
  section.append(chips, grids(doc, X));
  return {
    section, grids: { X: X.grid },
    paint(state, tokenIds) {
      X.paint(state.sample.input);
      items.forEach((li, t) => {
        const text = positionLabel(t, tokenIds[t]);
        if (li.textContent !== text) li.textContent = text;
      });
    },
  };
}

const NAMES = { Wq: ["q", "Q", "query"], Wk: ["k", "K", "key"], Wv: ["v", "V", "value"] };

/** Wq, Wk, Wv (clickable), their gradients, and Q, K, V = X·W with theirs */
export function projectionStage(doc, { T, dIn, dk, dv, tokens, cell, small }) {
  const section = stageSection(doc, "Q = X·Wq, K = X·Wk, V = X·Wv: a query, a key and a value per position",
    "Click a number of Wq, Wk or Wv (or of its gradient) for the chain rule of that weight.");
  const figs = {};
  for (const param of ["Wq", "Wk", "Wv"]) {
    const [low, up, word] = NAMES[param];
    const d = param === "Wv" ? dv : dk;
    const describe = (grad) => (r, c, v) => `${grad ? "d" : ""}${param}[${r}][${c}] (${featureName(r, tokens)} → ${low} component ${c}): ${v}`;
    figs[param] = figure(doc, new MatrixGrid({ rows: dIn, cols: d, cell: small, hook: (i, j) => ({ "data-param": `0,${param},${i},${j}` }),
                                               label: `${param}: click a weight`, describe: describe(false) }),
                         `${param} (${dIn}×${d})`, { role: param });
    figs[`d${param}`] = figure(doc, new MatrixGrid({ rows: dIn, cols: d, cell: small, hook: (i, j) => ({ "data-param-grad": `0,${param},${i},${j}` }),
                                                     label: `d${param}: click a gradient`, describe: describe(true) }),
                               `d${param}`, { palette: "grad", role: `d${param}` });
    const rows = { rowLabels: range(T, (t) => `t${t}`), labelWidth: 18 };
    figs[up] = figure(doc, new MatrixGrid({ rows: T, cols: d, cell, ...rows, label: `${up}, the ${word}s`,
                                            describe: (r, c, v) => `${up}[${r}][${c}], the ${word} of position ${r}: ${v}` }),
                      `${up} = X·${param}: a ${word} per position`, { role: up });
    figs[`d${up}`] = figure(doc, new MatrixGrid({ rows: T, cols: d, cell, ...rows, label: `d${up}`,
                                                  describe: (r, c, v) => `d${up}[${r}][${c}]: ${v}` }),
                            `d${up}`, { palette: "grad", role: `d${up}` });
  }
  const label = (text) => {
    const p = doc.createElement("p");
    p.className = "attn-row-label";
    p.textContent = text;
    return p;
  };
  section.append(label("the weights, learned (no biases)"), grids(doc, figs.Wq, figs.Wk, figs.Wv),
    label("their gradients, after Backward: dWq = Xᵀ·dQ, dWk = Xᵀ·dK, dWv = Xᵀ·dV (the last step of backward)"),
    grids(doc, figs.dWq, figs.dWk, figs.dWv),
    label("the followed sequence’s queries, keys and values"), grids(doc, figs.Q, figs.K, figs.V),
    label("their gradients: dQ = dscores·K/√d_k, dK = dscoresᵀ·Q/√d_k, dV = weightsᵀ·dout"), grids(doc, figs.dQ, figs.dK, figs.dV));
  return {
    section, figs,
    paint(state) {
      const head = state.layers[0], s = state.sample.layers[0];
      for (const p of ["Wq", "Wk", "Wv"]) {
        figs[p].paint(head[p]);
        figs[`d${p}`].paint(state.phase === "backward" ? head[`d${p}`] : null);
      }
      figs.Q.paint(s.q); figs.K.paint(s.k); figs.V.paint(s.v);
      figs.dQ.paint(s.dq); figs.dK.paint(s.dk); figs.dV.paint(s.dv);
    },
  };
}

/** scores = Q·Kᵀ/√d_k and weights = softmax per row, every square clickable; dscores, dweights */
export function scoreStage(doc, { T, dk, causal, cell }) {
  const section = stageSection(doc, `scores = Q·Kᵀ/√${dk}, then weights = softmax of each row`,
    `Row t is query t meeting every key: click a row’s label (q0 …) for its arithmetic, a square for its gradient through the row’s softmax.${causal ? " Causal: query t sees keys 0 … t only; the hatched scores are masked (−∞), their weight is 0 and no gradient crosses them." : ""}`);
  const make = (name, palette, hookName, caption) => figure(doc, new MatrixGrid({
    rows: T, cols: T, cell, hook: (t, t2) => ({ [hookName]: `0,${t},${t2}` }), rowHook: (t) => ({ "data-row": `0,${t}`, tabindex: "0", role: "button" }),
    rowLabels: range(T, (t) => `q${t}`), colLabels: range(T, (t) => `k${t}`), labelWidth: 22, label: `${name}: click a square`,
    describe: (r, c, v) => `${name}[${r}][${c}], query ${r} meeting key ${c}: ${v}` }), caption, { palette, masked: causal, role: name });
  const figs = {
    scores: make("scores", "value", "data-score", "scores"),
    weights: make("weights", "prob", "data-score", "weights (each row sums to 1)"),
    dscores: make("dscores", "grad", "data-score-grad", "dscores: through the softmax"),
    dweights: make("dweights", "grad", "data-score-grad", "dweights = dout·Vᵀ"),
  };
  const strongest = doc.createElement("p");
  strongest.className = "attn-note";
  strongest.dataset.role = "strongest";
  section.append(grids(doc, figs.scores, figs.weights), strongest, grids(doc, figs.dscores, figs.dweights));
  return {
    section, figs, strongest,
    paint(state) {
      const s = state.sample.layers[0];
      for (const name of Object.keys(figs)) figs[name].paint(s[name]);
    },
  };
}

/** out = weights·V, and dout, where backward starts in the head */
export function outputStage(doc, { T, dv, cell }) {
  const section = stageSection(doc, "out = weights·V: each position’s weighted mix of the values",
    "Backward reaches the head here: dout, from the layer after it, goes to dV = weightsᵀ·dout and to dweights = dout·Vᵀ.");
  const rows = { rowLabels: range(T, (t) => `t${t}`), labelWidth: 18 };
  const out = figure(doc, new MatrixGrid({ rows: T, cols: dv, cell, ...rows, label: "out",
                                           describe: (r, c, v) => `out[${r}][${c}]: ${v}` }), `out (${T}×${dv})`, { role: "out" });
  const dout = figure(doc, new MatrixGrid({ rows: T, cols: dv, cell, ...rows, label: "dout",
                                            describe: (r, c, v) => `dout[${r}][${c}]: ${v}` }), "dout", { palette: "grad", role: "dout" });
  section.append(grids(doc, out, dout));
  return {
    section, figs: { out, dout },
    paint(state) {
      out.paint(state.sample.layers[0].out);
      dout.paint(state.sample.layers[0].dout);
    },
  };
}
