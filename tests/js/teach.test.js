// a class: the teacher's grid of learners, the dot plot of their predictions, the lesson codes a
// teacher pastes, and the learner's side (the code typed, what a class's answer shows)
import assert from "node:assert/strict";
import { test } from "node:test";

import { derivationText, errorLine, errorText, progressFacts, rowText, seenText, shownName } from "../../static/teach/roster.js";
import { axisRange, beyond, latestGuesses, oneTruth, predictedWeights, stackRows, summary, tally, ticks, toX,
         weightKey, weightLabel, weightToPlot } from "../../static/teach/dotplot.js";
import { forgetClass, joinLink, lessonCodeFrom, storeClass, storedClass } from "../../static/teach/classapi.js";
import { classNews, codeProblem, normalCode } from "../../static/controls/classjoin.js";
import { predictionBody } from "../../static/controls/predict.js";

const ANA = { name: "Ana", step: 3, loss: 0.693147, phase: "backward", accuracy: 0.5, last_seen: 1.2,
              errors: [{ status: 409, detail: "run forward first: there is no forward pass for the current weights", at: 100 }],
              predictions: [] };

test("seenText: just now, seconds, minutes, hours", () => {
  assert.equal(seenText(0), "just now");
  assert.equal(seenText(2.9), "just now");
  assert.equal(seenText(12.4), "12 s ago");
  assert.equal(seenText(59.6), "60 s ago");
  assert.equal(seenText(61), "1 min ago");
  assert.equal(seenText(3599), "59 min ago");
  assert.equal(seenText(7300), "2 h ago");
  assert.equal(seenText(undefined), "just now");
});

test("errorText: a refusal in a teacher's words", () => {
  assert.equal(errorText(ANA.errors[0]), "409: Backward before Forward");
  assert.equal(errorText({ status: 409, detail: "run backward first: there are no gradients" }), "409: Step before Backward");
  assert.equal(errorText({ status: 423, detail: "paused by the teacher: wait" }), "423: a phase while the class was paused");
  assert.equal(errorText({ status: 422, detail: "sample 9 is not in the current minibatch" }), "422: sample 9 is not in the current minibatch");
});

test("errorLine: with its age, unless the clocks disagree", () => {
  assert.equal(errorLine(ANA.errors[0], 112), "409: Backward before Forward (12 s ago)");
  assert.equal(errorLine(ANA.errors[0], 101), "409: Backward before Forward (just now)");
  assert.equal(errorLine(ANA.errors[0], 10), "409: Backward before Forward");         // from the future
  assert.equal(errorLine(ANA.errors[0], 100 + 2 * 86400), "409: Backward before Forward");
});

test("progressFacts and rowText: step, phase, loss, accuracy, last seen, refusals", () => {
  assert.deepEqual(progressFacts(ANA), ["step 3", "after Backward", "loss 0.6931", "50 % right"]);
  assert.deepEqual(progressFacts({ step: 0, phase: "fresh", loss: null, accuracy: 0.5 }), ["step 0", "no Forward yet"]);
  assert.deepEqual(progressFacts({ step: 7, phase: "updated", loss: 0.1, accuracy: null }), ["step 7", "after Step", "loss 0.1"]);
  assert.equal(rowText(ANA, 1), "Ana · step 3 · after Backward · loss 0.6931 · 50 % right · seen just now · refused: 409: Backward before Forward");
});

test("projector mode: no name in a card's words", () => {
  assert.equal(shownName(ANA, 4, true), "Learner 4");
  assert.equal(shownName(ANA, 4, false), "Ana");
  const text = rowText(ANA, 4, { anonymous: true });
  assert.ok(text.startsWith("Learner 4 · step 3"));
  assert.ok(!text.includes("Ana"));
});

const guess = (layer, i, j, value, truth, verdict = "") => ({ layer, i, j, value, truth, verdict });

