// parseCsv: one's own points from a CSV, every bad row named by its line
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseCsv } from "../../static/controls/csv.js";

const LIMITS = { maxPoints: 5, maxBytes: 200 };

test("three columns are x1, x2 and a class; a header is skipped", () => {
  const got = parseCsv("x1,x2,label\n0.5,-1,0\n1,2,1\n", LIMITS);
  assert.deepEqual(got.X, [[0.5, -1], [1, 2]]);
  assert.deepEqual(got.Y, [[0], [1]]);
  assert.equal(got.task, "binary");
});

test("more than two classes become one-hot rows", () => {
  const got = parseCsv("0,0,0\n1,1,2\r\n2,2,1", LIMITS);
  assert.deepEqual(got.Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  assert.equal(got.task, "multiclass");
  assert.equal(got.classes, 3);
});

test("two columns are a regression of y on x", () => {
  const got = parseCsv("x,y\n0,1.5\n\n2,-3\n", LIMITS);
  assert.deepEqual(got.X, [[0], [2]]);
  assert.deepEqual(got.Y, [[1.5], [-3]]);
  assert.equal(got.task, "regression");
});

test("a bad row is named by its line, counting from 1 (blank lines and the header count)", () => {
  assert.throws(() => parseCsv("x1,x2,label\n1,2,0\n\n1,abc,1\n", LIMITS), { line: 4, message: "line 4: “abc” is not a number." });
  assert.throws(() => parseCsv("1,2,0\n1,2\n", LIMITS), { line: 2 });
  assert.throws(() => parseCsv("1,2,3,4\n", LIMITS), { line: 1 });
  assert.throws(() => parseCsv("1,2,1.5\n", LIMITS), (e) => e.line === 1 && /not a class/.test(e.message));
  assert.throws(() => parseCsv("1,2,10\n", LIMITS), (e) => e.line === 1 && /0 to 9/.test(e.message));
  assert.throws(() => parseCsv("1,2,-1\n", LIMITS), { line: 1 });
  assert.throws(() => parseCsv("1,2e7,1\n", LIMITS), { line: 1 });
});

test("the limits: points, bytes, and at least two classes", () => {
  assert.throws(() => parseCsv("0,0,0\n0,0,1\n0,0,0\n0,0,1\n0,0,0\n0,0,1\n", LIMITS), { line: 6 });
  assert.throws(() => parseCsv("0,0,1\n".repeat(40), LIMITS), (e) => e.line === null && /bytes/.test(e.message));
  assert.throws(() => parseCsv("0,0,0\n1,1,0\n", LIMITS), (e) => /two classes/.test(e.message));
  assert.throws(() => parseCsv("\n\n", LIMITS), (e) => /no rows/.test(e.message));
});
