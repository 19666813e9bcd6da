// the attention arithmetic the page draws: which session is a sequence one, the hooks' selections,
// a query row's scores and softmax, the softmax's Jacobian against its fused form, the page's own
// forward, compact numbers; and the Build panel's spec of a sequence network
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  activate, antiDiagonal, cellSize, compact, fitsAttention, fusedBackward, gridScale, headForward, isSequenceConfig,
  jacobianBackward, networkForward, rowScores, selectionOf, softmaxJacobian, softmaxRow, strongestKeys, tokenCount,
  tokensOf, weightedSum,
} from "../../static/attention/attnmath.js";
import { valuesOf } from "../../static/attention/attnview.js";
import { describeChange, specConfig, specFromConfig, specInfo } from "../../static/controls/buildspec.js";

const close = (a, b, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);
const HEAD = { type: "attention", d_k: 2, d_v: 2, causal: false };
const CONFIG = { layers: [HEAD, { type: "dense", units: 3, activation: "softmax" }], input_shape: [3, 6] };

test("a head on sequences is a sequence config; a CNN or a list of sizes is not", () => {
  assert.equal(isSequenceConfig(CONFIG), true);
  assert.equal(isSequenceConfig({ layers: [{ type: "conv2d" }], input_shape: [1, 8, 8] }), false);
  assert.equal(isSequenceConfig({ layers: [2, 4, 1] }), false);
  assert.equal(isSequenceConfig(null), false);
});

test("the hooks' attributes name a score, a weight of Wq, Wk, Wv, a dense weight, a query row", () => {
  assert.deepEqual(selectionOf({ score: "0,1,2" }), { kind: "score", layer: 0, t: 1, t2: 2 });
  assert.deepEqual(selectionOf({ scoreGrad: "0,2,0" }), { kind: "score", layer: 0, t: 2, t2: 0 });
  assert.deepEqual(selectionOf({ param: "0,Wv,5,1" }), { kind: "param", layer: 0, param: "Wv", i: 5, j: 1 });
  assert.deepEqual(selectionOf({ paramGrad: "0,Wk,0,0" }), { kind: "param", layer: 0, param: "Wk", i: 0, j: 0 });
  assert.deepEqual(selectionOf({ dense: "1,1,2" }), { kind: "dense", layer: 1, i: 1, j: 2 });
  assert.deepEqual(selectionOf({ row: "0,2" }), { kind: "row", layer: 0, t: 2 });
  assert.equal(selectionOf({}), null);
  // and whether each fits the network: positions below T, rows below d_in, columns below d_k or d_v
  assert.equal(fitsAttention({ kind: "score", layer: 0, t: 2, t2: 2 }, CONFIG), true);
  assert.equal(fitsAttention({ kind: "score", layer: 0, t: 3, t2: 0 }, CONFIG), false);
  assert.equal(fitsAttention({ kind: "param", layer: 0, param: "Wq", i: 5, j: 1 }, CONFIG), true);
  assert.equal(fitsAttention({ kind: "param", layer: 0, param: "Wo", i: 0, j: 0 }, CONFIG), false);
  assert.equal(fitsAttention({ kind: "dense", layer: 1, i: 1, j: 2 }, CONFIG), true);
  assert.equal(fitsAttention({ kind: "dense", layer: 1, i: 2, j: 0 }, CONFIG), false);   // d_v = 2 inputs
  assert.equal(fitsAttention({ kind: "edge", L: 1, i: 0, j: 0 }, CONFIG), false);
});

test("a query row: dot products, ÷√d_k, the causal mask hides the keys after it", () => {
  const q = [1, 2], K = [[1, 0], [0, 1], [1, 1]];
  const { dots, scores, scale } = rowScores(q, K, 4, 1, false);
  assert.deepEqual(dots, [1, 2, 3]);
  assert.equal(scale, 2);
  assert.deepEqual(scores, [0.5, 1, 1.5]);
  assert.deepEqual(rowScores(q, K, 4, 1, true).scores, [0.5, 1, null]);
  const w = softmaxRow([0.5, 1, null]);
  close(w[0] + w[1], 1);
  assert.equal(w[2], 0);
  close(w[1] / w[0], Math.exp(0.5));
});

test("the softmax's Jacobian is diag(w) − w wᵀ: symmetric, its columns sum to 0, and fused the same", () => {
  const w = softmaxRow([0.3, -1.2, 2, 0.1]);
  const J = softmaxJacobian(w);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) close(J[i][j], J[j][i]);
    close(J.reduce((s, row) => s + row[i], 0), 0, 1e-15);
    close(J[i][i], w[i] * (1 - w[i]));
  }
  const dw = [0.7, -0.2, 0.05, 1.3];
  const viaJ = jacobianBackward(J, dw), fused = fusedBackward(w, dw);
  viaJ.forEach((g, j) => close(g, fused[j], 1e-15));
  // and against finite differences of L = Σ dw_i · softmax(s)_i
  const s = [0.3, -1.2, 2, 0.1], h = 1e-6;
  const L = (x) => softmaxRow(x).reduce((acc, wi, i) => acc + wi * dw[i], 0);
  s.forEach((_, j) => {
    const up = s.map((x, n) => (n === j ? x + h : x)), down = s.map((x, n) => (n === j ? x - h : x));
    close((L(up) - L(down)) / (2 * h), fused[j], 1e-9);
  });
});

test("a row of out is the weighted sum of the values", () => {
  const { terms, out } = weightedSum([0.25, 0.75], [[4, 0], [0, 8]]);
  assert.deepEqual(terms, [[1, 0], [0, 6]]);
  assert.deepEqual(out, [1, 6]);
});

