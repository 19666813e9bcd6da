// the Build panel's spec (dataset, hidden layers, output, loss, optimiser, as the panel holds
// them) and the session config it stands for, both ways; "what changed" between two, in words
import { lossWords } from "../core/catalog.js";

import { describeLayers, isConvConfig } from "../conv/convmath.js";
import { describeHead, isSequenceConfig } from "../attention/attnmath.js";

// a small XOR to start "your own points" from; clicks add more
export const STARTER = {
  X: [[-0.7, -0.6], [0.6, 0.7], [-0.6, 0.7], [0.7, -0.6]],
  Y: [[0], [0], [1], [1]],
};

export const SINGLE_NEURON = {
  dataset: { name: "single" },
  layers: [1, 1],
  activations: ["sigmoid"],
  loss: "mse",
  optimizer: { name: "sgd", lr: 0.01 },
  params: [{ W: [[0.2]], b: [0.1] }],
};

export const clone = (x) => JSON.parse(JSON.stringify(x));

/** the conv and pool layers an image dataset opens with: 4 kernels of 3×3 (relu), a 2×2 max pool */
export const DEFAULT_CONV = [
  { type: "conv2d", channels: 4, kernel: 3, stride: 1, padding: 0, activation: "relu" },
  { type: "maxpool2d", size: 2 },
];

/** {inputs, outputs, task, description} of the spec's data: a named dataset's from `datasets`
 *  (the dataset menu's), own points' worked out from them */
export function specInfo(spec, datasets) {
  if (spec.dataset !== "custom") return datasets[spec.dataset];
  const { X, Y } = spec.points;
  if (Array.isArray(X[0][0]) && !Array.isArray(X[0][0][0])) {   // own sequences (n, T, d_in), targets per position
    const task = Y[0][0].length > 1 ? "multiclass" : "binary";
    return { inputs: [X[0].length, X[0][0].length], outputs: Y[0][0].length, task, sequence: true,
             description: `your own ${X.length} sequences` };
  }
  if (Array.isArray(X[0][0])) {              // own images (n, C, H, W): an image's shape is the input
    const task = Y[0].length > 1 ? "multiclass" : "binary";
    const shape = [X[0].length, X[0][0].length, X[0][0][0].length];
    return { inputs: shape, outputs: Y[0].length, task, image: true, description: `your own ${X.length} images` };
  }
  const binary = Y.every((y) => y.length === 1 && (y[0] === 0 || y[0] === 1));
  const task = Y[0].length > 1 ? "multiclass" : binary ? "binary" : "regression";
  return { inputs: X[0].length, outputs: Y[0].length, task, description: `your own ${X.length} points` };
}

/** whether `loss` suits a task (binary, multiclass, regression) */
export function lossFits(loss, task) {
  if (task === "regression") return loss === "mse";
  if (task === "binary") return loss !== "cross_entropy";
  return true;
}

/** the SessionConfig of a spec whose data are `info` (specInfo's) */
export function specConfig(spec, info) {
  if (info.image) return convSpecConfig(spec, info);
  if (info.sequence) return sequenceSpecConfig(spec, info);
  const extra = spec.extra ?? {};
  const features = info.inputs === 2 ? spec.features : null;
  const config = {
    layers: [features ? features.length : info.inputs, ...spec.hidden.map((h) => h.units), info.outputs],
    activations: [...spec.hidden.map((h) => h.activation), spec.output],
    loss: spec.loss,
    optimizer: { name: spec.optimizer, lr: spec.lr, ...extra.optimizer },
    batch_size: spec.batch,
    seed: spec.seed,
    dataset: spec.dataset === "custom" ? { X: spec.points.X, Y: spec.points.Y }
                                       : { name: spec.dataset, n: spec.n, noise: spec.noise, ...extra.dataset },
  };
  if (extra.init) config.init = extra.init;
  if (extra.leaky_relu_alpha !== undefined) config.leaky_relu_alpha = extra.leaky_relu_alpha;
  if (spec.params) config.params = spec.params;
  if (spec.reg) config.regularization = spec.reg;
  if (features) config.features = features;
  if (spec.test) config.test_ratio = spec.test;
  if (spec.hidden.some((h) => h.batchNorm || h.dropout)) {
    config.layer_options = spec.hidden.map((h) => ({ batch_norm: !!h.batchNorm, dropout: h.dropout ?? 0 }));
  }
  return config;
}

/** a CNN's SessionConfig: the spec's conv and pool layers, flatten, its dense layers */
function convSpecConfig(spec, info) {
  const extra = spec.extra ?? {};
  const config = {
    layers: [...spec.conv.map((l) => ({ ...l })), { type: "flatten" },
             ...spec.hidden.map((h) => ({ type: "dense", units: h.units, activation: h.activation })),
             { type: "dense", units: info.outputs, activation: spec.output }],
    loss: spec.loss,
    optimizer: { name: spec.optimizer, lr: spec.lr, ...extra.optimizer },
    batch_size: spec.batch,
    seed: spec.seed,
    dataset: spec.dataset === "custom" ? { X: spec.points.X, Y: spec.points.Y }
                                       : { name: spec.dataset, n: spec.n, noise: spec.noise, ...extra.dataset },
  };
  if (extra.init) config.init = extra.init;
  if (spec.params) config.params = spec.params;
  if (spec.reg) config.regularization = spec.reg;
  if (spec.test) config.test_ratio = spec.test;
  return config;
}

