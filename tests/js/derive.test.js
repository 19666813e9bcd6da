// derive.js: the names a formula may use with the followed sample's values, the verdict's
// words, and the page's own signs taken as the language writes them
import assert from "node:assert/strict";
import { test } from "node:test";

import { deriveNames, normalFormula, verdictText } from "../../static/inspector/derive.js";

// a 2-3-1 network after Backward, following a sample of the batch
const STATE = {
  config: { layers: [2, 3, 1] },
  batch_size: 8,
  layers: [{ W: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], b: [0.01, 0.02, 0.03], activation: "tanh" },
           { W: [[0.7], [0.8], [0.9]], b: [-0.5], activation: "sigmoid" }],
  sample: { index: 4, in_batch: true, input: [1.5, -2], target: [1],
            layers: [{ z: [0.1, 0.2, 0.3], a: [0.11, 0.22, 0.33], da: [0.01, 0.02, 0.03] },
                     { z: [0.4], a: [0.6], da: [-0.05] }] },
};

const byName = (names) => Object.fromEntries(names.map((n) => [n.name, n.value]));

test("an output weight: a_prev is the hidden unit's a, y the target, no x", () => {
  const names = deriveNames(STATE, 2, 1, 0);
  assert.deepEqual(names.map((n) => n.name), ["a_prev", "w", "b", "z", "a", "y", "n", "dL_da"]);
  assert.deepEqual(byName(names), { a_prev: 0.22, w: 0.8, b: -0.5, z: 0.4, a: 0.6, y: 1, n: 8, dL_da: -0.05 });
});

test("a first layer's weight: a_prev and x are the input, no y", () => {
  const names = deriveNames(STATE, 1, 1, 2);
  assert.deepEqual(names.map((n) => n.name), ["a_prev", "x", "w", "b", "z", "a", "n", "dL_da"]);
  assert.deepEqual(byName(names), { a_prev: -2, x: -2, w: 0.6, b: 0.03, z: 0.3, a: 0.33, n: 8, dL_da: 0.03 });
});

test("a sample outside the minibatch has no values but its input, the weights and its target", () => {
  const outside = { ...STATE, sample: { ...STATE.sample, in_batch: false, layers: [{ z: null, a: null, da: null }, { z: null, a: null, da: null }] } };
  const values = byName(deriveNames(outside, 2, 0, 0));
  assert.equal(values.a_prev, null);
  assert.equal(values.z, null);
  assert.equal(values.w, 0.7);
  assert.equal(values.y, 1);
});

test("the verdict counts the samples it differs on", () => {
  assert.deepEqual(verdictText({ correct: true, batch_size: 1, wrong: 0 }),
                   { text: "Correct: your formula is the term on all 1 sample of the batch.", kind: "close" });
  assert.equal(verdictText({ correct: false, batch_size: 200, wrong: 37 }).text,
               "Not the term: it differs on 37 of the 200 samples of the batch.");
});

test("the page's minus and product signs become the language's, one character for one", () => {
  assert.equal(normalFormula("(a − y)·a_prev × 2 – 1"), "(a - y)*a_prev * 2 - 1");
  assert.equal(normalFormula("dL_da*a").length, 7);
});

test("Derivations: the button opens the field with the formula last sent, and closes it", async () => {
  const { Derivations } = await import("../../static/inspector/derive.js");
  const d = new Derivations({ derive: async () => ({ correct: false }) });
  const state = { id: "s1" };
  assert.equal(d.writingFor(state, 2, 1, 0), null);                  // nothing open: the chain shows
  d.toggle(state, 2, 1, 0);
  const w = d.writingFor(state, 2, 1, 0);
  assert.deepEqual([w.L, w.i, w.j, w.formula, w.result], [2, 1, 0, "", null]);
  await new Promise((done) => d.send(w, "a * 2", done));
  assert.deepEqual(w.result, { correct: false });
  assert.equal(d.writingFor({ id: "s1" }, 2, 1, 0), null);           // a new state: the verdict goes
  d.toggle(state, 2, 1, 0);
  assert.equal(d.writingFor(state, 2, 1, 0).formula, "a * 2");        // the formula stays
  d.toggle(state, 2, 1, 0);
  assert.equal(d.writingFor(state, 2, 1, 0), null);
});

test("Derivations: a lesson's weight opens on the field until its formula is right once", async () => {
  const { Derivations } = await import("../../static/inspector/derive.js");
  let right = false;
  const d = new Derivations({ derive: async () => ({ correct: right }), deriveFirst: (L, i, j) => L === 1 && i === 0 && j === 0 });
  assert.equal(d.writingFor({ id: "s" }, 1, 0, 1), null);             // another weight
  const w = d.writingFor({ id: "s" }, 1, 0, 0);
  assert.ok(w && !w.result);
  d.toggle(w.state, 1, 0, 0);                                          // it does not close
  assert.equal(d.writingFor(w.state, 1, 0, 0), w);
  await new Promise((done) => d.send(w, "x", done));
  assert.ok(d.writingFor({ id: "s" }, 1, 0, 0));                       // wrong: the field again
  right = true;
  const again = d.writingFor({ id: "s" }, 1, 0, 0);
  await new Promise((done) => d.send(again, "x", done));
  assert.equal(d.writingFor({ id: "s" }, 1, 0, 0), null);              // right once: the chain at once
});

test("Derivations: a refusal keeps the last verdict and says why", async () => {
  const { Derivations } = await import("../../static/inspector/derive.js");
  let refuse = false;
  const d = new Derivations({ derive: async () => {
    if (refuse) throw Object.assign(new Error("refused"), { detail: [{ field: "formula", msg: "q is not a name here (line 1, column 1)" }] });
    return { correct: false };
  } });
  const state = { id: "s" };
  d.toggle(state, 1, 0, 0);
  const w = d.writingFor(state, 1, 0, 0);
  await new Promise((done) => d.send(w, "a", done));
  refuse = true;
  await new Promise((done) => d.send(w, "q", done));
  assert.deepEqual(w.result, { correct: false });
  assert.equal(w.problem, "q is not a name here (line 1, column 1)");
});
