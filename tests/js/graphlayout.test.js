// the graph lab's pure parts: values typed, layout by depth, reverse-mode steps with +=
import assert from "node:assert/strict";
import { test } from "node:test";

import { layout, parseValues, reverseSteps } from "../../static/graphlab/graphlayout.js";

test("values are name = number, separated by commas or semicolons", () => {
  assert.deepEqual(parseValues("x1 = 2, x2=−0.5; b = 6.88"), { x1: 2, x2: -0.5, b: 6.88 });
  assert.throws(() => parseValues("x1 = two"), /“x1 = two” is not name = number/);
  assert.throws(() => parseValues("= 3"), /not name = number/);
});

// b = a + a with a = 3: nodes a (0), a + a (1)
const REUSE = { order: [0, 1], output: 1, nodes: [
  { id: 0, op: "input", inputs: [], local: [] },
  { id: 1, op: "+", inputs: [0, 0], local: [1, 1] },
] };

test("a node used twice receives both contributions and its gradient grows by +=", () => {
  const steps = reverseSteps(REUSE);
  assert.equal(steps.length, 2);
  assert.equal(steps[0].node, 1);
  assert.deepEqual(steps[0].sends.map((s) => s.contribution), [1, 1]);
  assert.equal(steps[0].partial[0], 2);
  assert.deepEqual(steps[0].received[0], [1, 1]);
  assert.equal(steps[1].node, 0);
  assert.deepEqual(steps[1].sends, []);
});

// (x1 + x2) * x3 at 1, 2, 3: nodes x1 0, x2 1, + 2, x3 3, · 4
const PRODUCT = { order: [0, 1, 2, 3, 4], output: 4, nodes: [
  { id: 0, op: "input", inputs: [], local: [] },
  { id: 1, op: "input", inputs: [], local: [] },
  { id: 2, op: "+", inputs: [0, 1], local: [1, 1] },
  { id: 3, op: "input", inputs: [], local: [] },
  { id: 4, op: "·", inputs: [2, 3], local: [3, 3] },
] };

test("reverse steps: local derivative × upstream gradient = contribution, from the output back", () => {
  const steps = reverseSteps(PRODUCT);
  assert.deepEqual(steps.map((s) => s.node), [4, 3, 2, 1, 0]);
  assert.deepEqual(steps[0].sends, [{ input: 2, local: 3, upstream: 1, contribution: 3 },
                                    { input: 3, local: 3, upstream: 1, contribution: 3 }]);
  assert.equal(steps[2].grad, 3);                     // the sum's gradient, complete when reached
  assert.deepEqual([steps[4].partial[0], steps[4].partial[1], steps[4].partial[3]], [3, 3, 3]);
});

test("layout: every node is right of its inputs", () => {
  const { where, cols } = layout(PRODUCT.nodes);
  assert.equal(cols, 3);
  for (const n of PRODUCT.nodes) for (const i of n.inputs) assert.ok(where[i].col < where[n.id].col);
  assert.deepEqual(where[3], { col: 0, row: 2 });
});

test("NaN and ±∞ come back as they are; an output's steps send only along its own path", async () => {
  const { decodeReply, neededBy } = await import("../../static/graphlab/graphlayout.js");
  // naive = exp(z) (overflows), stable = z − z, with z = 1000: nodes z 0, exp 1, − 2
  const reply = decodeReply({ order: [0, 1, 2], outputs: [1, 2], inputs: ["z"],
    nodes: [{ id: 0, op: "input", inputs: [], local: [], value: 1000 },
            { id: 1, op: "exp", inputs: [0], local: [null], value: null },
            { id: 2, op: "−", inputs: [0, 0], local: [1, -1], value: 0 }],
    nonfinite: { "/nodes/1/local/0": "inf", "/nodes/1/value": "inf" } });
  assert.equal(reply.nodes[1].value, Infinity);
  assert.deepEqual([...neededBy(reply, 2)].sort(), [0, 2]);
  const stable = reverseSteps(reply, 2);
  assert.equal(stable[stable.length - 1].partial[0], 0);        // 1 − 1, not NaN from 0 · ∞
  assert.equal(stable.find((s) => s.node === 1).on, false);
  const naive = reverseSteps(reply, 1);
  assert.equal(naive[naive.length - 1].partial[0], Infinity);   // as it is
});

test("labels move off each other and off the nodes", async () => {
  const { placeLabels } = await import("../../static/graphlab/graphlayout.js");
  const node = { x: 0, y: 0, w: 20, h: 20 };
  const moves = placeLabels([{ x: 5, y: 5, w: 30, h: 10 }, { x: 5, y: 25, w: 30, h: 10 }, { x: 5, y: 25, w: 30, h: 10 }], [node], 6, 10);
  assert.notEqual(moves[0], 0);                                  // off the node
  const ys = moves.map((d, k) => [5, 25, 25][k] + d);
  assert.ok(Math.abs(ys[1] - ys[2]) >= 10);                      // off each other
});
