// links that carry a scenario: /#s=CODE
import assert from "node:assert/strict";
import { test } from "node:test";

import { codeFromHash, linkFor } from "../../static/controls/scenarios.js";

test("codeFromHash: the code after s=, with or without the #", () => {
  assert.equal(codeFromHash("#s=abc"), "abc");
  assert.equal(codeFromHash("s=abc"), "abc");
  assert.equal(codeFromHash("#s=1.eJx-_~A.b"), "1.eJx-_~A.b");    // every character a code may hold
});

test("codeFromHash: percent escapes are decoded", () => {
  assert.equal(codeFromHash("#s=a%2Fb%20c"), "a/b c");
  assert.equal(codeFromHash("#s=%E2%88%92"), "−");
});

test("codeFromHash: a malformed escape leaves the code as it was typed", () => {
  assert.equal(codeFromHash("#s=%zz"), "%zz");
  assert.equal(codeFromHash("#s=ab%E2%88"), "ab%E2%88");           // a cut-off three-byte character
});

test("codeFromHash: no code is null", () => {
  for (const hash of ["", "#", "#s=", "s", null, undefined]) assert.equal(codeFromHash(hash), null, String(hash));
});

test("codeFromHash: other fragments are null; the code ends where its characters do", () => {
  assert.equal(codeFromHash("#about"), null);
  assert.equal(codeFromHash("#x=1&s=abc"), null);                  // s= must lead the fragment
  assert.equal(codeFromHash("#ss=abc"), null);
  assert.equal(codeFromHash("#s=abc&x=1"), "abc");
  assert.equal(codeFromHash("#s=abc def"), "abc");
});

test("linkFor: the origin, then /#s= and the code; its fragment gives the code back", () => {
  assert.equal(linkFor("abc", "http://localhost:8000"), "http://localhost:8000/#s=abc");
  const code = "1.eJx-_~A.b";
  assert.equal(codeFromHash(new URL(linkFor(code, "https://example.org")).hash), code);
});
