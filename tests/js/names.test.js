// the names learners say aloud
import assert from "node:assert/strict";
import { test } from "node:test";

import { apiWeight, className, layerName, sampleName, setLayerSizes, unitName } from "../../static/core/names.js";

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

test("people count from 1 everywhere; a big layer's units are written with a comma", () => {
  setLayerSizes([2, 24, 1]);
  assert.equal(unitName(1, 9, 2, 1), "h₁,₁₀");          // h₁₁₀ read two ways
  setLayerSizes([2, 4, 1]);
  assert.equal(unitName(1, 1, 2, 1), "h₁₂");
  assert.equal(sampleName(0), "#1");
  assert.equal(className(0, "binary"), "y = 0");         // a binary class is its target value
  assert.equal(className(0, "multiclass"), "class 1");   // the class of output ŷ₁
  assert.equal(apiWeight(1, 1, 2), "layers[0].W[1][2]");
});

test("the hand table's rows are worked out by Forward, Backward, then Step", async () => {
  const { rowsWorked } = await import("../../static/inspector/guide.js");
  assert.deepEqual(["fresh", "forward", "backward", "updated"].map((p) => rowsWorked(p, 0)), [0, 3, 8, 10]);
  assert.equal(rowsWorked("forward", 1), 10);         // after step 0 every row is known
});
