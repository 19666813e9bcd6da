// fPrime: f'(z) from z and a = f(z), as the engine writes each derivative
import assert from "node:assert/strict";
import { test } from "node:test";

import { fPrime } from "../../static/inspector/nodepanel.js";

test("fPrime: sigmoid' = a(1 − a), from a and not from z", () => {
  assert.equal(fPrime("sigmoid", 0, 0.5), 0.25);
  assert.equal(fPrime("sigmoid", 99, 0.25), 0.1875);      // z is not looked at
  assert.equal(fPrime("sigmoid", 40, 1), 0);              // saturated
});

test("fPrime: tanh' = 1 − a², the same for a and −a", () => {
  assert.equal(fPrime("tanh", 0, 0), 1);
  assert.equal(fPrime("tanh", 0.55, 0.5), 0.75);
  assert.equal(fPrime("tanh", -0.55, -0.5), 0.75);
  assert.equal(fPrime("tanh", 20, 1), 0);
});

test("fPrime: relu' is 1 for z > 0, else 0, the kink included", () => {
  assert.equal(fPrime("relu", 2, 2), 1);
  assert.equal(fPrime("relu", -3, 0), 0);
  assert.equal(fPrime("relu", 0, 0), 0);
});

test("fPrime: leaky relu' is 1 for z > 0, else alpha (0.01 unless given)", () => {
  assert.equal(fPrime("leaky_relu", 2, 2), 1);
  assert.equal(fPrime("leaky_relu", -1, -0.01), 0.01);
  assert.equal(fPrime("leaky_relu", -1, -0.2, 0.2), 0.2);
  assert.equal(fPrime("leaky_relu", 0, 0), 0.01);
});

test("fPrime: linear' is 1; softmax (fused with its loss) and unknown names have none", () => {
  assert.equal(fPrime("linear", -7, -7), 1);
  assert.equal(fPrime("softmax", 0, 0.3), null);
  assert.equal(fPrime("swish", 0, 0.3), null);
});
