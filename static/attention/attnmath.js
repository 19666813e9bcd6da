// the arithmetic of one attention head as the page shows it: which session is a sequence one, a
// row's dot products, scale and softmax, the softmax's Jacobian, the tokens a sequence holds, the
// size of a grid's squares; pure functions (tested in tests/js/attnmath.test.js), no DOM

/** whether a session's config is a head on sequences: layer objects whose first is an attention
 *  head, on inputs of shape [T, d_in] (not images, not a list of sizes) */
export function isSequenceConfig(config) {
  return Boolean(config && Array.isArray(config.layers) && config.layers.length
    && typeof config.layers[0] === "object" && config.layers[0] !== null && config.layers[0].type === "attention"
    && Array.isArray(config.input_shape) && config.input_shape.length === 2);
}

const PARAMS = ["Wq", "Wk", "Wv"];

/** whether `sel` names something of this head's network: a score (t, t2), a query row t, an entry
 *  (i, j) of Wq, Wk or Wv, or a weight (i, j) of a dense layer after it */
export function fitsAttention(sel, config) {
  if (!sel || !isSequenceConfig(config)) return false;
  const [T, dIn] = config.input_shape;
  const head = config.layers[0];
  const inRange = (n, size) => Number.isInteger(n) && n >= 0 && n < size;
  if (sel.kind === "score") return sel.layer === 0 && inRange(sel.t, T) && inRange(sel.t2, T);
  if (sel.kind === "row") return sel.layer === 0 && inRange(sel.t, T);
  if (sel.kind === "param") {
    const cols = sel.param === "Wv" ? head.d_v : head.d_k;
    return sel.layer === 0 && PARAMS.includes(sel.param) && inRange(sel.i, dIn) && inRange(sel.j, cols);
  }
  if (sel.kind === "dense") {
    const sizes = denseSizes(config);
    return inRange(sel.layer, config.layers.length) && sel.layer > 0
      && inRange(sel.i, sizes[sel.layer - 1]) && inRange(sel.j, sizes[sel.layer]);
  }
  return false;
}

/** each layer's width per position: the head's d_v, then each dense layer's units */
export function denseSizes(config) {
  return config.layers.map((l) => (l.type === "attention" ? l.d_v : l.units));
}

/** the selection a hook's data attributes name: data-score="layer,t,t2", data-param="layer,Wq,i,j",
 *  data-dense="layer,i,j", data-row="layer,t" (and their gradient twins, data-score-grad …) */
export function selectionOf(dataset) {
  const value = (name) => dataset[name] ?? dataset[`${name}Grad`];
  const score = value("score"), param = value("param"), dense = value("dense"), row = value("row");
  if (score !== undefined) {
    const [layer, t, t2] = score.split(",").map(Number);
    return { kind: "score", layer, t, t2 };
  }
  if (param !== undefined) {
    const [layer, name, i, j] = param.split(",");
    return { kind: "param", layer: Number(layer), param: name, i: Number(i), j: Number(j) };
  }
  if (dense !== undefined) {
    const [layer, i, j] = dense.split(",").map(Number);
    return { kind: "dense", layer, i, j };
  }
  if (row !== undefined) {
    const [layer, t] = row.split(",").map(Number);
    return { kind: "row", layer, t };
  }
  return null;
}

export const dot = (a, b) => a.reduce((s, x, n) => s + x * b[n], 0);

/** query row t meeting every key: its dot products q_t·k_t', the scores (÷√d_k), null where the
 *  causal mask hides key t' (t' > t) */
export function rowScores(q, K, dk, t, causal = false) {
  const scale = Math.sqrt(dk);
  const dots = K.map((k, t2) => (causal && t2 > t ? null : dot(q, k)));
  return { dots, scores: dots.map((d) => (d === null ? null : d / scale)), scale };
}

