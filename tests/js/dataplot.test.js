// contour: marching squares over a res × res grid, points as [column, row] in grid units
import assert from "node:assert/strict";
import { test } from "node:test";

import { contour } from "../../static/panels/dataplot.js";

/** the segments as a set: each one's ends sorted, then the segments sorted */
const unordered = (segments) => segments.map((s) => s.map((p) => p.join(",")).sort().join(" ")).sort();

test("contour: a 2x2 grid rising left to right is cut by one vertical segment at the middle", () => {
  // row 0: 0 1, row 1: 0 1 -> the 0.5 level lies halfway along the top and bottom edges
  assert.deepEqual(unordered(contour([0, 1, 0, 1], 2, 0.5)), unordered([[[0.5, 0], [0.5, 1]]]));
});

test("contour: the ends lie where linear interpolation along each edge reaches the level", () => {
  // top edge 0 -> 1: 0.5 at column 0.5; bottom edge 0 -> 4: 0.5 at column 0.125
  assert.deepEqual(unordered(contour([0, 1, 0, 4], 2, 0.5)), unordered([[[0.5, 0], [0.125, 1]]]));
  // the same grid at level 3: the top edge never reaches it, the right edge 1 -> 4 at row 2/3,
  // the bottom edge 0 -> 4 at column 0.75
  const [[p, q], ...rest] = contour([0, 1, 0, 4], 2, 3);
  assert.equal(rest.length, 0);
  const [right, bottom] = p[0] === 1 ? [p, q] : [q, p];
  assert.equal(right[0], 1);
  assert.ok(Math.abs(right[1] - 2 / 3) < 1e-12);
  assert.deepEqual(bottom, [0.75, 1]);
});

test("contour: a grid entirely above, or entirely below, the level has no segments", () => {
  assert.deepEqual(contour([0.6, 0.9, 0.7, 1, 0.8, 0.6, 0.9, 0.7, 0.55], 3, 0.5), []);
  assert.deepEqual(contour([0.1, 0.2, 0.3, 0.4], 2, 0.5), []);
});

test("contour: a single peak in a 3x3 grid is ringed by a diamond, one side per cell", () => {
  const peak = [0, 0, 0,
                0, 1, 0,
                0, 0, 0];
  // halfway between the centre (1, 1) and each of its four neighbours
  const left = [0.5, 1], right = [1.5, 1], top = [1, 0.5], bottom = [1, 1.5];
  assert.deepEqual(unordered(contour(peak, 3, 0.5)),
                   unordered([[top, left], [top, right], [bottom, left], [bottom, right]]));
});

test("contour: a saddle cell gives two segments, each cutting off one low corner", () => {
  // row 0: 1 0, row 1: 0 1 -> the low corners are (column 1, row 0) and (column 0, row 1)
  assert.deepEqual(unordered(contour([1, 0, 0, 1], 2, 0.5)),
                   unordered([[[0.5, 0], [1, 0.5]], [[0, 0.5], [0.5, 1]]]));
});

test("contour: a value exactly at the level counts as above it: the line runs through that corner", () => {
  // row 0: 0 0.5, row 1: 0 0.5 -> the boundary is the right-hand edge itself
  assert.deepEqual(unordered(contour([0, 0.5, 0, 0.5], 2, 0.5)), unordered([[[1, 0], [1, 1]]]));
});

test("contour: an edge with a NaN end is skipped", () => {
  // the top edge (0 -> NaN) and the right edge (NaN -> 1) give no point: only the bottom (1 -> 0)
  // and the left (0 -> 0) are left, one crossing, so no segment
  assert.deepEqual(contour([0, NaN, 0, 1], 2, 0.5), []);
});

test("contour: a null corner (a non-finite output) is no value, not 0", () => {
  // left column null, right column 1: were null 0, the 0.5-crossing would be drawn at x = 0.5
  assert.deepEqual(contour([null, 1, null, 1], 2, 0.5), []);
});
