// "predict the gradient": reading the learner's number and saying how close it was
import assert from "node:assert/strict";
import { test } from "node:test";

import { closeness, parseGuess } from "../../static/controls/predict.js";

test("parseGuess: plain, signed and exponent numbers", () => {
  assert.equal(parseGuess("0.05"), 0.05);
  assert.equal(parseGuess("-5e-2"), -0.05);
  assert.equal(parseGuess("1.2e-3"), 0.0012);
  assert.equal(parseGuess("1.2E-3"), 0.0012);
  assert.equal(parseGuess("+3"), 3);
  assert.equal(parseGuess(".5"), 0.5);
  assert.equal(parseGuess("5."), 5);
  assert.equal(parseGuess("0"), 0);
});

test("parseGuess: the unicode minus and the en dash are minus signs; spaces are dropped", () => {
  assert.equal(parseGuess("−0.05"), -0.05);
  assert.equal(parseGuess("–2"), -2);
  assert.equal(parseGuess("1.2e−3"), 0.0012);
  assert.equal(parseGuess("  − 0.5 "), -0.5);
});

test("parseGuess: a decimal comma, unless a point is there too", () => {
  assert.equal(parseGuess("0,05"), 0.05);
  assert.ok(Number.isNaN(parseGuess("1,000.5")));
  assert.ok(Number.isNaN(parseGuess("1,2,3")));
});

test("parseGuess: garbage is NaN", () => {
  for (const text of ["", "  ", ".", "-", "e5", "1e", "abc", "0x10", "Infinity", "1/2", "--1", null]) {
    assert.ok(Number.isNaN(parseGuess(text)), String(text));
  }
});

test("closeness: an exact guess, and 0 for 0", () => {
  assert.deepEqual(closeness(0.25, 0.25), { relative: 0, verdict: "exactly right", kind: "close", hint: "" });
  assert.equal(closeness(0, 0).verdict, "exactly right");
  assert.equal(closeness(-0, 0).verdict, "exactly right");
});

test("closeness: anything but 0 when dW is 0 is off, by an infinite relative error", () => {
  const c = closeness(0.1, 0);
  assert.equal(c.relative, Infinity);
  assert.equal(c.kind, "off");
  assert.equal(c.verdict, "dW is exactly 0 here");
});

test("closeness: 0 for a non-zero dW, or the other sign, is wrong", () => {
  const zero = closeness(0, 0.3);
  assert.equal(zero.relative, 1);
  assert.equal(zero.verdict, "it is not 0");
  assert.equal(zero.kind, "wrong");
  const sign = closeness(-0.1, 0.1);
  assert.equal(sign.relative, 2);
  assert.equal(sign.verdict, "wrong sign");
  assert.equal(sign.kind, "wrong");
  assert.equal(closeness(2, -2).verdict, "wrong sign");
});

test("closeness: within 1, 10 and 25 %, a hint only beyond 1 %", () => {
  const one = closeness(1.005, 1);
  assert.ok(Math.abs(one.relative - 0.005) < 1e-12);
  assert.equal(one.verdict, "within 1 %");
  assert.equal(one.kind, "close");
  assert.equal(one.hint, "");
  const ten = closeness(-1.0625, -1);              // 6.25 %
  assert.equal(ten.verdict, "within 10 %");
  assert.notEqual(ten.hint, "");
  assert.equal(closeness(0.75, 1).verdict, "within 25 %");   // exactly 25 % is still within
  assert.equal(closeness(1.25, 1).verdict, "within 25 %");
});

test("closeness: further out, the right sign and the factor it is off by", () => {
  assert.equal(closeness(0.3, 0.1).verdict, "right sign, off by 3× (too large)");
  assert.equal(closeness(0.02, 0.1).verdict, "right sign, off by 5× (too small)");
  assert.equal(closeness(-1.5, -1).verdict, "right sign, off by 1.5× (too large)");
  assert.equal(closeness(-25, -1).verdict, "right sign, off by 25× (too large)");
  assert.equal(closeness(1, 123.4).verdict, "right sign, off by 123× (too small)");  // whole above 10
  assert.equal(closeness(0.3, 0.1).kind, "off");
});

test("a hidden weight of a batch asks for the followed sample's term; an output weight, or one sample, for dW", async () => {
  const { predictionKind } = await import("../../static/controls/predict.js");
  assert.equal(predictionKind(0, [2, 4, 1], 200), "term");     // into the hidden layer: a sum of 200 terms
  assert.equal(predictionKind(1, [2, 4, 1], 200), "dW");
  assert.equal(predictionKind(0, [2, 4, 1], 1), "dW");         // one sample: its term is dW
});
