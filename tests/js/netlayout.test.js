// the network's layout for the room it has, the nearest weight to a click, and the arrow keys
import assert from "node:assert/strict";
import { test } from "node:test";

import { geometry, MIN_SCALE, relayout, scaleFor } from "../../static/network/netlayout.js";
import { curveDistance2, nearestCurve } from "../../static/network/nethit.js";
import { moveFocus } from "../../static/network/netkeys.js";

const PHONE = { width: 380, height: 720 };      // a 420 px wide phone: its box, most of the window
const DESK = { width: 590, height: 380 };       // the network's box at 1280 × 800

test("xor's 2-4-1 network fits a phone whole, full size, its texts at 11 px or more", () => {
  const g = geometry([2, 4, 1], true, PHONE);
  assert.equal(g.tier, "full");
  assert.ok(g.width <= PHONE.width && g.height <= PHONE.height, JSON.stringify(g));
  assert.ok(scaleFor(g, PHONE) >= MIN_SCALE);
  assert.ok(g.col - 2 * g.r - (g.pic ? g.pic + 6 : 0) >= 40);     // weights long enough to see and tap
});

test("a big layer is whole in the box: its units become dots, its columns stay apart", () => {
  const g = geometry([2, 24, 24, 1], true, DESK);
  assert.equal(g.tier, "dots");
  assert.equal(g.rows[1].pic, 0);
  assert.equal(g.rows[0].tier, "full");          // the 2 inputs spread over the height: full units, pictures
  assert.ok(g.faded);
  assert.ok(g.height * scaleFor(g, DESK) <= DESK.height + 1);
  assert.ok(g.width * scaleFor(g, DESK) <= DESK.width + 1);
  assert.ok(g.col >= 84);
});

test("rows shrink by tiers before anything scrolls", () => {
  const tiers = [600, 420, 330, 200].map((h) => geometry([2, 6, 3], true, { width: 590, height: h }).tier);
  assert.deepEqual(tiers, ["full", "medium", "small", "dots"]);
  assert.equal(geometry([2, 4, 1], true, DESK).faded, false);
});

test("the scale stays where texts are 11 px or more: a network wider than that scrolls", () => {
  const g = geometry([2, 8, 8, 8, 8, 8, 8, 1], true, PHONE);
  assert.ok(g.width > PHONE.width);
  assert.equal(scaleFor(g, PHONE), MIN_SCALE);
  assert.ok(Math.abs(MIN_SCALE * 12 - 11) < 1e-9);
});

test("a resize draws again only past a tier or a sixth of a row", () => {
  const a = geometry([2, 24, 24, 1], true, DESK);
  assert.equal(relayout(a, geometry([2, 24, 24, 1], true, { width: 592, height: 385 })), false);
  assert.equal(relayout(a, geometry([2, 24, 24, 1], true, PHONE)), true);
  assert.equal(relayout(null, a), true);
});

test("a click goes to the line under it, not to the band drawn last", () => {
  // h₁₁ → ŷ₂ and h₁₂ → ŷ₁ cross: a point on the first, near the crossing
  const curves = [[2, 0, 1, 100, 100, 200, 160, ], [2, 1, 0, 100, 130, 200, 100]];
  const onFirst = [150, 130];           // the middle of the first curve: (100+200)/2, (100+160)/2
  assert.ok(curveDistance2(...onFirst, curves[0].slice(3)) < 1e-9);
  assert.deepEqual(nearestCurve(...onFirst, curves), { L: 2, i: 0, j: 1 });
  assert.deepEqual(nearestCurve(150, 112, curves), { L: 2, i: 1, j: 0 });
  assert.equal(nearestCurve(150, 300, curves, 9), null);
});

test("the arrow keys walk units and their weights", () => {
  const sizes = [2, 4, 1];
  const at = { kind: "node", L: 1, i: 2 };
  assert.deepEqual(moveFocus(at, "ArrowUp", sizes), { kind: "node", L: 1, i: 1 });
  assert.deepEqual(moveFocus(at, "ArrowRight", sizes), { kind: "edge", L: 2, i: 2, j: 0 });
  assert.deepEqual(moveFocus(at, "ArrowLeft", sizes), { kind: "edge", L: 1, i: 0, j: 2 });
  assert.deepEqual(moveFocus({ kind: "edge", L: 1, i: 0, j: 3 }, "ArrowDown", sizes), { kind: "edge", L: 1, i: 1, j: 0 });
  assert.deepEqual(moveFocus({ kind: "edge", L: 1, i: 1, j: 3 }, "ArrowDown", sizes), { kind: "edge", L: 1, i: 1, j: 3 });
  assert.deepEqual(moveFocus({ kind: "edge", L: 1, i: 1, j: 3 }, "ArrowRight", sizes), { kind: "node", L: 1, i: 3 });
  assert.deepEqual(moveFocus({ kind: "edge", L: 1, i: 1, j: 3 }, "ArrowLeft", sizes), { kind: "node", L: 0, i: 1 });
  assert.deepEqual(moveFocus({ kind: "node", L: 2, i: 0 }, "ArrowRight", sizes), { kind: "node", L: 2, i: 0 });
  // weights not drawn (too many): units to units, the nearest in height
  assert.deepEqual(moveFocus({ kind: "node", L: 0, i: 1 }, "ArrowRight", sizes, false), { kind: "node", L: 1, i: 3 });
  assert.deepEqual(moveFocus(at, "End", sizes), { kind: "node", L: 1, i: 3 });
});
