// "predict the gradient": after Backward one weight's dW stays hidden until the learner types a
// guess; then how close it was, and the chain rule it came from
import { fmt } from "../core/format.js";
import { sampleName, unitName } from "../core/names.js";

/** a typed number: "−0.05", "-5e-2", "0,05"; NaN if it is not one */
export function parseGuess(text) {
  const s = String(text).trim().replace(/[−–]/g, "-").replace(/\s/g, "");
  const t = s.includes(".") ? s : s.replace(",", ".");
  return t === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? NaN : Number(t);
}

/** how close `guess` is to `truth`: {relative, verdict, kind, hint} */
export function closeness(guess, truth) {
  const relative = truth === 0 ? (guess === 0 ? 0 : Infinity) : Math.abs(guess - truth) / Math.abs(truth);
  if (relative === 0) return { relative, verdict: "exactly right", kind: "close", hint: "" };
  if (truth === 0) {
    return { relative, verdict: "dW is exactly 0 here", kind: "off",
             hint: "One factor of the chain is zero: look for a unit whose f′(z) or a_prev is 0." };
  }
  if (guess === 0 || Math.sign(guess) !== Math.sign(truth)) {
    return { relative, verdict: guess === 0 ? "it is not 0" : "wrong sign", kind: "wrong",
             hint: "Check the sign of each factor: a_prev, f′(z) and ∂L/∂a (a − y for the output)." };
  }
  for (const within of [0.01, 0.1, 0.25]) {
    if (relative <= within) {
      return { relative, verdict: `within ${Math.round(within * 100)} %`, kind: "close",
               hint: within === 0.01 ? "" : "Close. The chain rule below shows which factor your number drifted on." };
    }
  }
  const ratio = Math.abs(guess / truth);
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  const times = factor < 10 ? Number(factor.toPrecision(2)) : Math.round(factor);
  return { relative, verdict: `right sign, off by ${times}× (too ${ratio >= 1 ? "large" : "small"})`, kind: "off",
           hint: "dW adds a_prev · ∂L/∂z over every sample of the batch, and ∂L/∂z already holds the 1/n of the mean." };
}

/** what the learner predicts for weight layers[layer] of a network of `sizes` with a batch of
 *  `n`: "term", the followed sample's a_prev · ∂L/∂z, for a weight into a hidden layer whose dW
 *  sums many samples (that sum can only be guessed), else "dW" */
export function predictionKind(layer, sizes, n) {
  return layer + 2 < sizes.length && n > 1 ? "term" : "dW";
}

/** the body of POST /api/sessions/{id}/predict for a guess of weight {layer, i, j}: dW, or
 *  with `sample` (a dataset index) that sample's term of it */
export function predictionBody(weight, value, sample = null) {
  const body = { layer: weight.layer, i: weight.i, j: weight.j, value };
  if (sample !== null) body.sample = sample;
  return body;
}

/** The exercise box: a teacher's (set(), from a lesson link: dW hidden after Backward until the
 *  guess) or the learner's own (start(): pick a weight, type a prediction before Backward, see
 *  how close it was once Backward has run). `onReveal(edge)` opens the weight's chain rule;
 *  `sendGuess(body)` sends the guess to the server (POST …/predict), which judges it against
 *  the real dW or term (and, in a class, collects it for the teacher). */
