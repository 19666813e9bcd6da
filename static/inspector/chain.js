// the panel for a clicked weight: dL/dw = a_prev · f'(z) · dL/da for the selected sample, the
// batch sum that equals dW, the update Step will make, and a finite-difference check
import { fmt, fmtSigned, operandDigits } from "../core/format.js";
import * as M from "./mathml.js";
import { renderMemory } from "./memory.js";
import { apiWeight, sampleName, unitName } from "../core/names.js";
import { renderTerms } from "./terms.js";

const d = (top, bottom) => M.partial(top, bottom);
const under = (x, label, opts) => M.el("munder", {}, M.num(x, opts), M.el("mtext", { class: "under" }, label));
const times = (...t) => t.reduce((p, x) => p * x, 1);
const L1IsInput = (name) => name.startsWith("x");     // x₁, x₂: the names of inputs

function section(doc, title, ...children) {
  const s = doc.createElement("section");
  s.className = "quantity";
  const h = doc.createElement("h3");
  h.textContent = title;
  s.append(h, ...children);
  return s;
}

function para(doc, text, cls = "note") {
  const p = doc.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

/** how many leading digits two numbers share, from their relative error */
export function agreeingDigits(relativeError) {
  if (relativeError === null) return 0;
  if (relativeError === 0) return 16;
  return Math.max(0, Math.min(16, Math.floor(-Math.log10(relativeError))));
}

/** The chain-rule panel; fetches through `fetchChain(L-1, i, j)` and `fetchCheck(L-1, i, j)`;
 *  `concealed(L, i, j)` is true while the learner is to predict that weight's dW. */
export class ChainPanel {
  constructor(doc, { fetchChain, fetchCheck, concealed = () => false, firstInBatch = () => null, follow = () => {},
                      select = () => {}, onFilled = () => {}, matrices = null, editWeight = null }) {
    this.doc = doc;
    this.fetchChain = fetchChain;
    this.fetchCheck = fetchCheck;
    this.concealed = concealed;
    this.firstInBatch = firstInBatch;   // a sample of the current minibatch, or null
    this.follow = follow;               // follow sample n instead
    this.select = select;               // open another weight's panel
    this.matrices = matrices;           // the layer as matrices (matrices.js), or null
    this.editWeight = editWeight;       // (layer, i, j, value) → sets the weight by hand
    this.onFilled = onFilled;           // the numbers arrived (the panel grew)
    this.token = 0;
  }

  /** the panel for weight (L, i, j) of `state`: drawn at once, filled when the chain arrives */
  render(sel, state) {
    const doc = this.doc;
    const { L, i, j } = sel;
    const token = ++this.token;
    const sizes = state.config.layers, last = sizes.length - 1;
    const from = unitName(L - 1, i, last, sizes[last]);
    const to = unitName(L, j, last, sizes[last]);
    const root = doc.createElement("div");
    root.className = "panel chain-panel";
    root.dataset.role = "chain";
    root.dataset.edge = `${L}-${i}-${j}`;
    const w = state.layers[L - 1].W[i][j];
    const h = doc.createElement("h2");
    h.textContent = `Weight from ${from} to ${to}: w = ${fmt(w, 6)}`;
    const where = para(doc, `The chain rule below is for sample ${sampleName(state.sample.index)}. `
      + `In the API, which counts from 0: ${apiWeight(L, i, j)}, sample ${state.sample.index}.`, "context");
    // the panel's actions right after its heading (a Tab or two away), their result under them
    const actions = doc.createElement("div");
    actions.className = "actions";
    const [check, result] = this.checkButton(L, i, j);
    check.disabled = state.phase !== "backward" || this.concealed(L, i, j);     // no dW yet, or one to predict
    check.title = check.disabled ? "After Forward and Backward: its dW to check" : check.title;
    actions.append(check);
    root.append(h, actions, result, where);
    if (this.editWeight) root.append(this.editor(L, i, j, w));
    const body = doc.createElement("div");
    body.className = "chain-body";
    root.append(body);

    if (state.phase !== "backward") {
      body.append(para(doc, state.phase === "updated"
        ? "Step has just changed this weight, so its old gradient no longer applies. Run Forward, then Backward, to get the gradient for the new value."
        : "This weight has no gradient yet: run Forward, then Backward."));
      body.append(this.formula(null, from, to));
      return root;
    }
    if (this.concealed(L, i, j)) {
      root.dataset.concealed = "true";
      body.append(para(doc, "This weight’s dW stays hidden until you make your prediction in “Predict the gradient”. Its chain rule, with every number, opens here once you have checked it.", "problem"));
      body.append(this.formula(null, from, to));
      return root;
    }
    const dW = state.layers[L - 1].dW[i][j];
    root.dataset.grad = String(dW);
    if (state.sample && !state.sample.in_batch) {   // its chain has no numbers this step
      body.append(para(doc, `Sample ${sampleName(state.sample.index)} is not in the current minibatch, so it adds nothing to this step’s dW. For the whole batch: dW = ${fmt(dW, 6)}.`, "problem"));
      const n = this.firstInBatch();
      if (n !== null) {
        const follow = doc.createElement("button");
        follow.type = "button";
        follow.className = "small";
        follow.dataset.action = "follow-in-batch";
        follow.textContent = `Follow sample ${sampleName(n)}, which is in this minibatch`;
        follow.addEventListener("click", () => this.follow(n));
        body.append(follow);
      }
      body.append(this.formula(null, from, to));
      return root;
    }
    body.append(para(doc, "Loading the chain rule…"));
    this.fetchChain(L - 1, i, j).then((c) => {
      if (token !== this.token) return;
      root.dataset.grad = String(c.dW);
      body.replaceChildren(...this.explain(c, state, from, to, L, i, j));
      this.onFilled(root);
    }).catch((err) => {
      if (token !== this.token) return;
      body.replaceChildren(para(doc, err.message, "problem"), this.formula(null, from, to));
    });
    return root;
  }

  /** type a value for the weight, or set it to 0: the output changes at the next Forward */
  editor(L, i, j, w) {
    const doc = this.doc;
    const form = doc.createElement("form");
    form.className = "weight-editor";
    form.dataset.role = "weight-editor";
    form.dataset.control = "edit_weight";
    const label = doc.createElement("label");
    const input = doc.createElement("input");
    input.type = "number";
    input.step = "any";
    input.min = "-1000000";
    input.max = "1000000";
    input.value = w === null ? "" : String(w);
    input.dataset.role = "weight-value";
    label.append("Try another w: ", input);
    const set = doc.createElement("button");
    set.type = "submit";
    set.className = "small";
    set.textContent = "Set";
    set.dataset.action = "set-weight";
    const zero = doc.createElement("button");
    zero.type = "button";
    zero.className = "small";
    zero.textContent = "Set to 0";
    zero.dataset.action = "zero-weight";
    const send = (value) => {
      if (!Number.isFinite(value)) {
        input.setAttribute("aria-invalid", "true");
        return;
      }
      this.editWeight(L - 1, i, j, value);
    };
    form.addEventListener("submit", (e) => { e.preventDefault(); send(input.value === "" ? NaN : Number(input.value)); });
    zero.addEventListener("click", () => send(0));
    form.append(label, " ", set, " ", zero);
    return form;
  }

  /** the symbolic chain rule, and under it the numbers of `c` when given */
  formula(c, from, to) {
    const wrap = this.doc.createElement("div");
    wrap.className = "formula";
    // softmax with cross-entropy gives dL/dz at once; a diverged unit has f' null too, but not fused
    const fused = c && c.activation === "softmax";
    const top = fused
      ? [d("L", "w"), M.eq(), M.sub(M.mi("a"), M.mtext("prev")), M.mo("·"), d("L", "z")]
      : [d("L", "w"), M.eq(), M.sub(M.mi("a"), M.mtext("prev")), M.mo("·"), M.mi("f′"),
         M.paren(M.mi("z")), M.mo("·"), d("L", "a")];
    wrap.append(M.math(fused ? "dL/dw = a_prev · dL/dz" : "dL/dw = a_prev · f'(z) · dL/da", ...top));
    if (!c) return wrap;
    // operands with the digits that make the product shown follow from them as shown
    const digits = operandDigits(fused ? [c.a_prev, c.dL_dz] : [c.a_prev, c.f_prime, c.dL_da], times, c.product);
    const sent = L1IsInput(from) ? `${from}, the input` : `${from}’s a`;   // an input has no a
    const nums = fused
      ? [M.eq(), under(c.a_prev, sent, { digits }), M.mo("·"), under(c.dL_dz, `∂L/∂z of ${to}`, { bracket: true, digits })]
      : [M.eq(), under(c.a_prev, sent, { digits }), M.mo("·"), under(c.f_prime, `f′ at z = ${fmt(c.z, 3)}`, { digits }),
         M.mo("·"), under(c.dL_da, `∂L/∂a of ${to}`, { bracket: true, digits })];
    wrap.append(M.math(`= ${c.product}`, ...nums, M.eq(), M.num(c.product, { cls: "result" })));
    return wrap;
  }

  explain(c, state, from, to, L, i, j) {
    const doc = this.doc;
    const out = [];
    const fused = c.activation === "softmax";
    out.push(section(doc, fused ? `For sample ${sampleName(c.sample)}: two factors, a_prev and ∂L/∂z (softmax’s ∂L/∂z comes whole)`
      : `For sample ${sampleName(c.sample)}: three factors, one per link of the chain`,
      this.formula(c, from, to),
      para(doc, fused
        ? `a_prev is what ${from} sent along this weight (∂z/∂w = a_prev). With softmax and cross-entropy together, ∂L/∂z = (a − y)/n directly.`
        : `a_prev is what ${from} sent along this weight (∂z/∂w = a_prev); f′(z) is the slope of ${to}’s ${c.activation} at its z; ∂L/∂a says how the loss changes with ${to}’s output.`)));

    if (c.paths) out.push(this.paths(c, state, to, L, j));
    if (c.jacobian_row) out.push(this.jacobian(c, to, j));

    const n = c.batch_size;
    const sum = M.math(`dW = ${c.batch_sum}`, M.mi("dW"), M.eq(),
      M.el("munder", {}, M.mo("∑"), M.row(M.mi("s"), M.mo("∈"), M.mtext("batch"))),
      M.sub(M.mi("a"), M.mtext("prev")), M.mo("·"), d("L", "z"), M.eq(), M.num(c.batch_sum, { digits: 6, cls: "result" }));
    const exact = doc.createElement("p");
    exact.className = "exact";
    const code = doc.createElement("code");
    code.dataset.role = "dw";
    code.textContent = c.dW === null ? "not a number (the network diverged)" : String(c.dW);
    exact.append("dW in the state, to full precision: ", code);
    const parts = c.regularization ? [M.math(`dW = dW_data + dW_penalty = ${c.dW}`, M.mi("dW"), M.eq(),
      M.sub(M.mi("dW"), M.mtext("data")), M.mo("+"), M.sub(M.mi("dW"), M.mtext("penalty")), M.eq(),
      M.num(c.dW_data, { digits: 6 }), M.mo("+"), M.num(c.dW_penalty, { bracket: true, digits: 6 }), M.eq(),
      M.num(c.dW, { digits: 6, cls: "result" })),
      para(doc, c.regularization.kind === "l2"
        ? `The L2 penalty rate · ½Σw² adds rate · w = ${c.regularization.rate} · ${fmt(c.w, 4)} to the data's part: it pulls every weight toward 0.`
        : `The L1 penalty rate · Σ|w| adds rate · sign(w) = ${fmt(c.dW_penalty, 4)}: the same pull toward 0 for every weight, small or large.`)]
      : [];
    if (parts.length) parts[0].setAttribute("data-role", "dw-parts");
    out.push(section(doc, `Over the batch (n = ${n})`, sum, ...parts,
      para(doc, n === 1 ? "The batch is this one sample, so dW is its product."
        : `Every sample of the batch adds its own product; this one adds ${fmt(c.product, 4)}. The 1/n of the mean loss is already inside ∂L/∂z, so the sum is the average.`),
      exact, renderTerms(doc, c, { follow: (sample) => this.follow(sample), followed: c.sample })));
    if (this.matrices) out.push(this.matrices.render({ L, i, j }, state));

    out.push(section(doc, "What Step will do to this weight", ...this.update(c)));

    return out;
  }

  /** "Check it with finite differences" and the box its answer comes in */
  checkButton(L, i, j) {
    const doc = this.doc;
    const check = doc.createElement("button");
    check.type = "button";
    check.className = "check small";
    check.textContent = "Check it with finite differences";
    check.title = "Is backward right? Nudge w by a tiny h both ways and measure the loss: the slope between the two is the gradient, found without any chain rule.";
    check.dataset.control = "gradcheck";          // a teacher may hide or lock it for a lesson
    const result = doc.createElement("div");
    result.className = "check-result";
    result.dataset.control = "gradcheck";
    result.setAttribute("aria-live", "polite");
    check.addEventListener("click", () => {
      if (check.getAttribute("aria-disabled") === "true") return;
      check.setAttribute("aria-disabled", "true");     // not disabled: the focus stays on it
      result.replaceChildren(para(doc, "Is backward right? Computing the loss with w nudged up and down by a tiny h: the slope between the two is the gradient, found without any chain rule…"));
      this.fetchCheck(L - 1, i, j).then((g) => {
        result.replaceChildren(...this.checkResult(g));
      }).catch((err) => {
        result.replaceChildren(para(doc, err.message, "problem"));
      }).finally(() => check.removeAttribute("aria-disabled"));
    });
    return [check, result];
  }

  /** ∂L/∂a of unit `to` as the sum over its paths to the next layer: Σ w · ∂L/∂z, each path a
   *  button that opens its weight */
  paths(c, state, to, L, j) {
    const doc = this.doc;
    const sizes = state.config.layers, last = sizes.length - 1;
    const box = doc.createElement("div");
    box.className = "formula";
    const shown = c.paths.map((p) => ({ ...p, hidden: this.concealed(L + 1, j, p.unit) }));
    const terms = [];
    shown.forEach((p, k) => {
      if (k) terms.push(M.mo("+"));
      terms.push(M.num(p.w, { bracket: true }), M.mo("·"), p.hidden ? M.mi("?") : M.num(p.dL_dz, { bracket: true }));
    });
    box.append(M.math(`dL/da = sum of w * dL/dz = ${c.dL_da}`, d("L", "a"), M.eq(),
      M.el("munder", {}, M.mo("∑"), M.mi("m")), M.sub(M.mi("w"), M.mi("m")), M.mo("·"), d("L", M.sub(M.mi("z"), M.mi("m"))),
      M.eq(), ...terms, M.eq(), M.num(c.dL_da, { cls: "result" })));
    const list = doc.createElement("ul");
    list.className = "path-list";
    for (const p of shown) {
      const li = doc.createElement("li");
      const button = doc.createElement("button");
      button.type = "button";
      button.className = "small path";
      button.dataset.unit = String(p.unit);
      button.dataset.w = String(p.w);
      if (!p.hidden) button.dataset.dlDz = String(p.dL_dz);
      const next = unitName(L + 1, p.unit, last, sizes[last]);
      button.textContent = p.hidden
        ? `via ${next}: w = ${fmt(p.w, 4)}, ∂L/∂z hidden (predict that weight first)`
        : `via ${next}: w = ${fmt(p.w, 4)} × ∂L/∂z = ${fmt(p.dL_dz, 4)} → ${fmt(p.w * p.dL_dz, 4)}`;
      button.title = `Open the weight from ${to} to ${next}`;
      button.addEventListener("click", () => this.select({ kind: "edge", L: L + 1, i: j, j: p.unit }));
      li.append(button);
      list.append(li);
    }
    const sec = section(doc, `Where ∂L/∂a of ${to} comes from: its ${c.paths.length} path${c.paths.length === 1 ? "" : "s"} to the loss`,
      box, para(doc, `${to} feeds every unit of the next layer; the loss changes through each of them, so ∂L/∂a adds up w · ∂L/∂z over those paths (dA_prev = dZ Wᵀ). Click a path to follow it.`), list);
    sec.dataset.role = "paths";
    sec.dataset.dlDa = String(c.dL_da);
    return sec;
  }

  /** a softmax output: dL/dz_j = Σ_i J[j][i] · dL/da_i, the Jacobian's row j times dL/da, next
   *  to the dL/dz the server used (fused with cross-entropy, or through this same product) */
  jacobian(c, to, j) {
    const doc = this.doc;
    const byJ = c.jacobian_row.reduce((s, v, k) => s + v * c.dL_da_vector[k], 0);
    const terms = [];
    c.jacobian_row.forEach((v, k) => {
      if (k) terms.push(M.mo("+"));
      terms.push(M.num(v, { bracket: true }), M.mo("·"), M.num(c.dL_da_vector[k], { bracket: true }));
    });
    const agree = Math.abs(byJ - c.dL_dz) <= 1e-9 * Math.max(1e-12, Math.abs(c.dL_dz));
    const sec = section(doc, `The softmax Jacobian: how every output’s ∂L/∂a reaches ${to}’s z`,
      M.math(`dL/dz_j = sum_i J_ji dL/da_i = ${byJ}`, d("L", M.sub(M.mi("z"), M.mn(j + 1))), M.eq(),
        M.el("munder", {}, M.mo("∑"), M.mi("i")), M.sub(M.mi("J"), M.row(M.mn(j + 1), M.mi("i"))), M.mo("·"),
        d("L", M.sub(M.mi("a"), M.mi("i"))), M.eq(), ...terms, M.eq(), M.num(byJ, { cls: "result", digits: 6 })),
      para(doc, `J = diag(a) − a aᵀ: J[j][i] = a_j(δ_ji − a_i), so a softmax unit’s z moves every output, not only its own. `
        + `The server’s ∂L/∂z is ${fmt(c.dL_dz, 6)}${c.activation === "softmax" && c.dL_da === null ? " (fused with cross-entropy: (a − y)/n)" : ""}: `
        + (agree ? "the same number." : "they differ (a value that is not finite).")));
    sec.dataset.role = "softmax-jacobian";
    sec.dataset.agree = String(agree);
    return sec;
  }

  update(c) {
    const doc = this.doc;
    const opt = c.optimizer;
    const eta = M.mi("η");
    const rows = [];
    // SGD: Δw = −η dW; momentum and Adam: from what they remember (memory.js)
    if (opt.name === "sgd") {
      const digits = operandDigits([opt.lr, c.dW], (lr, g) => -lr * g, c.update);
      rows.push(M.math(`delta w = -lr dW = ${c.update}`, M.mi("Δw"), M.eq(), M.mo("−"), eta, M.mo("·"), M.mi("dW"),
        M.eq(), M.mo("−"), M.num(opt.lr, { digits }), M.mo("·"), M.num(c.dW, { bracket: true, digits }), M.eq(), M.num(c.update, { cls: "result" })));
      rows.push(renderMemory(doc, c));
    } else {
      rows.push(renderMemory(doc, c));     // what it remembers, and the arithmetic of Δw with it
    }
    rows.push(para(doc, c.w === null || c.update === null
      ? "w: no longer a finite number, nor is its update (the network diverged): lower the learning rate, then Reset."
      : `w: ${fmt(c.w, 6)} → ${fmt(c.w + c.update, 6)} (${fmtSigned(c.update, 4)})`, "outcome"));
    return rows;
  }

  checkResult(g) {
    const doc = this.doc;
    const digits = agreeingDigits(g.relative_error);
    const good = g.relative_error !== null && g.relative_error < 1e-5;
    const numeric = M.math(`numeric ${g.numeric}`,
      M.mtext("numeric:\u00a0"), M.frac(M.row(M.mi("L"), M.paren(M.mi("w"), M.mo("+"), M.mi("h")), M.mo("−"),
                                             M.mi("L"), M.paren(M.mi("w"), M.mo("−"), M.mi("h"))),
                                      M.row(M.mn(2), M.mi("h"))),
      M.eq(), M.num(g.numeric, { digits: 10 }));
    const analytic = M.math(`analytic ${g.analytic}`, M.mtext("backward:\u00a0"), M.mi("dW"), M.eq(),
                            M.num(g.analytic, { digits: 10 }));
    const verdict = para(doc, good
      ? `They agree to about ${digits} significant digits (relative error ${fmt(g.relative_error, 2)}, over the ${g.samples === 1 ? "1 sample" : `${g.samples} samples`} of the batch).`
      : `They differ: relative error ${fmt(g.relative_error, 2)}. Near a kink of ReLU, or with a saturated unit, finite differences can be off.`, good ? "agree" : "problem");
    verdict.dataset.role = "gradcheck";
    verdict.dataset.relativeError = String(g.relative_error);
    const how = para(doc, "Is backward right? The loss with w nudged by a tiny h both ways: the slope between the two is the gradient, found without any chain rule.");
    return [how, numeric, analytic, verdict];
  }
}
