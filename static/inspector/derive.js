// "write the formula yourself", in a weight's panel: one sample's term of its dW as the learner
// writes it (the graph lab's language), with the names it may use and their values for the
// followed sample; the server checks it on every sample of the batch (POST /derive), and the
// panel shows your value beside the truth, the verdict and the hint, and only then the chain rule
import { fmt } from "../core/format.js";
import { sampleName, unitName } from "../core/names.js";

export const MAX_FORMULA = 500;          // characters, as the server allows (engine/derive.py)

/** the names a formula for weight (L, i, j) of `state` may use (as the server allows them), each
 *  {name, value (for the followed sample; null where it has none), what}; L counts as the page's
 *  layers do (1 = the first set of weights) */
export function deriveNames(state, L, i, j) {
  const sizes = state.config.layers, last = sizes.length - 1;
  const k = L - 1;
  const s = state.sample;
  const unit = s.layers[k] ?? {};
  const at = (values, n) => (values ? values[n] ?? null : null);
  const from = unitName(L - 1, i, last, sizes[last]), to = unitName(L, j, last, sizes[last]);
  const sent = k === 0 ? at(s.input, i) : at(s.layers[k - 1] && s.layers[k - 1].a, i);
  const names = [{ name: "a_prev", value: sent, what: `what ${from} sends along this weight` }];
  if (k === 0) names.push({ name: "x", value: sent, what: `the same: the input ${from}` });
  names.push(
    { name: "w", value: state.layers[k].W[i][j], what: "this weight" },
    { name: "b", value: state.layers[k].b[j], what: `${to}’s bias` },
    { name: "z", value: at(unit.z, j), what: `${to}’s z = Σ w·a_prev + b` },
    { name: "a", value: at(unit.a, j), what: `${to}’s a = f(z), ${state.layers[k].activation}` },
  );
  if (L === last) names.push({ name: "y", value: at(s.target, j), what: `the target of ${to}` });
  names.push(
    { name: "n", value: state.batch_size ?? null, what: "the batch’s size" },
    { name: "dL_da", value: at(unit.da, j), what: `∂L/∂a at ${to}, the mean’s 1/n in it` },
  );
  return names;
}

/** The formulas a learner writes in the weights' panels: the one being written ({key, L, i, j,
 *  formula, result, problem, state}), the last typed for each weight, the weights derived right
 *  once. `derive(L-1, i, j, formula)` asks the server; `deriveFirst(L, i, j)`: a lesson's weight,
 *  whose panel opens on the field until its formula is right. */
export class Derivations {
  constructor({ derive, deriveFirst = () => false }) {
    this.derive = derive;
    this.deriveFirst = deriveFirst;
    this.writing = null;
    this.formulas = new Map();
    this.solved = new Set();
  }

  /** "Write the formula yourself", for the panel of a weight of `state`: a toggle, enabled
   *  when there is a term to write (after Backward, the followed sample in the batch, no dW to
   *  predict first) */
  button(doc, state, concealed) {
    const write = el(doc, "button", "Write the formula yourself", "small");
    write.type = "button";
    write.dataset.action = "derive";
    write.setAttribute("aria-pressed", "false");
    const why = state.phase !== "backward" ? "After Forward and Backward: the term’s numbers to check your formula on"
      : concealed ? "Predict this weight’s dW first"
        : state.sample && !state.sample.in_batch ? "Follow a sample of the current minibatch first" : "";
    write.disabled = Boolean(why);
    write.title = why || "Write one sample’s term of dW yourself, before the chain rule shows it; the server checks it on every sample of the batch.";
    return write;
  }

  /** the formula being written for weight (L, i, j) of `state`, or null: a verdict lasts as long
   *  as its state (then the chain shows alone); a lesson's weight opens on the field until right */
  writingFor(state, L, i, j) {
    const key = `${state.id}:${L}-${i}-${j}`;
    let w = this.writing && this.writing.key === key ? this.writing : null;
    if (w && w.state !== state && w.result) w = this.writing = null;
    if (!w && this.deriveFirst(L, i, j) && !this.solved.has(key)) w = this.writing = this.fresh(key, state, L, i, j);
    if (w) w.state = state;
    return w;
  }

