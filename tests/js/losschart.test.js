// the loss chart's scales: each curve its own
import assert from "node:assert/strict";
import { test } from "node:test";

import { axisFor } from "../../static/panels/losschart.js";

test("a curve over two decades is drawn on a log scale, a narrower one linear from 0", () => {
  const train = axisFor([0.71, 0.2, 0.01, 0.001]);
  assert.equal(train.log, true);
  const test_ = axisFor([0.71, 0.47, 0.6, 1.17]);      // the overfitting preset's test loss
  assert.equal(test_.log, false);
  assert.deepEqual([test_.lo, test_.hi], [0, 1.17]);
  // on its own scale the dip from 0.71 to 0.47 is a fifth of the height, not 6 %
  const share = (test_.f(0.71) - test_.f(0.47)) / (test_.f(test_.hi) - test_.f(test_.lo));
  assert.ok(share > 0.2, share);
  assert.equal(axisFor([null, NaN]), null);
});
