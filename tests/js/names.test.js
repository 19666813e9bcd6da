// the names learners say aloud
import assert from "node:assert/strict";
import { test } from "node:test";

import { layerName, unitName } from "../../static/core/names.js";

test("layerName: input, hidden layers numbered from 1, the output layer", () => {
  assert.equal(layerName(0, 2), "input");
  assert.equal(layerName(1, 2), "hidden layer 1");
  assert.equal(layerName(2, 2), "output layer");
  assert.equal(layerName(2, 3), "hidden layer 2");
});

test("unitName: inputs x₁, x₂; hidden units h with layer then one-based unit", () => {
  assert.equal(unitName(0, 0, 2, 1), "x₁");
  assert.equal(unitName(0, 1, 2, 1), "x₂");
  assert.equal(unitName(1, 1, 2, 1), "h₁₂");
  assert.equal(unitName(2, 0, 3, 1), "h₂₁");
  assert.equal(unitName(1, 11, 2, 1), "h₁₁₂");           // unit 12 of layer 1
});

test("unitName: one output is ŷ, several are ŷ₁, ŷ₂, …", () => {
  assert.equal(unitName(2, 0, 2, 1), "ŷ");
  assert.equal(unitName(2, 0, 2, 3), "ŷ₁");
  assert.equal(unitName(2, 1, 2, 3), "ŷ₂");
});
