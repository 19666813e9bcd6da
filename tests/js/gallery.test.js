// the conv page's images: where a click on the thumbnails lands, a target's class, a drawing
import assert from "node:assert/strict";
import { test } from "node:test";

import { classOf, thumbAt, thumbPlace } from "../../static/conv/gallery.js";
import { drawnImage } from "../../static/conv/drawimage.js";

test("a click lands on the thumbnail under it, none between them or past the last", () => {
  const layout = { perRow: 10, size: 24, count: 25 };       // thumbnails of 24 px, 9 px apart
  assert.equal(thumbAt(0, 0, layout), 0);
  assert.equal(thumbAt(33 + 5, 5, layout), 1);
  assert.equal(thumbAt(26, 5, layout), null);               // in the gap
  assert.equal(thumbAt(5, 33 * 2 + 3, layout), 20);
  assert.equal(thumbAt(33 * 5 + 1, 33 * 2 + 1, layout), null);   // image 25 does not exist
  assert.deepEqual(thumbPlace(23, 10), { col: 3, row: 2 });
});

test("a target's class: its one 0/1 value, or the place of its 1", () => {
  assert.equal(classOf([1]), 1);
  assert.equal(classOf([0]), 0);
  assert.equal(classOf([0, 0, 1, 0]), 2);
});

test("a drawing is 1 where set and 0 elsewhere, the same on every channel", () => {
  const image = drawnImage(new Set(["0,1", "2,2"]), [2, 3, 3]);
  assert.deepEqual(image[0], [[0, 1, 0], [0, 0, 0], [0, 0, 1]]);
  assert.deepEqual(image[1], image[0]);
});
