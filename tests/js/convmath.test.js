// the CNN arithmetic the conv page draws: shapes, windows, footprints, the flipped kernel
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  describeLayers, fitsConv, flippedGrid, forwardCell, isConvConfig, kernelFootprint, layerShapes, maxAbs, patchAt,
  poolWindow, seenBy, termGrids, weightLayerName, windowOrigin,
} from "../../static/conv/convmath.js";

const DEFAULT = [
  { type: "conv2d", channels: 4, kernel: 3, stride: 1, padding: 0, activation: "relu" },
  { type: "maxpool2d", size: 2 }, { type: "flatten" }, { type: "dense", units: 1, activation: "sigmoid" },
];

test("a list of layer objects is a CNN; a list of sizes is not", () => {
  assert.equal(isConvConfig({ layers: DEFAULT, input_shape: [1, 8, 8] }), true);
  assert.equal(isConvConfig({ layers: [{ type: "attention" }], input_shape: [5, 9] }), false);   // a sequence
  assert.equal(isConvConfig({ layers: [2, 4, 1] }), false);
  assert.equal(isConvConfig(null), false);
});

test("the default CNN on 8×8 images: 4×6×6, 4×3×3, 36, 1", () => {
  assert.deepEqual(layerShapes([1, 8, 8], DEFAULT), [[4, 6, 6], [4, 3, 3], [36], [1]]);
});

test("stride, padding and a pool that does not divide floor as PyTorch does", () => {
  const specs = [{ type: "conv2d", channels: 2, kernel: 3, stride: 2, padding: 1 }, { type: "avgpool2d", size: 3 },
                 { type: "flatten" }];
  // (7 + 2 − 3)/2 + 1 = 4, then ⌊4/3⌋ = 1
  assert.deepEqual(layerShapes([3, 7, 7], specs), [[2, 4, 4], [2, 1, 1], [2]]);
});

test("a window's origin moves by the stride and starts on the padding", () => {
  assert.deepEqual(windowOrigin(0, 0, { stride: 1, padding: 0 }), [0, 0]);
  assert.deepEqual(windowOrigin(2, 1, { stride: 2, padding: 1 }), [3, 1]);
  assert.deepEqual(windowOrigin(0, 0, { stride: 1, padding: 2 }), [-2, -2]);
});

const ramp = (H, W) => [Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, c) => 10 * r + c))];

test("a patch is the input under the window, 0 on the padding", () => {
  const patch = patchAt(ramp(4, 4), 0, 0, 0, { kernel: 3, padding: 1 });
  assert.deepEqual(patch.map((row) => row.map((p) => p.value)), [[0, 0, 0], [0, 0, 1], [0, 10, 11]]);
  assert.equal(patch[0][0].padded, true);
  assert.equal(patch[1][1].padded, false);
  assert.deepEqual([patch[2][2].row, patch[2][2].col], [1, 1]);
});

/** z of the whole map by the plain sum over c, u, v (written apart from forwardCell) */
function convolve(X, W, b, stride, padding) {
  const k = W[0][0].length, H = X[0].length, Wd = X[0][0].length;
  const out = Math.floor((H + 2 * padding - k) / stride) + 1, outW = Math.floor((Wd + 2 * padding - k) / stride) + 1;
  const at = (c, i, j) => (i < 0 || j < 0 || i >= H || j >= Wd ? 0 : X[c][i][j]);
  return W.map((Wo, o) => Array.from({ length: out }, (_, r) => Array.from({ length: outW }, (_, s) => {
    let z = b[o];
    for (let c = 0; c < X.length; c++) {
      for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) z += at(c, r * stride - padding + u, s * stride - padding + v) * Wo[c][u][v];
    }
    return z;
  })));
}

test("patch ⊙ kernel + b is the convolution's z at every cell, with stride and padding", () => {
  const X = [[[1, 2, 0, -1], [0, 1, 3, 2], [2, -2, 1, 0], [1, 0, 0, 4]], [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 1, 1]]];
  const W = [[[[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[0, 1, 0], [1, -4, 1], [0, 1, 0]]]];
  for (const [stride, padding] of [[1, 0], [1, 1], [2, 1], [2, 2]]) {
    const Z = convolve(X, W, [0.5], stride, padding);
    Z[0].forEach((row, r) => row.forEach((z, s) => {
      const cell = forwardCell(X, W, [0.5], 0, r, s, { kernel: 3, stride, padding });
      assert.equal(cell.z, z, `stride ${stride} padding ${padding} cell ${r},${s}`);
      assert.equal(cell.channels.length, 2);
    }));
  }
});

test("a kernel weight's footprint: the input shifted by (u, v), one pixel per output cell", () => {
  const keys = kernelFootprint(1, 2, [4, 6, 6], [1, 8, 8], { stride: 1, padding: 0 });
  assert.equal(keys.length, 36);
  assert.ok(keys.includes("1,2") && keys.includes("6,7") && !keys.includes("0,2") && !keys.includes("1,1"));
  // on the padding a position multiplies 0: it is not a pixel
  assert.equal(kernelFootprint(0, 0, [1, 8, 8], [1, 8, 8], { padding: 1 }).length, 49);
});