/** a sequence network's SessionConfig: the spec's attention head, then its dense layers, applied
 *  at every position */
function sequenceSpecConfig(spec, info) {
  const extra = spec.extra ?? {};
  const head = spec.head ?? { d_k: 8, d_v: 8, causal: false };
  const config = {
    layers: [{ type: "attention", d_k: head.d_k, d_v: head.d_v, causal: Boolean(head.causal) },
             ...spec.hidden.map((h) => ({ type: "dense", units: h.units, activation: h.activation })),
             { type: "dense", units: info.outputs, activation: spec.output }],
    loss: spec.loss,
    optimizer: { name: spec.optimizer, lr: spec.lr, ...extra.optimizer },
    batch_size: spec.batch,
    seed: spec.seed,
    dataset: spec.dataset === "custom" ? { X: spec.points.X, Y: spec.points.Y }
                                       : { name: spec.dataset, n: spec.n, noise: spec.noise, ...extra.dataset },
  };
  if (extra.init) config.init = extra.init;
  if (spec.params) config.params = spec.params;
  if (spec.reg) config.regularization = spec.reg;
  if (spec.test) config.test_ratio = spec.test;
  return config;
}

/** the conv part of a CNN's layers (before flatten), and its dense layers after it */
function splitLayers(layers) {
  const flat = layers.findIndex((l) => l.type === "flatten");
  return [layers.slice(0, flat), layers.slice(flat + 1)];
}

/** the spec of a session opened from a scenario or a file: `normal` is the state's config
 *  (every default filled in), `given` the config it was made from (own points, weights);
 *  own points keep the points and noise fields of `current`, the spec in use */
export function specFromConfig(normal, given, current) {
  const ds = given.dataset ?? {};
  const own = Array.isArray(ds.X);
  const opt = normal.optimizer;
  const cnn = isConvConfig(normal);
  const seq = isSequenceConfig(normal);
  const [conv, dense] = cnn ? splitLayers(normal.layers) : seq ? [null, normal.layers.slice(1)] : [null, null];
  const spec = {
    dataset: own ? "custom" : normal.dataset.name,
    n: own ? current.n : normal.dataset.n,
    noise: own ? current.noise : normal.dataset.noise,
    points: own ? { X: clone(ds.X), Y: clone(ds.Y) } : null,
    hidden: cnn || seq ? dense.slice(0, -1).map((l) => ({ units: l.units, activation: l.activation, batchNorm: false, dropout: 0 }))
      : normal.layers.slice(1, -1).map((units, k) => ({
        units, activation: normal.activations[k],
        batchNorm: !!normal.layer_options?.[k]?.batch_norm, dropout: normal.layer_options?.[k]?.dropout ?? 0,
      })),
    output: cnn || seq ? dense[dense.length - 1].activation : normal.activations[normal.activations.length - 1],
    loss: normal.loss,
    optimizer: opt.name,
    lr: opt.lr,
    batch: normal.batch_size,
    seed: normal.seed,
    params: given.params ? clone(given.params) : null,
    reg: normal.regularization ? { ...normal.regularization } : null,
    features: normal.features && normal.features.join() !== "x1,x2" ? [...normal.features] : null,
    test: normal.test_ratio ?? 0,
    // settings the panel has no control for, kept so that a shared link opens the same network
    extra: {
      optimizer: { beta: opt.beta, beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps },
      dataset: own ? {} : { seed: normal.dataset.seed },
      init: normal.init,
      leaky_relu_alpha: normal.leaky_relu_alpha,
    },
  };
  if (cnn) spec.conv = conv.map((l) => ({ ...l }));
  if (seq) spec.head = { d_k: normal.layers[0].d_k, d_v: normal.layers[0].d_v, causal: Boolean(normal.layers[0].causal) };
  return spec;
}

/** a loss in prose: the catalog's words for it when the page has one ("cross-entropy"), else its name */
function words(loss) {
  try { return lossWords(loss); } catch (err) { return loss; }
}

/** "what changed" between two specs, in words (for presets and reloads) */
export function describeChange(before, after) {
  if (!before) return "a network to start with";
  const out = [];
  if (before.dataset !== after.dataset) out.push(`data: ${after.dataset === "custom" ? "your own points" : after.dataset}`);
  if (JSON.stringify(before.conv ?? null) !== JSON.stringify(after.conv ?? null) && after.conv) {
    out.push(`convolution and pooling: ${describeLayers(after.conv)}`);
  }
  if (JSON.stringify(before.head ?? null) !== JSON.stringify(after.head ?? null) && after.head) {
    out.push(describeHead(after.head));
  }
  if (before.hidden.length !== after.hidden.length) out.push(`${after.hidden.length} hidden layer${after.hidden.length === 1 ? "" : "s"} (was ${before.hidden.length})`);
  if (before.loss !== after.loss) out.push(`loss ${words(before.loss)} → ${words(after.loss)}`);
  if (before.output !== after.output) out.push(`output ${before.output} → ${after.output}`);
  if (before.optimizer !== after.optimizer) out.push(`optimiser ${before.optimizer} → ${after.optimizer}`);
  if (before.lr !== after.lr) out.push(`learning rate ${before.lr} → ${after.lr}`);
  if (JSON.stringify(before.reg ?? null) !== JSON.stringify(after.reg ?? null)) {
    out.push(`regularisation ${after.reg ? `${after.reg.kind} ${after.reg.rate}` : "none"}`);
  }
  return out.join("; ") || "the same settings";
}
