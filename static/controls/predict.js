// "predict the gradient": after Backward one weight's dW stays hidden until the learner types a
// guess; then how close it was, and the chain rule it came from
import { fmt } from "../core/format.js";
import { unitName } from "../core/names.js";

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

/** The exercise box; `onReveal(edge)` opens the chain rule of the weight once the guess is in. */
export class PredictExercise {
  constructor(doc, { onReveal }) {
    this.doc = doc;
    this.onReveal = onReveal;
    const $ = (id) => doc.getElementById(id);
    this.el = { box: $("predict"), text: $("predict-text"), input: $("predict-guess"),
                check: $("predict-check"), result: $("predict-result") };
    this.weight = null;        // {layer, i, j}: layers[layer].W[i][j]
    this.revealed = false;
    this.state = null;
    this.el.check.addEventListener("click", () => this.check());
    this.el.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); this.check(); }
    });
  }

  /** the weight of the exercise, or null for none; returns why it does not fit `sizes`, or "" */
  set(weight, sizes) {
    this.weight = null;
    this.revealed = false;
    this.el.input.value = "";
    this.el.result.replaceChildren();
    let problem = "";
    if (weight) {
      const { layer, i, j } = weight;
      if (layer + 1 < sizes.length && i < sizes[layer] && j < sizes[layer + 1]) this.weight = weight;
      else problem = `This lesson’s exercise asks about the weight layers[${layer}].W[${i}][${j}], which this ${sizes.join("–")} network does not have, so it is left out.`;
    }
    this.el.box.hidden = this.weight === null;
    return problem;
  }

  /** the exercise's weight as an edge selection {kind, L, i, j}, or null */
  get edge() {
    return this.weight && { kind: "edge", L: this.weight.layer + 1, i: this.weight.i, j: this.weight.j };
  }

  /** the edge whose dW must not show now, or null */
  concealed() {
    return this.weight && !this.revealed ? this.edge : null;
  }

  /** follow a new state; a new Backward hides the weight's new dW again */
  update(state, how) {
    this.state = state;
    if (!this.weight) return;
    const sizes = state.config.layers;
    if (!(this.weight.layer + 1 < sizes.length && this.weight.i < sizes[this.weight.layer] && this.weight.j < sizes[this.weight.layer + 1])) {
      this.set(null, sizes);      // the learner built a network without this weight
      return;
    }
    // the last verdict stays in view until there are new gradients to predict
    if (how === "backward" || how === "new") {
      this.el.result.replaceChildren();
      this.el.input.value = "";
    }
    if (how === "backward" || state.phase !== "backward") this.revealed = false;
    this.render();
  }

  name() {
    const sizes = this.state.config.layers, last = sizes.length - 1;
    const { layer, i, j } = this.weight;
    return `from ${unitName(layer, i, last, sizes[last])} to ${unitName(layer + 1, j, last, sizes[last])}`;
  }

  render() {
    const s = this.state;
    const ready = s.phase === "backward";
    const w = s.layers[this.weight.layer].W[this.weight.i][this.weight.j];
    const what = `the weight ${this.name()} (w = ${fmt(w, 4)}, highlighted in the network)`;
    this.el.text.textContent = this.revealed
      ? `dW of ${what}: your prediction against the real one.`
      : ready
        ? `Backward is done, but dW of ${what} stays hidden. ${howToPredict(s.batch_size)} Then type your prediction: one try per Backward.`
        : `Predict dW of ${what}. Run Forward and Backward first; its dW will stay hidden until you type your prediction.`;
    this.el.check.setAttribute("aria-disabled", ready && !this.revealed ? "false" : "true");
    this.el.check.classList.toggle("waiting", !ready || this.revealed);
    this.el.input.disabled = this.revealed;
    this.el.box.dataset.state = this.revealed ? "revealed" : ready ? "asking" : "waiting";
  }

  check() {
    const s = this.state;
    if (!this.weight || !s) return;
    if (this.revealed) return;
    if (s.phase !== "backward") {
      this.say("Run Forward and Backward first: there is no dW to compare your prediction with yet.", "problem");
      return;
    }
    const guess = parseGuess(this.el.input.value);
    if (!Number.isFinite(guess)) {
      this.el.input.setAttribute("aria-invalid", "true");
      this.say(`Type a number, like −0.05 or 1.2e-3${this.el.input.value.trim() ? ` (“${this.el.input.value.trim()}” is not one)` : ""}.`, "problem");
      return;
    }
    this.el.input.removeAttribute("aria-invalid");
    const truth = s.layers[this.weight.layer].dW[this.weight.i][this.weight.j];
    const c = closeness(guess, truth);
    const p = (text, cls) => {
      const el = this.doc.createElement("p");
      el.textContent = text;
      if (cls) el.className = cls;
      return el;
    };
    const verdict = p(`${c.verdict[0].toUpperCase()}${c.verdict.slice(1)}.`, `verdict ${c.kind}`);
    verdict.dataset.role = "verdict";
    verdict.dataset.kind = c.kind;
    verdict.dataset.relativeError = String(c.relative);
    const rel = Number.isFinite(c.relative) ? `relative error ${fmt(c.relative * 100, 3)} %` : "";
    const numbers = p(`Your prediction ${fmt(guess, 6)}, the real dW ${fmt(truth, 6)}${rel ? `: ${rel}` : ""}.`, "numbers");
    const parts = [verdict, numbers];
    if (c.hint) parts.push(p(c.hint, "hint"));
    parts.push(p("Its chain rule is open in the panel below: every factor, and the batch sum that equals dW.", "hint"));
    this.el.result.replaceChildren(...parts);
    this.revealed = true;
    this.render();
    this.onReveal(this.edge);
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