test("the output cells that saw a pixel are the footprints that hold it", () => {
  const specs = [{ kernel: 3, stride: 1, padding: 0 }, { kernel: 3, stride: 2, padding: 1 }, { kernel: 5, stride: 1, padding: 2 }];
  for (const spec of specs) {
    const [out] = layerShapes([1, 7, 7], [{ type: "conv2d", channels: 1, ...spec }]);
    for (let row = 0; row < 7; row++) {
      for (let col = 0; col < 7; col++) {
        const seen = seenBy(row, col, out, spec).map((c) => `${c.u},${c.v}`).sort();
        const holding = [];
        for (let u = 0; u < spec.kernel; u++) for (let v = 0; v < spec.kernel; v++) {
          if (kernelFootprint(u, v, out, [1, 7, 7], spec).includes(`${row},${col}`)) holding.push(`${u},${v}`);
        }
        assert.deepEqual(seen, holding.sort());
      }
    }
  }
  // a corner pixel of a valid 3×3 convolution is seen once, by kernel weight (0, 0) at cell (0, 0)
  assert.deepEqual(seenBy(0, 0, [1, 6, 6], { kernel: 3 }), [{ u: 0, v: 0, r: 0, s: 0 }]);
  assert.equal(seenBy(3, 3, [1, 6, 6], { kernel: 3 }).length, 9);
});

test("the flipped kernel puts weight (u, v) at (k−1−u, k−1−v), beside its ∂L/∂z cell", () => {
  const terms = [{ out: 0, kernel: [0, 0], position: [3, 3], weight: 1 }, { out: 0, kernel: [2, 1], position: [1, 2], weight: 2 },
                 { out: 1, kernel: [1, 1], position: [2, 2], weight: 3 }];
  const grid = flippedGrid(terms, 0, 3);
  assert.equal(grid[2][2].weight, 1);
  assert.equal(grid[0][1].weight, 2);
  assert.equal(grid[1][1], null);
  // with stride 1 the grid's rows follow the positions: position r = row − u, top row first
  assert.ok(grid[0][1].position[0] < grid[2][2].position[0]);
});

test("a kernel chain's terms as grids of x, ∂L/∂z and their products", () => {
  const g = termGrids([{ position: [0, 1], x: 2, dL_dz: 3, product: 6 }], [1, 2, 2]);
  assert.deepEqual(g.product, [[null, 6], [null, null]]);
  assert.deepEqual(g.x[0], [null, 2]);
});

test("a pool window, the largest |value| and a CNN in words", () => {
  assert.deepEqual(poolWindow(1, 2, 2), { top: 2, left: 4, size: 2 });
  assert.equal(maxAbs([[1, -3], [null, 2]]), 3);
  assert.equal(maxAbs(null), 0);
  assert.equal(describeLayers(DEFAULT), "conv 4×3×3 relu → max pool 2 → flatten → dense 1 sigmoid");
  assert.equal(describeLayers([{ type: "conv2d", channels: 2, kernel: 5, stride: 2, padding: 1, activation: "tanh" }]),
               "conv 2×5×5 (stride 2, padding 1) tanh");
});

test("a selection fits a CNN when its layer has that kind and its indices are in range", () => {
  const config = { input_shape: [1, 8, 8], layers: DEFAULT };
  assert.equal(fitsConv({ kind: "kernel", layer: 0, o: 3, c: 0, u: 2, v: 2 }, config), true);
  assert.equal(fitsConv({ kind: "kernel", layer: 0, o: 4, c: 0, u: 0, v: 0 }, config), false);
  assert.equal(fitsConv({ kind: "kernel", layer: 1, o: 0, c: 0, u: 0, v: 0 }, config), false);
  assert.equal(fitsConv({ kind: "pixel", layer: 0, c: 0, r: 7, s: 7 }, config), true);
  assert.equal(fitsConv({ kind: "pixel", layer: 0, c: 0, r: 8, s: 0 }, config), false);
  assert.equal(fitsConv({ kind: "cell", layer: 0, o: 1, r: 5, s: 5 }, config), true);
  assert.equal(fitsConv({ kind: "cell", layer: 0, o: 1, r: 6, s: 0 }, config), false);
  assert.equal(fitsConv({ kind: "pool", layer: 1, c: 3, r: 2, s: 2 }, config), true);
  assert.equal(fitsConv({ kind: "edge", L: 1, i: 0, j: 0 }, config), false);
});

test("a hook's data attribute is the selection it names", async () => {
  const { selectionOf } = await import("../../static/conv/convview.js");
  assert.deepEqual(selectionOf({ kernel: "0,1,0,2,1" }), { kind: "kernel", layer: 0, o: 1, c: 0, u: 2, v: 1 });
  assert.deepEqual(selectionOf({ pixel: "2,3,1,0" }), { kind: "pixel", layer: 2, c: 3, r: 1, s: 0 });
  assert.deepEqual(selectionOf({ cell: "0,2,5,4" }), { kind: "cell", layer: 0, o: 2, r: 5, s: 4 });
  assert.deepEqual(selectionOf({ pool: "1,0,2,2" }), { kind: "pool", layer: 1, c: 0, r: 2, s: 2 });
  assert.equal(selectionOf({}), null);
});

test("a CNN's weight layers by name; pools and flatten have none", () => {
  assert.deepEqual(DEFAULT.map((spec, k) => weightLayerName(spec, k)), ["conv layer 0", null, null, "dense layer 3"]);
});
