// the scrubber snaps to the steps the server can replay
import assert from "node:assert/strict";
import { test } from "node:test";

import { countReachable, nearestReachable } from "../../static/panels/scrubber.js";

test("a step inside a reachable range is itself; outside, the nearest end of a range", () => {
  const ranges = [[0, 40], [61, 100]];
  assert.equal(nearestReachable(ranges, 17), 17);
  assert.equal(nearestReachable(ranges, 45), 40);
  assert.equal(nearestReachable(ranges, 57), 61);
  assert.equal(nearestReachable(ranges, 250), 100);
  assert.equal(nearestReachable([[0, 0]], 3), 0);
});

test("the reachable steps are counted whole", () => {
  assert.equal(countReachable([[0, 40], [61, 100]]), 81);
  assert.equal(countReachable([[0, 60]]), 61);
});
