// node --test tests/js: the page's pure functions
import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt, operandDigits, rightOf } from "../../static/core/format.js";

test("fmt: four significant digits, a real minus sign, exponents for the tiny and the huge", () => {
  assert.equal(fmt(0.123456), "0.1235");
  assert.equal(fmt(-2.5), "−2.5");
  assert.equal(fmt(4.776e-11), "4.776×10⁻¹¹");
  assert.equal(fmt(null), "—");
  assert.equal(fmt(0), "0");
});

test("operandDigits: 1 − a² with a next to −1 shows a with enough digits for the result", () => {
  const a = -0.99999999997612;
  const fp = 1 - a * a;
  const digits = operandDigits([a], (x) => 1 - x * x, fp);
  const shown = Number(a.toPrecision(digits));
  assert.equal(fmt(1 - shown * shown), fmt(fp));
  assert.ok(digits > 10);
  assert.equal(operandDigits([0.5], (x) => 1 - x * x, 0.75), 4);     // nothing to add
});

test("operandDigits: a product shown follows from its factors as shown", () => {
  const factors = [0.35319679509, 0.91999176226, 0.000205991956];
  const product = factors.reduce((p, x) => p * x, 1);
  const digits = operandDigits(factors, (...t) => t.reduce((p, x) => p * x, 1), product);
  const shown = factors.map((x) => Number(x.toPrecision(digits)));
  assert.equal(fmt(shown.reduce((p, x) => p * x, 1)), fmt(product));
});

test("a share of points is counted, then rounded as a person rounds it", () => {
  assert.deepEqual(rightOf(113 / 200, 200), { count: 113, percent: 57 });     // not 56
  assert.deepEqual(rightOf(0.5, 30), { count: 15, percent: 50 });
  assert.deepEqual(rightOf(1, 7), { count: 7, percent: 100 });
});