  /** the button pressed: the field opens (with the formula last typed), or closes (not for a
   *  lesson's weight) */
  toggle(state, L, i, j) {
    const key = `${state.id}:${L}-${i}-${j}`;
    const open = this.writing && this.writing.key === key;
    if (!open) this.writing = this.fresh(key, state, L, i, j);
    else if (!this.deriveFirst(L, i, j)) this.writing = null;
  }

  fresh(key, state, L, i, j) {
    return { key, L, i, j, formula: this.formulas.get(key) ?? "", result: null, problem: null, state };
  }

  /** send `formula` of `writing`: its verdict (or the server's refusal, the last verdict kept)
   *  into it, then `done()` while it is still the one being written */
  send(writing, formula, done) {
    const { L, i, j } = writing;
    writing.formula = formula;
    this.formulas.set(writing.key, formula);
    this.derive(L - 1, i, j, formula).then((r) => {
      Object.assign(writing, { result: r, problem: null });
      if (r.correct) this.solved.add(writing.key);
    }).catch((err) => {
      writing.problem = Array.isArray(err.detail) ? err.detail.map((d) => d.msg).join("; ") : err.message;
    }).finally(() => {
      if (this.writing === writing) done();
    });
  }
}

/** a formula as typed, with the signs a learner copies from the page (− · ×) as the language
 *  writes them; one character for one, so that the server's columns still point at the typed text */
export function normalFormula(text) {
  return String(text).replace(/[−–]/g, "-").replace(/[·×]/g, "*");
}

/** the verdict in words: {text, kind} ("close" right, "wrong" not) */
export function verdictText(result) {
  const n = result.batch_size;
  if (result.correct) return { text: `Correct: your formula is the term on all ${n} sample${n === 1 ? "" : "s"} of the batch.`, kind: "close" };
  return { text: `Not the term: it differs on ${result.wrong} of the ${n} sample${n === 1 ? "" : "s"} of the batch.`, kind: "wrong" };
}

function el(doc, tag, text, cls) {
  const node = doc.createElement(tag);
  if (text) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

/** The derive box of one weight: the names and their values, the field, and once checked the
 *  verdict. `writing` ({formula, result, problem}) is what the learner has typed and the server
 *  answered; `onCheck(formula)` sends it. {box, update() (the answer in `writing` shown, in
 *  place), focus()}. */
export function renderDerive(doc, { state, L, i, j, writing, onCheck }) {
  const box = el(doc, "section", "", "quantity derive");
  box.dataset.role = "derive";
  const sizes = state.config.layers, last = sizes.length - 1;
  const to = unitName(L, j, last, sizes[last]);
  box.append(el(doc, "h3", "Write the formula yourself"));
  box.append(el(doc, "p", `∂L/∂w for one sample: the term this weight gets from sample ${sampleName(state.sample.index)} (the batch adds every sample’s term into dW). `
    + "Write it with the names below, + - * / ^ and parentheses, and exp, log, sqrt, abs, tanh, sigmoid, relu, step (1 where its argument is above 0, else 0); "
    + "a line like d = a - y; may come first.", "note"));

  const table = el(doc, "table", "", "derive-names");
  table.dataset.role = "derive-names";
  const head = el(doc, "tr");
  for (const t of ["name", `for sample ${sampleName(state.sample.index)}`, "what it is"]) head.append(el(doc, "th", t));
  const thead = el(doc, "thead");
  thead.append(head);
  const tbody = el(doc, "tbody");
  for (const { name, value, what } of deriveNames(state, L, i, j)) {
    const tr = el(doc, "tr");
    tr.dataset.name = name;
    tr.append(el(doc, "td", name, "name"), el(doc, "td", fmt(value, 6), "num"), el(doc, "td", what));
    tbody.append(tr);
  }
  table.append(thead, tbody);

  const form = el(doc, "form", "", "derive-form");
  const label = el(doc, "label");
  const input = el(doc, "input");
  input.type = "text";
  input.maxLength = MAX_FORMULA;
  input.spellcheck = false;
  input.autocomplete = "off";
  input.setAttribute("autocapitalize", "off");
  input.dataset.role = "formula";
  input.placeholder = "for example: a_prev * …";
  input.value = writing.formula ?? "";
  input.id = `formula-${L}-${i}-${j}`;
  label.htmlFor = input.id;
  label.textContent = "∂L/∂w for one sample =";
  const check = el(doc, "button", "Check my formula");
  check.type = "submit";
  check.dataset.action = "check-formula";
  form.append(label, input, check);
  const result = el(doc, "div", "", "derive-result");
  result.setAttribute("aria-live", "polite");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (check.getAttribute("aria-disabled") === "true") return;
    const formula = input.value;
    if (!formula.trim()) {
      input.setAttribute("aria-invalid", "true");
      result.replaceChildren(el(doc, "p", "Type a formula first, with the names above.", "problem"));
      return;
    }
    check.setAttribute("aria-disabled", "true");      // not disabled: the focus stays on it
    result.replaceChildren(el(doc, "p", "Checking it on every sample of the batch…", "note"));
    onCheck(normalFormula(formula));
  });
  input.addEventListener("input", () => { writing.formula = input.value; input.removeAttribute("aria-invalid"); });
  box.append(form, result, table);          // the field first, its answer under it, then the names

  // the inspector scrolls (not the page) to bring `part`'s top to its own, when its bottom is out of sight
  const scrollTo = (part, always) => {
    const scroller = box.closest(".inspector");
    if (!scroller) return false;
    const view = scroller.getBoundingClientRect();
    if (always || result.getBoundingClientRect().bottom > view.bottom) scroller.scrollTop += part.getBoundingClientRect().top - view.top;
    return true;
  };
  const update = () => {
    check.removeAttribute("aria-disabled");
    if (writing.problem) {
      input.setAttribute("aria-invalid", "true");
      const p = el(doc, "p", writing.problem, "problem");
      p.dataset.role = "derive-problem";
      result.replaceChildren(p);
    } else {
      input.removeAttribute("aria-invalid");
      result.replaceChildren(...(writing.result ? renderResult(doc, writing.result, to) : []));
    }
  };
  update();
  return {
    box,
    update: () => { update(); scrollTo(form, false); },              // the answer under the field, in sight
    focus: () => input.focus({ preventScroll: scrollTo(box, true) }),  // the field, its heading above it
  };
}

