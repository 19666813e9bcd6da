// the Build panel's CNN: a spec with conv and pool layers, its config and the spec back from it
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_CONV, describeChange, specConfig, specFromConfig, specInfo } from "../../static/controls/buildspec.js";
import { newLayer, stackShapes } from "../../static/controls/convbuild.js";

const DATASETS = { bars: { inputs: [1, 8, 8], outputs: 1, task: "binary", description: "bars", image: true } };
const SPEC = {
  dataset: "bars", n: 200, noise: 0.1, points: null, hidden: [], output: "sigmoid", loss: "bce",
  optimizer: "sgd", lr: 0.3, batch: 32, seed: 0, params: null, extra: null, reg: null, features: null, test: 0,
  conv: DEFAULT_CONV,
};

test("an image dataset's spec becomes conv, pool, flatten and a dense output, and back", () => {
  const config = specConfig(SPEC, specInfo(SPEC, DATASETS));
  assert.deepEqual(config.layers, [...DEFAULT_CONV, { type: "flatten" }, { type: "dense", units: 1, activation: "sigmoid" }]);
  assert.equal(config.activations, undefined);
  assert.deepEqual(config.dataset, { name: "bars", n: 200, noise: 0.1 });
  const normal = { ...config, input_shape: [1, 8, 8], activations: null, optimizer: { name: "sgd", lr: 0.3 }, dataset: { ...config.dataset, seed: 0 } };
  const back = specFromConfig(normal, config, SPEC);
  assert.deepEqual(back.conv, DEFAULT_CONV);
  assert.deepEqual(back.hidden, []);
  assert.equal(back.output, "sigmoid");
  assert.equal(back.dataset, "bars");
});

test("dense layers after flatten are the spec's hidden layers", () => {
  const spec = { ...SPEC, hidden: [{ units: 8, activation: "tanh" }] };
  const config = specConfig(spec, specInfo(spec, DATASETS));
  assert.deepEqual(config.layers.slice(3), [{ type: "dense", units: 8, activation: "tanh" }, { type: "dense", units: 1, activation: "sigmoid" }]);
  const back = specFromConfig({ ...config, input_shape: [1, 8, 8], optimizer: { name: "sgd", lr: 0.3 } }, config, spec);
  assert.deepEqual(back.hidden.map((h) => [h.units, h.activation]), [[8, "tanh"]]);
});

test("own images: their shape is the input, their targets the task", () => {
  const X = [[[[0, 1], [1, 0]]], [[[1, 0], [0, 1]]]];
  const own = { ...SPEC, dataset: "custom", points: { X, Y: [[1, 0, 0], [0, 1, 0]] } };
  const info = specInfo(own, DATASETS);
  assert.deepEqual([info.inputs, info.outputs, info.task, info.image], [[1, 2, 2], 3, "multiclass", true]);
  assert.deepEqual(specConfig(own, info).dataset, { X, Y: [[1, 0, 0], [0, 1, 0]] });
});

test("a stack's shapes, and the first layer that leaves nothing", () => {
  assert.deepEqual(stackShapes([1, 8, 8], DEFAULT_CONV), { shapes: [[4, 6, 6], [4, 3, 3]], bad: -1 });
  const deep = [...DEFAULT_CONV, newLayer("conv2d"), newLayer("maxpool2d")];
  assert.equal(stackShapes([1, 8, 8], deep).bad, 3);      // 3 − 3 + 1 = 1, then ⌊1/2⌋ = 0
  assert.equal(stackShapes([1, 8, 8], deep).shapes[2][1], 1);
});

test("a change of the conv stack, in words", () => {
  const after = { ...SPEC, conv: [DEFAULT_CONV[0]] };
  assert.equal(describeChange(SPEC, after), "convolution and pooling: conv 4×3×3 relu");
});
