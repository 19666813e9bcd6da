// the forward movement's captions write each layer's activation as the catalog's formula
import assert from "node:assert/strict";
import { test } from "node:test";

import { useCatalog } from "../../static/core/catalog.js";
import { forwardStages } from "../../static/network/forward.js";

test("each layer's activation by the catalog's formula", () => {
  useCatalog({ activations: [{ name: "tanh", formula: "tanh(z)" }, { name: "relu", formula: "max(0, z)" }] });
  const view = { last: 2, nodes: [[], [], []], edges: [], edgesDrawn: false, activations: ["relu", "tanh"] };
  const captions = forwardStages(view).map((s) => s.caption);
  assert.equal(captions.length, 6);    // the inputs, z and a of each layer, the loss
  assert.equal(captions[2], "Hidden layer 1: a = max(0, z), the activation, is what the unit sends on.");
  assert.equal(captions[4], "Output layer: a = tanh(z), the activation, is what the unit sends on.");
});

test("an activation the catalog does not know is written f(z)", () => {
  useCatalog({ activations: [] });
  const view = { last: 1, nodes: [[], []], edges: [], edgesDrawn: false, activations: ["mystery"] };
  assert.equal(forwardStages(view)[2].caption, "Output layer: a = f(z), the activation, is what the unit sends on.");
});