/** your value beside the truth for the followed sample (or the first that differs), the
 *  verdict, the hint */
function renderResult(doc, r, to) {
  const { text, kind } = verdictText(r);
  const verdict = el(doc, "p", text, `verdict ${kind}`);
  verdict.dataset.role = "derive-verdict";
  verdict.dataset.correct = String(r.correct);
  const parts = [verdict];
  const shown = r.followed ?? r.first_wrong ?? r.samples[0] ?? null;
  if (shown) {
    const which = r.followed ? `Sample ${sampleName(shown.sample)}` : `Sample ${sampleName(shown.sample)} (the one followed is not in this minibatch)`;
    const numbers = el(doc, "p", `${which}: yours ${fmt(shown.yours, 6)}, the truth ${fmt(shown.truth, 6)}.`, "numbers");
    numbers.dataset.role = "derive-numbers";
    numbers.dataset.yours = String(shown.yours);
    numbers.dataset.truth = String(shown.truth);
    parts.push(numbers);
  }
  if (!r.correct && r.first_wrong && (!shown || r.first_wrong.sample !== shown.sample)) {
    const w = r.first_wrong;
    parts.push(el(doc, "p", `It first differs on sample ${sampleName(w.sample)}: yours ${fmt(w.yours, 6)}, the truth ${fmt(w.truth, 6)}.`, "numbers"));
  }
  if (!r.correct) {
    const hint = el(doc, "p", r.hint ?? `No usual slip fits: compare your formula with the chain rule below, factor by factor, for ${to}.`, "hint");
    hint.dataset.role = "derive-hint";
    if (r.slip) hint.dataset.slip = r.slip;
    parts.push(hint);
  }
  parts.push(el(doc, "p", r.correct ? "The chain rule below writes the same term factor by factor." : "The chain rule below shows the true term, factor by factor.", "note"));
  return parts;
}

/** the lesson box's words for a teacher's derive exercise on weight {layer, i, j} */
export function deriveNote({ layer, i, j }) {
  return `Exercise: write the formula of a weight’s gradient yourself (layers[${layer}].W[${i}][${j}], as the API counts, from 0): after Backward its panel opens on the field for it, and its chain rule shows once you have checked your formula.`;
}

/** a teacher's lesson with a derive exercise: after each Backward, the panel of its weight opens
 *  (on the derive field) unless the learner has another open */
export function openDeriveLesson(store, teacher) {
  store.on("state", (state, how) => {
    const edge = teacher.deriveEdge;
    if (edge && how === "backward" && !store.selection) store.select(edge);
  });
}
