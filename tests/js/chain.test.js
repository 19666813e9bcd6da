// agreeingDigits: the gradient check's "they agree to about N significant digits"
import assert from "node:assert/strict";
import { test } from "node:test";

import { agreeingDigits } from "../../static/inspector/chain.js";

test("agreeingDigits: the whole digits of −log10 of the relative error", () => {
  assert.equal(agreeingDigits(3e-6), 5);          // −log10 = 5.52
  assert.equal(agreeingDigits(0.05), 1);          // 1.30
  assert.equal(agreeingDigits(0.5), 0);           // 0.30
});

test("agreeingDigits: an exact power of ten counts in full", () => {
  assert.equal(agreeingDigits(1e-3), 3);
  assert.equal(agreeingDigits(1e-5), 5);
  assert.equal(agreeingDigits(1), 0);
});

test("agreeingDigits: from 0 to 16, never below or above", () => {
  assert.equal(agreeingDigits(0), 16);            // equal numbers
  assert.equal(agreeingDigits(1e-20), 16);        // a double holds no more
  assert.equal(agreeingDigits(2), 0);             // −log10 = −0.30: no digit agrees
  assert.equal(agreeingDigits(Infinity), 0);
});

test("agreeingDigits: no relative error (null) is no agreement", () => {
  assert.equal(agreeingDigits(null), 0);
});

test("a term of exactly 0 pushes dW neither up nor down", async () => {
  const { termSigns } = await import("../../static/inspector/terms.js");
  assert.deepEqual(termSigns([{ product: 0.2 }, { product: -0.1 }, { product: 0 }, { product: 0 }]), { up: 1, down: 1, none: 2 });
});