export class PredictExercise {
  constructor(doc, { onReveal, sendGuess }) {
    this.doc = doc;
    this.onReveal = onReveal;
    this.sendGuess = sendGuess;
    const $ = (id) => doc.getElementById(id);
    this.el = { box: $("predict"), text: $("predict-text"), input: $("predict-guess"),
                check: $("predict-check"), result: $("predict-result"), row: doc.querySelector(".predict-row"),
                control: doc.querySelector("[data-action=predict]"), stop: $("predict-stop"),
                label: doc.querySelector("label[for=predict-guess]") };
    this.weight = null;        // {layer, i, j}: layers[layer].W[i][j]
    this.mode = "teacher";     // or "learner": the learner's own exercise
    this.kind = "dW";          // or "term": the followed sample's term
    this.saved = null;         // the learner's prediction, typed before Backward
    this.armed = false;        // waiting for the learner to pick a weight
    this.revealed = false;
    this.checking = false;     // a guess on its way to the server
    this.state = null;
    this.el.check.addEventListener("click", () => this.check());
    this.el.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); this.check(); }
    });
    if (this.el.stop) this.el.stop.addEventListener("click", () => this.stop());
  }

  /** the teacher's weight of the exercise, or null for none; returns why it does not fit `sizes`, or "" */
  set(weight, sizes) {
    this.reset("teacher");
    let problem = "";
    if (weight) {
      const { layer, i, j } = weight;
      if (layer + 1 < sizes.length && i < sizes[layer] && j < sizes[layer + 1]) this.weight = weight;
      else problem = `This lesson’s exercise asks about the weight layers[${layer}].W[${i}][${j}] (as the API counts, from 0), which this ${sizes.join("–")} network does not have, so it is left out.`;
    }
    this.show();
    return problem;
  }

  reset(mode) {
    Object.assign(this, { weight: null, mode, kind: "dW", saved: null, armed: false, revealed: false });
    this.el.input.value = "";
    this.el.result.replaceChildren();
  }

  /** the learner's control: predict the weight `sel` (an open weight), or the next one picked */
  start(sel) {
    if (this.mode === "teacher" && this.weight) {
      this.say("This lesson’s exercise is on: predict its weight first.", "problem");
      return;
    }
    this.reset("learner");
    if (sel && sel.kind === "edge") this.choose(sel);
    else this.armed = true;
    this.show();
  }

  /** a weight picked while waiting for one (any selection passes through here) */
  picked(sel) {
    if (!this.armed || !sel || sel.kind !== "edge") return;
    this.armed = false;
    this.choose(sel);
    this.show();
  }

  choose({ L, i, j }) {
    this.weight = { layer: L - 1, i, j };
    const s = this.state;
    // the batch each Forward takes: a minibatch, or every point
    this.kind = s ? predictionKind(L - 1, s.config.layers, Math.min(s.config.batch_size ?? s.points, s.points)) : "dW";
  }

  /** the learner ends their exercise */
  stop() {
    this.reset("teacher");
    this.show();
  }

  show() {
    const on = this.weight !== null || this.armed;
    this.el.box.hidden = !on;
    this.el.box.dataset.mode = this.mode;
    if (this.el.stop) this.el.stop.hidden = this.mode !== "learner";
    if (this.el.control) this.el.control.setAttribute("aria-pressed", String(this.mode === "learner" && on));
    if (this.armed) {
      this.el.row.hidden = true;
      this.el.box.dataset.state = "picking";
      this.el.text.textContent = "Click the weight whose gradient you will predict: a line in the network, or a weight in a unit’s panel.";
      return;
    }
    this.el.row.hidden = false;
    if (this.weight && this.state) this.render();
  }

  /** the exercise's weight as an edge selection {kind, L, i, j}, or null */
  get edge() {
    return this.weight && { kind: "edge", L: this.weight.layer + 1, i: this.weight.i, j: this.weight.j };
  }

  /** the edge whose dW must not show now, or null: a teacher's until the guess; the learner's
   *  after Backward until it is checked */
  concealed() {
    if (!this.weight || this.revealed) return null;
    return this.mode === "teacher" || (this.state && this.state.phase === "backward") ? this.edge : null;
  }

  /** follow a new state; a new Backward hides the weight's new dW again, and checks the
   *  learner's prediction typed before it */
  update(state, how) {
    this.state = state;
    if (!this.weight) return;
    const sizes = state.config.layers;
    if (!(this.weight.layer + 1 < sizes.length && this.weight.i < sizes[this.weight.layer] && this.weight.j < sizes[this.weight.layer + 1])) {
      this.reset("teacher");      // the learner built a network without this weight
      this.show();
      return;
    }
    // the last verdict stays in view until there are new gradients to predict
    if (how === "backward" || how === "new") {
      this.el.result.replaceChildren();
      if (this.mode === "teacher" || how === "new") this.el.input.value = "";
    }
    if (how === "backward" || state.phase !== "backward") this.revealed = false;
    if (how === "new") this.saved = null;
    this.render();
    if (how === "backward" && this.mode === "learner" && this.saved !== null) this.judge(this.saved);
  }

  name() {
    const sizes = this.state.config.layers, last = sizes.length - 1;
    const { layer, i, j } = this.weight;
    return `from ${unitName(layer, i, last, sizes[last])} to ${unitName(layer + 1, j, last, sizes[last])}`;
  }

  /** what is predicted, in words: "dW" or "the term of sample #4" */
  what() {
    return this.kind === "term" ? `the term of sample ${sampleName(this.state.sample.index)}` : "dW";
  }

  render() {
    const s = this.state;
    const ready = s.phase === "backward";
    const w = s.layers[this.weight.layer].W[this.weight.i][this.weight.j];
    const what = `the weight ${this.name()} (w = ${fmt(w, 4)}, highlighted in the network)`;
    this.el.label.textContent = this.kind === "term" ? "Your term" : "Your dW";
    if (this.mode === "learner") {
      const term = this.kind === "term"
        ? ` Its dW sums a_prev · ∂L/∂z over the ${s.batch_size ?? Math.min(s.config.batch_size ?? s.points, s.points)} samples of the batch, which can only be guessed: predict sample ${sampleName(s.sample.index)}’s term, a_prev · f′(z) · ∂L/∂a, from the numbers of its units (click them).`
        : ` ${howToPredict(s.batch_size)}`;
      const cap = (t) => t[0].toUpperCase() + t.slice(1);
      this.el.text.textContent = this.revealed ? `${cap(this.what())} of ${what}: your prediction against the real one.`
        : this.saved !== null ? `Your prediction for ${this.what()} of ${what} is ${fmt(this.saved, 6)}: ${ready ? "checking…" : `run ${s.phase === "forward" ? "Backward" : "Forward, then Backward"}, and the page checks it.`}`
        : `Predict ${this.what()} of ${what}, before Backward.${term}`;
      this.el.check.textContent = ready ? "Check my prediction" : "Keep my prediction";
      this.el.check.setAttribute("aria-disabled", this.revealed ? "true" : "false");
      this.el.check.classList.toggle("waiting", this.revealed);
    } else {
      this.el.text.textContent = this.revealed
        ? `dW of ${what}: your prediction against the real one.`
        : ready
          ? `Backward is done, but dW of ${what} stays hidden. ${howToPredict(s.batch_size)} Then type your prediction: one try per Backward.`
          : `Predict dW of ${what}. Run Forward and Backward first; its dW will stay hidden until you type your prediction.`;
      this.el.check.textContent = "Check my prediction";
      this.el.check.setAttribute("aria-disabled", ready && !this.revealed ? "false" : "true");
      this.el.check.classList.toggle("waiting", !ready || this.revealed);
    }
    this.el.input.disabled = this.revealed;
    this.el.box.dataset.state = this.revealed ? "revealed" : this.saved !== null ? "kept" : ready ? "asking" : "waiting";
  }

  /** the typed number, or null (and the box says why) */
  guess() {
    const guess = parseGuess(this.el.input.value);
    if (Number.isFinite(guess)) {
      this.el.input.removeAttribute("aria-invalid");
      return guess;
    }
    this.el.input.setAttribute("aria-invalid", "true");
    this.say(`Type a number, like −0.05 or 1.2e-3${this.el.input.value.trim() ? ` (“${this.el.input.value.trim()}” is not one)` : ""}.`, "problem");
    return null;
  }

  check() {
    const s = this.state;
    if (!this.weight || !s || this.revealed) return;
    if (this.mode === "learner" && s.phase !== "backward") {     // kept until Backward has run
      const guess = this.guess();
      if (guess === null) return;
      this.saved = guess;
      this.el.result.replaceChildren();
      this.render();
      return;
    }
    if (s.phase !== "backward") {
      this.say("Run Forward and Backward first: there is no dW to compare your prediction with yet.", "problem");
      return;
    }
    const guess = this.guess();
    if (guess !== null) this.judge(guess);
  }

  /** send `guess` to the server, which compares it with the real dW (or the followed sample's
   *  term) and collects it in a class; show its verdict */
  async judge(guess) {
    const s = this.state;
    const weight = this.weight;
    if (this.kind === "term" && !s.sample.in_batch) {
      this.say(`Sample ${sampleName(s.sample.index)} is not in this minibatch, so it has no term this step: follow one of the batch, then run Forward and Backward again.`, "problem");
      return;
    }
    if (this.checking) return;                             // one guess on its way at a time
    this.checking = true;
    let reply;
    try {
      reply = await this.sendGuess(predictionBody(weight, guess, this.kind === "term" ? s.sample.index : null));
    } catch (err) {
      if (this.stale(s, weight)) return;
      this.say(`Your prediction could not be checked: ${err.message}`, "problem");
      return;
    } finally {
      this.checking = false;
    }
    if (this.stale(s, weight)) return;                     // a newer Backward, or another weight
    const truth = reply.truth;
    const c = closeness(guess, truth);
    const p = (text, cls) => {
      const el = this.doc.createElement("p");
      el.textContent = text;
      if (cls) el.className = cls;
      return el;
    };
    const said = reply.verdict || c.verdict;                // the server's words (the same as closeness's)
    const verdict = p(`${said[0].toUpperCase()}${said.slice(1)}.`, `verdict ${c.kind}`);
    verdict.dataset.role = "verdict";
    verdict.dataset.kind = c.kind;
    verdict.dataset.relativeError = String(c.relative);
    const rel = Number.isFinite(c.relative) ? `relative error ${fmt(c.relative * 100, 3)} %` : "";
    const real = this.kind === "term" ? `the real term of sample ${sampleName(s.sample.index)}` : "the real dW";
    const numbers = p(`Your prediction ${fmt(guess, 6)}, ${real} ${fmt(truth, 6)}${rel ? `: ${rel}` : ""}.`, "numbers");
    numbers.dataset.truth = String(truth);
    const parts = [verdict, numbers];
    if (c.hint && this.kind === "dW") parts.push(p(c.hint, "hint"));
    parts.push(p(`Its chain rule is open in the panel below: every factor${this.kind === "term" ? ", this sample’s term among the batch’s" : ""}, and the batch sum that equals dW.`, "hint"));
    this.el.result.replaceChildren(...parts);
    this.revealed = true;
    this.saved = null;
    this.render();
    this.onReveal(this.edge);
  }

  /** whether the answer to a guess made on state `s` for `weight` no longer fits what is on screen */
  stale(s, weight) {
    const now = this.state;
    return this.weight !== weight || this.revealed || !now || now.id !== s.id || now.step !== s.step || now.phase !== "backward";
  }

  say(text, cls) {
    const el = this.doc.createElement("p");
    el.className = cls;
    el.textContent = text;
    this.el.result.replaceChildren(el);
  }
}

/** what a learner can work dW out from: one product for one sample, else an estimate */
function howToPredict(n) {
  return n === 1
    ? "Work it out from the numbers of the nodes (click them): dW = a_prev · f′(z) · ∂L/∂a."
    : `dW adds up a_prev · f′(z) · ∂L/∂a over the ${n} samples of the batch, and the nodes show one `
      + "sample at a time (pick others in the data plot): estimate its sign and size.";
}
