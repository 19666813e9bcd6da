// "open as a graph": a unit's computation written in the lab's language
import assert from "node:assert/strict";
import { test } from "node:test";

import { graphLink, unitGraph } from "../../static/inspector/unitgraph.js";

const STATE = {
  config: { loss: "bce", leaky_relu_alpha: 0.01 },
  batch_size: 4, points: 4,
  layers: [
    { activation: "tanh", W: [[0.1, 0.2], [0.3, 0.4]], b: [0.5, 0.6] },
    { activation: "sigmoid", W: [[0.7], [0.8]], b: [0.9] },
  ],
  sample: { index: 2, input: [1, -1], target: [1], layers: [{ a: [0.25, -0.5] }, { a: [0.6] }] },
};

test("a hidden unit: its inputs, weights, bias and activation", () => {
  const g = unitGraph(STATE, 1, 1);
  assert.equal(g.source, "z = a1*w1 + a2*w2 + b\na = tanh(z)\na");
  assert.deepEqual(g.values, { a1: 1, w1: 0.2, a2: -1, w2: 0.4, b: 0.6 });
});

test("an output unit: its loss for the sample, over the batch's n", () => {
  const g = unitGraph(STATE, 2, 0);
  assert.equal(g.source, "z = a1*w1 + a2*w2 + b\na = sigmoid(z)\n-(y * log(a) + (1 - y) * log(1 - a)) / n");
  assert.deepEqual(g.values, { a1: 0.25, w1: 0.7, a2: -0.5, w2: 0.8, b: 0.9, y: 1, n: 4 });
  const link = graphLink(g);
  const back = new URLSearchParams(link.split("#")[1]);
  assert.equal(back.get("source"), g.source);
  assert.equal(back.get("values"), "a1 = 0.25, w1 = 0.7, a2 = -0.5, w2 = 0.8, b = 0.9, y = 1, n = 4");
});

test("nothing to open before a Forward, or for a softmax", () => {
  const fresh = { ...STATE, sample: { ...STATE.sample, layers: [{ a: null }, { a: null }] } };
  assert.equal(unitGraph(fresh, 2, 0), null);
  const soft = { ...STATE, layers: [STATE.layers[0], { ...STATE.layers[1], activation: "softmax" }] };
  assert.equal(unitGraph(soft, 2, 0), null);
});
