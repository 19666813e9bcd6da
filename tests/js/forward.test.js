// the forward movement's captions write each layer's activation as the catalog's formula
import assert from "node:assert/strict";
import { test } from "node:test";

import { useCatalog } from "../../static/core/catalog.js";
import { activationCaption, forwardStages } from "../../static/network/forward.js";

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

test("batch norm and dropout are in the captions where they act, not a = σ(z)", async () => {
  const { slopeCaption } = await import("../../static/network/backward.js");
  useCatalog({ activations: [{ name: "sigmoid", formula: "σ(z)" }] });
  assert.equal(activationCaption("Hidden layer 2", "sigmoid", { batch_norm: true, dropout: 0 }),
    "Hidden layer 2: batch norm ẑ = (z − μ)/√(σ² + ε) over the batch, y = γẑ + β, then the activation a = σ(y).");
  assert.match(activationCaption("Hidden layer 1", "sigmoid", { batch_norm: false, dropout: 0.5 }), /a = σ\(z\) · mask\/\(1 − 0.5\)/);
  assert.match(slopeCaption("Hidden layer 2", false, { batch_norm: true }), /^Hidden layer 2: ∂L\/∂y = f′\(y\) · ∂L\/∂a, then ∂L\/∂z through batch norm/);
  assert.doesNotMatch(slopeCaption("Hidden layer 2", false, { batch_norm: true }), /∂L\/∂z = f′\(z\)/);
  assert.equal(slopeCaption("Output layer", true, null), "Output layer: ∂L/∂z = (a − y)/n (softmax and cross-entropy together).");
});

test("a deep network's movements last about 2 s: one stage a layer, each shorter", async () => {
  const { backwardStages } = await import("../../static/network/backward.js");
  const { stageMs } = await import("../../static/network/stageplayer.js");
  useCatalog({ activations: [{ name: "sigmoid", formula: "σ(z)" }] });
  const layers = 7;                  // the batch-norm preset: 6 hidden layers and the output
  const view = { last: layers, nodes: Array.from({ length: layers + 1 }, () => []), edges: [], edgesDrawn: false,
                 activations: Array(layers).fill("sigmoid"), options: Array(layers - 1).fill({ batch_norm: true }) };
  for (const stages of [forwardStages, backwardStages]) {
    const full = stages(view), merged = stages(view, true);
    assert.ok(full.length > 8);
    assert.equal(merged.length, layers + 2);
    assert.ok(merged.length * stageMs(merged.length) <= 2000);
  }
  assert.equal(stageMs(6), 2000 / 6);          // xor's forward: 2 s, not 3.1
  assert.equal(stageMs(2), 520);
});
