// the phase rules of the Drive bar: fresh -> forward -> backward -> step (updated) -> forward
import assert from "node:assert/strict";
import { test } from "node:test";

import { DriveBar, phaseRules, playWaitNote } from "../../static/controls/drive.js";

/** the drive actions a phase lets run */
const allowedIn = (phase) => ["forward", "backward", "step"].filter((a) => !phaseRules(phase).why[a]);

test("phaseRules: fresh allows only Forward; Backward waits for a loss, Step for gradients", () => {
  const rules = phaseRules("fresh");
  assert.equal(rules.next, "forward");
  assert.deepEqual(allowedIn("fresh"), ["forward"]);
  assert.match(rules.why.backward, /Forward/);
  assert.match(rules.why.step, /Backward/);
});

test("phaseRules: after Forward, Forward again and Backward run; Step waits for Backward", () => {
  assert.equal(phaseRules("forward").next, "backward");
  assert.deepEqual(allowedIn("forward"), ["forward", "backward"]);
  assert.match(phaseRules("forward").why.step, /Backward/);
});

test("phaseRules: after Backward everything runs and Step is next", () => {
  assert.equal(phaseRules("backward").next, "step");
  assert.deepEqual(allowedIn("backward"), ["forward", "backward", "step"]);
});

test("phaseRules: after Step the gradients are stale: only Forward, with the new weights", () => {
  const rules = phaseRules("updated");
  assert.equal(rules.next, "forward");
  assert.deepEqual(allowedIn("updated"), ["forward"]);
  assert.match(rules.why.backward, /new weights/);
});

test("phaseRules: the next thing to do is never one that waits", () => {
  for (const phase of ["fresh", "forward", "backward", "updated"]) {
    const rules = phaseRules(phase);
    assert.equal(rules.why[rules.next], undefined, phase);
  }
});

test("phaseRules: an unknown phase gets the rules of a fresh network", () => {
  assert.deepEqual(allowedIn("nonsense"), ["forward"]);
  assert.deepEqual(allowedIn(undefined), ["forward"]);
});

test("DriveBar.allowed: the teacher's lock, then Play, then Train, then the phase", () => {
  const allowed = (bar, action, phase) => DriveBar.prototype.allowed.call(bar, action, phase);
  const idle = { teacher: null, playing: false, training: false };
  assert.deepEqual(allowed(idle, "step", "backward"), [true, ""]);
  assert.deepEqual(allowed(idle, "step", "forward"), [false, phaseRules("forward").why.step]);
  const playing = { ...idle, playing: true };
  assert.equal(allowed(playing, "forward", "fresh")[0], false);
  assert.equal(allowed(playing, "reset", "fresh")[0], true);       // Reset stays open during Play
  const training = { ...idle, training: true };
  assert.equal(allowed(training, "train", "fresh")[0], true);      // Train is its own Stop button
  assert.equal(allowed(training, "reset", "backward")[0], false);
  const locked = { ...idle, teacher: { blocked: (a) => (a === "step" ? "Not in this lesson." : "") } };
  assert.deepEqual(allowed(locked, "step", "backward"), [false, "Not in this lesson."]);
  assert.deepEqual(allowed(locked, "forward", "backward"), [true, ""]);
});

test("playWaitNote: a tick that waited 0.15 s or more says Play is slowed; the note stays until under 0.05 s", () => {
  assert.equal(playWaitNote(0.01, false), "");
  assert.equal(playWaitNote(0.1, false), "");
  assert.match(playWaitNote(0.4, false), /slowed by a busy server.*0\.40 s/);
  assert.match(playWaitNote(0.1, true), /0\.10 s/);
  assert.equal(playWaitNote(0.03, true), "");
});