test("predictedWeights and weightToPlot: the weight most learners predicted, or the lesson's", () => {
  const learners = [
    { predictions: [guess(1, 0, 0, 0.1, 0.2), guess(1, 0, 0, 0.15, 0.2), guess(0, 1, 2, 1, 1)] },
    { predictions: [guess(1, 0, 0, 0.3, 0.2)] },
    { predictions: [guess(0, 1, 2, 0.5, 1)] },
    { predictions: [guess(0, 1, 2, 0.5, 1)] },
    { predictions: [] },
  ];
  assert.deepEqual(predictedWeights(learners), [{ key: "0,1,2", count: 3 }, { key: "1,0,0", count: 2 }]);
  assert.equal(weightToPlot(learners), "0,1,2");
  assert.equal(weightToPlot(learners, "1,0,0"), "1,0,0");
  assert.equal(weightToPlot(learners, "2,0,0"), "0,1,2");          // nobody predicted the lesson's yet
  assert.equal(weightToPlot([{ predictions: [] }]), null);
  assert.equal(weightKey({ layer: 1, i: 0, j: 2 }), "1,0,2");
  assert.equal(weightLabel("1,0,2"), "layers[1].W[0][2]");
});

test("latestGuesses: one per learner, the latest, without names", () => {
  const learners = [
    { name: "Ana", predictions: [guess(1, 0, 0, 0.1, 0.2, "a"), guess(0, 0, 0, 9, 9), guess(1, 0, 0, 0.15, 0.2, "b")] },
    { name: "Bo", predictions: [guess(0, 0, 0, 1, 1)] },
  ];
  const out = latestGuesses(learners, "1,0,0");
  assert.deepEqual(out, [{ value: 0.15, truth: 0.2, verdict: "b" }]);
  assert.ok(!JSON.stringify(out).includes("Ana"));
});

test("axisRange: 0, the truth and the guesses near it; a wild guess does not squeeze the rest", () => {
  const [lo, hi] = axisRange([{ value: 0.1, truth: 0.2 }, { value: 0.3, truth: 0.2 }]);
  assert.ok(lo < 0 && hi > 0.3 && hi < 0.33, `${lo} ${hi}`);
  const [lo2, hi2] = axisRange([{ value: 0.1, truth: 0.2 }, { value: 500, truth: 0.2 }]);
  assert.ok(hi2 < 0.25, `${hi2}`);
  assert.ok(beyond(500, [lo2, hi2]) && !beyond(0.1, [lo2, hi2]));
  assert.deepEqual(axisRange([{ value: 0, truth: 0 }]).map((v) => Number(v.toFixed(2))), [-1.16, 1.16]);
  const [lo3, hi3] = axisRange([{ value: -3e-5, truth: -1e-5 }]);
  assert.ok(lo3 < -3e-5 && hi3 > 0 && hi3 < 1e-5);
});

test("toX: the axis onto pixels, the ends for values beyond it", () => {
  assert.equal(toX(0, [-1, 1], 20, 620), 320);
  assert.equal(toX(1, [-1, 1], 20, 620), 620);
  assert.equal(toX(-0.5, [-1, 1], 20, 620), 170);
  assert.equal(toX(50, [-1, 1], 20, 620), 620);
  assert.equal(toX(-50, [-1, 1], 20, 620), 20);
});

test("stackRows: dots that would overlap go up a row, the lowest with room", () => {
  assert.deepEqual(stackRows([100, 105, 110, 200, 130], 8), [0, 1, 2, 0, 0]);
  assert.deepEqual(stackRows([], 8), []);
  assert.deepEqual(stackRows([50, 50, 50], 8), [0, 1, 2]);
});

test("ticks: round steps of 1, 2 or 5", () => {
  assert.deepEqual(ticks([-0.1, 1.05]), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks([-1.16, 1.16]), [-1, -0.5, 0, 0.5, 1]);
  const small = ticks([-2.4e-5, 3.4e-4]);
  assert.ok(small.includes(0) && small.length >= 3 && small.length <= 8, String(small));
});