test("the page's forward: Q, K, V, scores, weights and out, and a softmax output per position", () => {
  const X = [[1, 0, 1, 0, 0, 0], [0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0]];
  const eye = (n, m) => Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => (i % m === j ? 1 : 0)));
  const Wq = eye(6, 2), Wk = eye(6, 2), Wv = eye(6, 2);
  const head = headForward(X, { Wq, Wk, Wv }, true);
  assert.deepEqual(head.q, [[2, 0], [0, 2], [2, 0]]);
  assert.equal(head.scores[0][1], null);                    // causal: query 0 sees key 0 only
  assert.deepEqual(head.weights[0], [1, 0, 0]);
  close(head.scores[2][0], 4 / Math.SQRT2);
  head.weights.forEach((row) => close(row.reduce((a, b) => a + b, 0), 1));
  const state = {
    config: { ...CONFIG, layers: [{ ...HEAD, causal: true }, CONFIG.layers[1]] },
    layers: [{ Wq, Wk, Wv }, { W: [[1, 0, 0], [0, 1, 0]], b: [0, 0, 0] }],
    sample: { input: X },
  };
  const { a } = networkForward(state);
  assert.equal(a[1].length, 3);
  a[1].forEach((row) => close(row.reduce((p, x) => p + x, 0), 1));
  assert.deepEqual(activate([-1, 2], "relu"), [0, 2]);
  assert.deepEqual(activate([-1, 2], "leaky_relu", 0.1), [-0.1, 2]);
});

test("the view draws the server's values, the page's own once the weights moved, or none", () => {
  const eye = [[1, 0], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]];
  const nothing = { q: null, weights: null };
  const base = {
    config: CONFIG, step: 0, diverged: false,
    layers: [{ Wq: eye, Wk: eye, Wv: eye }, { W: [[1, 0, 0], [0, 1, 0]], b: [0, 0, 0] }],
    sample: { input: [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]], layers: [nothing, { a: null }] },
  };
  assert.equal(valuesOf(base).source, "none");
  const page = valuesOf({ ...base, step: 3 });
  assert.equal(page.source, "page");
  assert.equal(page.head.dscores, null);                     // no gradients of its own
  assert.equal(page.head.weights.length, 3);
  const server = { q: [[0]], weights: [[1]] };
  assert.equal(valuesOf({ ...base, step: 3, sample: { ...base.sample, layers: [server, { a: [[1]] }] } }).head, server);
});

test("tokens, the strongest keys, the anti-diagonal", () => {
  assert.equal(tokenCount(5, 9), 4);
  assert.equal(tokenCount(5, 4), 4);                         // own inputs without positions
  assert.deepEqual(tokensOf([[0.1, 0.9, 0, 1, 0], [1.1, 0, 0, 0, 1]], 3), [1, 0]);
  assert.deepEqual(strongestKeys([[0.1, 0.9], [0.6, 0.4]]), [1, 0]);
  assert.equal(antiDiagonal([[0, 1], [1, 0]]), 1);
  assert.equal(antiDiagonal([[0.5, 0.5], [0.5, 0.5]]), 0.5);
});

test("numbers for small squares: at most four characters", () => {
  assert.deepEqual([0.094, -0.051, 1.17, -3.44, 12.6, 0.001, 0.999].map(compact), [".09", "−.05", "1.2", "−3.4", "13", "0", "1.0"]);
  assert.equal(compact(null), "");
  assert.deepEqual(gridScale(0.0042), { exponent: -3, factor: 1000, text: "×10⁻³" });
  assert.equal(gridScale(0.5).factor, 1);
  assert.equal(cellSize(8, 200, { min: 16, max: 30 }), 25);
  assert.equal(cellSize(8, 50, { min: 16, max: 30 }), 16);
});

test("the Build panel: a sequence dataset's config is a head and a dense output at every position", () => {
  const datasets = { reverse: { inputs: [5, 9], outputs: 4, task: "multiclass", description: "reverse", sequence: true } };
  const spec = {
    dataset: "reverse", n: 200, noise: 0.1, points: null, hidden: [], output: "softmax", loss: "cross_entropy",
    optimizer: "adam", lr: 0.05, batch: 32, seed: 0, params: null, extra: null, reg: null, features: null, test: 0.25,
    head: { d_k: 8, d_v: 8, causal: false },
  };
  const config = specConfig(spec, specInfo(spec, datasets));
  assert.deepEqual(config.layers, [{ type: "attention", d_k: 8, d_v: 8, causal: false },
                                   { type: "dense", units: 4, activation: "softmax" }]);
  assert.equal(config.test_ratio, 0.25);
  const normal = { ...config, input_shape: [5, 9], dataset: { ...config.dataset, seed: 0 } };
  const back = specFromConfig(normal, config, spec);
  assert.deepEqual(back.head, spec.head);
  assert.deepEqual([back.hidden, back.output], [[], "softmax"]);
  assert.equal(describeChange(spec, { ...spec, head: { d_k: 4, d_v: 8, causal: true } }),
               "one attention head (d_k 4, d_v 8, causal)");
  // own sequences: (n, T, d_in) inputs, a one-hot target per position
  const own = { ...spec, dataset: "custom", points: { X: [[[1, 0], [0, 1]]], Y: [[[0, 1], [1, 0]]] } };
  assert.deepEqual(specInfo(own, datasets), { inputs: [2, 2], outputs: 2, task: "multiclass", sequence: true,
                                              description: "your own 1 sequences" });
});