/** softmax of one row of scores; a masked score (null) gets weight 0 */
export function softmaxRow(scores) {
  const seen = scores.filter((s) => s !== null);
  const top = Math.max(...seen);
  const e = scores.map((s) => (s === null ? 0 : Math.exp(s - top)));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** the softmax's Jacobian for one row of weights w: J[i][j] = ∂w_i/∂s_j = w_i (δ_ij − w_j), that
 *  is diag(w) − w wᵀ (symmetric) */
export function softmaxJacobian(w) {
  return w.map((wi, i) => w.map((wj, j) => (i === j ? wi * (1 - wi) : -wi * wj)));
}

/** dscores of one row through the Jacobian: dscores[j] = Σ_i J[i][j] · dweights[i] */
export function jacobianBackward(J, dweights) {
  return J[0].map((_, j) => J.reduce((s, row, i) => s + row[j] * dweights[i], 0));
}

/** the same, fused as the engine computes it: w ⊙ (dweights − Σ_j w_j dweights_j) */
export function fusedBackward(w, dweights) {
  const mean = dot(w, dweights);
  return w.map((wi, j) => wi * (dweights[j] - mean));
}

/** Σ_t' weights[t'] · V[t'] (a row of out), and each term weights[t'] · V[t'] */
export function weightedSum(weights, V) {
  const terms = V.map((v, t2) => v.map((x) => weights[t2] * x));
  return { terms, out: V[0].map((_, j) => terms.reduce((s, row) => s + row[j], 0)) };
}

/** the largest entry's index of a row (the first of ties); null values never win */
export function argmax(row) {
  let best = -1;
  row.forEach((v, n) => { if (v !== null && (best < 0 || v > row[best])) best = n; });
  return best;
}

/** the key each query attends to most: argmax of every row of the weights */
export function strongestKeys(weights) {
  return weights.map(argmax);
}

/** how many token kinds an input of T positions and d_in features holds: the features are a
 *  token one-hot followed by a position one-hot (the built-in datasets), so d_in − T; inputs of
 *  one's own without the position part (d_in ≤ T) are all token features */
export function tokenCount(T, dIn) {
  return dIn > T ? dIn - T : dIn;
}

/** the token at each position of `input` (T × d_in): the largest of its first `tokens` features */
export function tokensOf(input, tokens) {
  return input.map((row) => argmax(row.slice(0, tokens)));
}

/** a feature's name: "tok 2" for a token feature, "pos 1" for a position one */
export function featureName(n, tokens) {
  return n < tokens ? `tok ${n}` : `pos ${n - tokens}`;
}

/** "t2: token 3": a position and its token */
export function positionLabel(t, token) {
  return `t${t}: token ${token}`;
}

/** the largest |value| of a matrix (nulls skipped), 0 for none */
export function maxAbs(rows) {
  let m = 0;
  for (const row of rows ?? []) for (const v of row ?? []) if (v !== null && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** the square's size in px for `cols` columns (and a label column of `label` px) to fit `width`
 *  px, kept between `min` and `max` (whole pixels) */
export function cellSize(cols, width, { min = 14, max = 40, label = 0 } = {}) {
  return Math.max(min, Math.min(max, Math.floor((width - label) / Math.max(1, cols))));
}

/** a matrix's transpose */
export const transpose = (m) => m[0].map((_, j) => m.map((row) => row[j]));

/** "one attention head (d_k 8, d_v 8, causal)" */
export function describeHead(head) {
  return `one attention head (d_k ${head.d_k}, d_v ${head.d_v}${head.causal ? ", causal" : ""})`;
}

const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** how a grid of small numbers (gradients) is written: each square shows value × factor, the
 *  caption "×10⁻⁴"; values of 0.1 or more as they are */
export function gridScale(max) {
  if (!(max > 0) || max >= 0.1 || !Number.isFinite(max)) return { exponent: 0, factor: 1, text: "" };
  const exponent = Math.floor(Math.log10(max));
  return { exponent, factor: 10 ** -exponent, text: `×10${String(exponent).split("").map((c) => SUPER[c]).join("")}` };
}

/** a number in at most 4 characters for a small square: ".09", "−.05", "1.17" → "1.2", "−3.4",
 *  "12"; 0 is "0" */
export function compact(v) {
  if (v === null || v === undefined) return "";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  const a = Math.abs(v), sign = v < 0 ? "−" : "";
  if (a < 0.005) return "0";
  if (a < 0.995) return `${sign}${a.toFixed(2).slice(1)}`;
  if (a < 9.95) return `${sign}${a.toFixed(1)}`;
  return `${sign}${Math.round(a)}`;
}

/** rows × matrix: A (m × n) · B (n × p) */
export function matmul(A, B) {
  return A.map((row) => B[0].map((_, j) => row.reduce((s, x, n) => s + x * B[n][j], 0)));
}

/** one head's forward for one sequence `X` (T × d_in), as the engine computes it: Q, K, V, the
 *  scores (null where the causal mask hides them), the weights and out = weights·V */
export function headForward(X, { Wq, Wk, Wv }, causal = false) {
  const q = matmul(X, Wq), k = matmul(X, Wk), v = matmul(X, Wv);
  const dk = Wq[0].length;
  const scores = q.map((row, t) => rowScores(row, k, dk, t, causal).scores);
  const weights = scores.map(softmaxRow);
  return { q, k, v, scores, weights, out: matmul(weights, v) };
}

/** an activation of the catalog applied to one row of z (softmax over the row) */
export function activate(z, name, alpha = 0.01) {
  switch (name) {
    case "sigmoid": return z.map((x) => 1 / (1 + Math.exp(-x)));
    case "tanh": return z.map(Math.tanh);
    case "relu": return z.map((x) => Math.max(0, x));
    case "leaky_relu": return z.map((x) => (x > 0 ? x : alpha * x));
    case "softmax": return softmaxRow(z);
    default: return [...z];        // linear
  }
}

/** a dense layer at every position: a[t] = f(x[t]·W + b) */
export function denseForward(x, { W, b }, activation, alpha = 0.01) {
  return matmul(x, W).map((z) => activate(z.map((s, j) => s + b[j]), activation, alpha));
}

/** the followed sequence through the whole network with the weights of `state`, on the page:
 *  {head: headForward's values, a: [each dense layer's outputs]} */
export function networkForward(state) {
  const c = state.config;
  const head = headForward(state.sample.input, state.layers[0], Boolean(c.layers[0].causal));
  let x = head.out;
  const a = [null];
  for (let k = 1; k < c.layers.length; k++) {
    x = denseForward(x, state.layers[k], c.layers[k].activation, c.leaky_relu_alpha ?? 0.01);
    a.push(x);
  }
  return { head, a };
}

/** how much of the weights lies on the anti-diagonal (query t on key T−1−t): the mean over rows
 *  of weights[t][T−1−t], 1 for a perfect reversal, 1/T for uniform weights */
export function antiDiagonal(weights) {
  const T = weights.length;
  return weights.reduce((s, row, t) => s + (row[T - 1 - t] ?? 0), 0) / T;
}