test("tally, oneTruth and summary: how the class did", () => {
  const guesses = [{ value: 0.21, truth: 0.2 }, { value: 0.9, truth: 0.2 }, { value: -0.2, truth: 0.2 }, { value: 0.19, truth: 0.2 }];
  assert.deepEqual(tally(guesses), { close: 2, off: 1, wrong: 1 });
  assert.ok(oneTruth(guesses));
  assert.equal(summary(guesses, "1,0,0"),
    "4 learners predicted layers[1].W[0][0]: 2 within 25 %, 1 right sign but further off, 1 wrong sign. The true value is 0.2.");
  const apart = [{ value: 0.1, truth: 0.2 }, { value: 0.1, truth: 0.3 }];
  assert.ok(!oneTruth(apart));
  assert.match(summary(apart, "1,0,0"), /true values run from 0.2 to 0.3/);
  assert.match(summary([], null), /^No predictions yet/);
});

test("lessonCodeFrom: a whole link, a fragment, or the code", () => {
  assert.equal(lessonCodeFrom("http://school:8000/#s=1.abc_-~"), "1.abc_-~");
  assert.equal(lessonCodeFrom("  #s=1.xyz "), "1.xyz");
  assert.equal(lessonCodeFrom("s=1.q%2Bz"), "1.q+z");
  assert.equal(lessonCodeFrom("1.plain"), "1.plain");
  assert.equal(lessonCodeFrom(""), "");
  assert.equal(lessonCodeFrom(undefined), "");
  assert.equal(joinLink("http://school:8000", "ABC234"), "http://school:8000/c/ABC234");
});

test("the teacher's key is kept per tab in the storage given, and forgotten", () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  assert.equal(storedClass(storage), null);
  storeClass({ code: "ABC234", key: "k".repeat(22) }, storage);
  assert.deepEqual(storedClass(storage), { code: "ABC234", key: "k".repeat(22) });
  forgetClass(storage);
  assert.equal(storedClass(storage), null);
  store.set("manualgrad.teach", "{not json");
  assert.equal(storedClass(storage), null);
});

test("normalCode and codeProblem: a code as typed", () => {
  assert.equal(normalCode(" abc-234 "), "ABC234");
  assert.equal(normalCode("abc 234"), "ABC234");
  assert.equal(codeProblem("ABC234"), "");
  assert.match(codeProblem(""), /Type the class’s code/);
  assert.match(codeProblem("ABC23"), /six characters; “ABC23” has 5/);
  assert.match(codeProblem("ABC10O"), /no “1”, “0”, “O”/);
});

test("classNews: a new lesson is offered once its version differs; the pause", () => {
  const answer = { title: null, lesson: { code: "1.x", title: "Circles" }, lesson_version: 2, paused: false };
  assert.deepEqual(classNews(answer, 1), { paused: false, offer: { version: 2, code: "1.x", title: "Circles" } });
  assert.deepEqual(classNews(answer, 2), { paused: false, offer: null });
  assert.deepEqual(classNews({ ...answer, lesson: null, lesson_version: 3, paused: true }, 2), { paused: true, offer: null });
});

test("predictionBody: dW, or one sample's term of it", () => {
  assert.deepEqual(predictionBody({ layer: 1, i: 0, j: 2 }, -0.05), { layer: 1, i: 0, j: 2, value: -0.05 });
  assert.deepEqual(predictionBody({ layer: 0, i: 1, j: 2 }, 0.3, 4), { layer: 0, i: 1, j: 2, value: 0.3, sample: 4 });
});

test("derivationText: a formula's verdict in a teacher's words, its weight named", () => {
  assert.equal(derivationText({ layer: 1, i: 0, j: 2, correct: true, slip: null }), "formula for W[0][2] of layer 1: right");
  assert.equal(derivationText({ layer: 2, param: "b", i: 1, correct: false, slip: "sign" }), "formula for b[1] of layer 2: sign flipped");
  assert.equal(derivationText({ layer: 1, i: 0, j: 0, correct: false, slip: "sign+one_over_n" }),
               "formula for W[0][0] of layer 1: sign flipped, and the mean's 1/n missing");
  assert.equal(derivationText({ layer: 1, i: 0, j: 0, correct: false, slip: null }), "formula for W[0][0] of layer 1: wrong");
});
