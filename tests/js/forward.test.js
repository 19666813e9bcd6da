// the forward movement's captions name each layer's activation by the catalog's label
import assert from "node:assert/strict";
import { test } from "node:test";

import { useCatalog } from "../../static/core/catalog.js";
import { forwardStages } from "../../static/network/forward.js";

test("each layer's activation by the catalog's label", () => {
  useCatalog({ activations: [{ name: "tanh", label: "tanh" }, { name: "sigmoid", label: "sigmoid σ" }] });
  const view = { last: 2, nodes: [[], [], []], edges: [], edgesDrawn: false, activations: ["tanh", "sigmoid"] };
  const captions = forwardStages(view).map((s) => s.caption);
  assert.equal(captions.length, 6);    // the inputs, z and a of each layer, the loss
  assert.equal(captions[2], "Hidden layer 1: a = f(z), the activation (here tanh), is what the unit sends on.");
  assert.equal(captions[4], "Output layer: a = f(z), the activation (here sigmoid σ), is what the unit sends on.");
});
