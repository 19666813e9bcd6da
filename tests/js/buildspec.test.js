// the Build panel's spec and the session config it stands for
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeChange, lossFits, specConfig, specFromConfig, specInfo } from "../../static/controls/buildspec.js";

const DATASETS = { xor: { inputs: 2, outputs: 1, task: "binary", description: "XOR" } };
const SPEC = {
  dataset: "xor", n: 200, noise: 0.1, points: null,
  hidden: [{ units: 4, activation: "tanh", batchNorm: false, dropout: 0 }], output: "sigmoid", loss: "bce",
  optimizer: "sgd", lr: 0.3, batch: null, seed: 0, params: null, extra: null, reg: null, features: null, test: 0,
};

test("a spec's config, and the spec again from it", () => {
  const config = specConfig(SPEC, specInfo(SPEC, DATASETS));
  assert.deepEqual(config, {
    layers: [2, 4, 1], activations: ["tanh", "sigmoid"], loss: "bce", optimizer: { name: "sgd", lr: 0.3 },
    batch_size: null, seed: 0, dataset: { name: "xor", n: 200, noise: 0.1 },
  });
  const normal = { ...config, optimizer: { name: "sgd", lr: 0.3 }, dataset: { ...config.dataset, seed: 7 } };
  const back = specFromConfig(normal, config, SPEC);
  assert.deepEqual({ ...back, extra: null }, SPEC);
  assert.deepEqual(back.extra.dataset, { seed: 7 });
});

test("own points: their task from the targets, the panel's points and noise kept", () => {
  const own = { ...SPEC, dataset: "custom", points: { X: [[0, 0], [1, 1]], Y: [[0.5], [2]] } };
  assert.equal(specInfo(own, DATASETS).task, "regression");
  assert.equal(lossFits("bce", "regression"), false);
  const config = specConfig(own, specInfo(own, DATASETS));
  assert.deepEqual(config.dataset, { X: [[0, 0], [1, 1]], Y: [[0.5], [2]] });
  const back = specFromConfig({ ...config, dataset: {} }, config, { ...SPEC, n: 50, noise: 0.3 });
  assert.equal(back.dataset, "custom");
  assert.deepEqual([back.n, back.noise], [50, 0.3]);
});

test("what changed, in words", () => {
  assert.equal(describeChange(null, SPEC), "a network to start with");
  assert.equal(describeChange(SPEC, SPEC), "the same settings");
  assert.equal(describeChange(SPEC, { ...SPEC, loss: "mse", lr: 0.1 }), "loss bce → mse; learning rate 0.3 → 0.1");
});
