// a node panel's middle part for a unit with batch norm and/or dropout: the forward stages
// z → ẑ → y = γẑ + β → f(y) → a (times mask/(1 − p)), then the backward through the same stages,
// batch norm's three terms with the numbers, and why each sample's dz depends on the whole batch
import { lossWords } from "../core/catalog.js";
import { fmt } from "../core/format.js";
import * as M from "./mathml.js";
import { sampleName } from "../core/names.js";

const EPS = 1e-5;          // batch norm's ε (engine/layers/normalization.py)
const d = (top, bottom) => M.partial(top, bottom);

/** the blocks (DOM elements) for unit i of hidden layer k; `block(term, meaning, ...math)` and
 *  `note(text)` are the panel's own builders */
export function optionBlocks(doc, state, k, i, { block, note }) {
  const layer = state.layers[k];
  const lay = state.sample.layers[k];
  const bn = layer.batch_norm ?? null;
  const rate = layer.dropout ? layer.dropout.rate : 0;
  const act = layer.activation;
  const at = (v) => (v ? v[i] : null);
  const z = at(lay.z), zHat = at(lay.z_hat), y = at(lay.y), a = at(lay.a), mask = at(lay.mask);
  const da = at(lay.da), dy = at(lay.dy), dz = at(lay.dz), fp = at(lay.f_prime);
  const n = state.batch_size;
  const out = [];
  const stages = doc.createElement("div");
  stages.dataset.role = "option-stages";

  if (bn) {
    const mean = at(bn.mean), variance = at(bn.var), gamma = bn.gamma[i], beta = bn.beta[i];
    const normal = [M.mi("ẑ"), M.eq(), M.frac(M.row(M.mi("z"), M.mo("−"), M.mi("μ")), M.el("msqrt", {}, M.mi("σ²"), M.mo("+"), M.mi("ε")))];
    if (zHat !== null && mean !== null) {
      normal.push(M.eq(), M.frac(M.row(M.num(z), M.mo("−"), M.num(mean, { bracket: true })),
                                 M.el("msqrt", {}, M.num(variance), M.mo("+"), M.mn("0.00001"))), M.eq(), M.num(zHat));
    }
    const stats = mean === null ? "after Forward"
      : `over the ${n} samples of this batch: mean μ = ${fmt(mean, 4)}, variance σ² = ${fmt(variance, 4)} (over n, not n − 1)`;
    const zh = block("ẑ", `batch norm: z with the batch’s mean taken out and divided by its spread; ${stats}.`,
      M.mathLines(`z_hat = ${zHat}`, ...normal));
    zh.dataset.role = "batch-norm-stage";
    zh.dataset.stage = "z_hat";
    const scaled = [M.mi("y"), M.eq(), M.mi("γ"), M.mo("·"), M.mi("ẑ"), M.mo("+"), M.mi("β")];
    if (y !== null && zHat !== null) {
      scaled.push(M.eq(), M.num(gamma), M.mo("·"), M.num(zHat, { bracket: true }), M.mo("+"), M.num(beta, { bracket: true }),
                  M.eq(), M.num(y));
    }
    const yb = block("y", `batch norm’s own scale γ = ${fmt(gamma, 4)} and shift β = ${fmt(beta, 4)}, learned like weights.`,
      M.mathLines(`y = ${y}`, ...scaled));
    yb.dataset.role = "batch-norm-stage";
    yb.dataset.stage = "y";
    stages.append(zh, yb);
    const running = `Predictions and the pictures use the running statistics instead (μ ≈ ${fmt(bn.running_mean[i], 4)}, ` +
                    `σ² ≈ ${fmt(bn.running_var[i], 4)}: 0.9 · old + 0.1 · this batch’s, after each training forward).`;
    stages.append(note(running));
  }
  const input = bn ? "y" : "z";
  const aMath = [M.mi("a"), M.eq(), M.mi(act), M.paren(M.mi(input))];
  if (rate) aMath.push(M.mo("·"), M.frac(M.mi("mask"), M.row(M.mn(1), M.mo("−"), M.mn(rate))));
  if (a !== null) aMath.push(M.eq(), M.num(a));
  stages.append(block("a", rate ? `the activation, then dropout: this layer switches each unit off with chance ${rate}; kept units are scaled by 1/(1 − ${rate}) = ${fmt(1 / (1 - rate), 4)} so the next layer sees the same size on average.`
                                : `the activation of ${input}: what this unit passes on (${act}).`,
    M.mathLines(`a = ${a}`, ...aMath)));
  if (rate) {
    const m = doc.createElement("p");
    m.dataset.role = "dropout-mask";
    m.dataset.mask = mask === null ? "" : String(mask);
    m.className = mask === 0 ? "note dropped" : "note";
    m.textContent = mask === null ? "Forward draws which units are dropped for each sample."
      : mask === 0 ? `Dropped for sample ${sampleName(state.sample.index)} in this step: a = 0, so its weights out carry nothing from this sample and ∂L/∂${bn ? "y" : "z"} = 0 for it` +
                     (bn ? " (its z still gets a small share through the batch’s mean and variance, which the other samples use)." : ": no gradient passes back through this unit for it.")
      : `Kept for sample ${sampleName(state.sample.index)} in this step (mask = 1). Predictions use no dropout.`;
    stages.append(m);
  }
  out.push(stages);

  // backward through the same stages
  const back = doc.createElement("div");
  back.dataset.role = "option-backward";
  back.append(block("∂L/∂a", "how the loss changes with this unit’s output: every path through the next layer adds its share.",
    M.mathLines(`dL/da = ${da}`, d("L", "a"), M.eq(), M.mo("∑"), M.sub(M.mi("w"), M.mtext("out")), M.mo("·"),
                d("L", M.sub(M.mi("z"), M.mtext("next"))), ...(da === null ? [] : [M.eq(), M.num(da)]))));
  const fMath = [d("L", input), M.eq(), M.mi("f′"), M.paren(M.mi(input)), M.mo("·"), d("L", "a")];
  if (rate) fMath.push(M.mo("·"), M.frac(M.mi("mask"), M.row(M.mn(1), M.mo("−"), M.mn(rate))));
  const dIn = bn ? dy : dz;
  if (dIn !== null && fp !== null && da !== null) {
    fMath.push(M.eq(), M.num(fp), M.mo("·"), M.num(da, { bracket: true }));
    if (rate) fMath.push(M.mo("·"), M.num(mask === null ? 0 : mask / (1 - rate)));
    fMath.push(M.eq(), M.num(dIn));
  }
  back.append(block(`∂L/∂${input}`, `the slope of ${act} at ${input} (f′ = ${fp === null ? "—" : fmt(fp, 4)}) times what the loss wants from a${rate ? ", through the mask" : ""}.`,
    M.mathLines(`dL/d${input} = ${dIn}`, ...fMath)));
  if (bn) back.append(batchNormBackward(doc, state, k, i, { block, note, z, dy, dz }));
  out.push(back);
  return out;
}

/** ∂L/∂ẑ, ∂L/∂σ², ∂L/∂μ and their sum ∂L/∂z, with the numbers */
function batchNormBackward(doc, state, k, i, { block, note, z, dy, dz }) {
  const bn = state.layers[k].batch_norm;
  const n = state.batch_size;
  const wrap = doc.createElement("div");
  wrap.dataset.role = "batch-norm-backward";
  const gamma = bn.gamma[i];
  const mean = bn.mean ? bn.mean[i] : null, variance = bn.var ? bn.var[i] : null;
  const dvar = bn.dvar ? bn.dvar[i] : null, dmean = bn.dmean ? bn.dmean[i] : null;
  const dzHat = dy === null ? null : gamma * dy;
  wrap.append(block("∂L/∂ẑ", "through y = γẑ + β.",
    M.mathLines(`dL/dz_hat = ${dzHat}`, d("L", "ẑ"), M.eq(), M.mi("γ"), M.mo("·"), d("L", "y"),
                ...(dzHat === null ? [] : [M.eq(), M.num(gamma), M.mo("·"), M.num(dy, { bracket: true }), M.eq(), M.num(dzHat)]))));
  const sums = [[d("L", "σ²"), "the batch’s variance: Σ over the batch of ∂L/∂ẑ · (z − μ) · (−½)(σ² + ε)^(−3/2)", dvar],
                [d("L", "μ"), "the batch’s mean: Σ over the batch of −∂L/∂ẑ / √(σ² + ε)", dmean]];
  for (const [sym, meaning, value] of sums) {
    wrap.append(block(sym === sums[0][0] ? "∂L/∂σ²" : "∂L/∂μ", `how the loss changes with ${meaning}.`,
      M.math(`${value}`, sym, M.eq(), value === null ? M.mtext("after Backward") : M.num(value))));
  }
  const terms = [d("L", "z"), M.eq(), M.frac(d("L", "ẑ"), M.el("msqrt", {}, M.mi("σ²"), M.mo("+"), M.mi("ε"))), M.mo("+"),
                 d("L", "σ²"), M.mo("·"), M.frac(M.row(M.mn(2), M.paren(M.mi("z"), M.mo("−"), M.mi("μ"))), M.mi("n")),
                 M.mo("+"), M.frac(d("L", "μ"), M.mi("n"))];
  let parts = null;
  if (dzHat !== null && dvar !== null && mean !== null) {
    parts = [dzHat / Math.sqrt(variance + EPS), dvar * 2 * (z - mean) / n, dmean / n];
    terms.push(M.eq(), M.num(parts[0]), M.mo("+"), M.num(parts[1], { bracket: true }), M.mo("+"), M.num(parts[2], { bracket: true }),
               M.eq(), M.num(dz));
  }
  const sum = block("∂L/∂z", "three terms: z moves ẑ directly, and it also moves the batch’s variance and mean, which every sample’s ẑ uses.",
    M.mathLines(`dL/dz = ${dz}`, ...terms));
  sum.dataset.role = "batch-norm-dz";
  if (parts) sum.dataset.terms = parts.join(",");
  wrap.append(sum);
  wrap.append(note(`Why this sample’s ∂L/∂z depends on the whole batch: μ and σ² are worked out from all ${n} samples, ` +
    "so nudging this sample’s z shifts every other sample’s ẑ a little; the two sums above bring those effects back. " +
    "For the same reason the bias b gets no gradient (0 up to rounding): adding to b moves z and the mean alike, and ẑ stays as it was."));
  return wrap;
}

/** a softmax output unit i: row i of its Jacobian J = diag(a) − a aᵀ for the sample, ∂L/∂a of
 *  every output, and ∂L/∂zᵢ = Σₘ J[m][i] · ∂L/∂aₘ with the numbers, beside the server's dz */
export function softmaxJacobian(doc, state, k, i, { block, note }) {
  const lay = state.sample.layers[k];
  const a = lay.a, y = state.sample.target, n = state.batch_size;
  const wrap = doc.createElement("div");
  wrap.dataset.role = "softmax-jacobian";
  if (!a || a[0] === null) {
    wrap.append(note("After Forward: row i of the softmax Jacobian, J[i][m] = aᵢ(δᵢₘ − aₘ)."));
    return wrap;
  }
  const row = a.map((am, m) => a[i] * ((m === i ? 1 : 0) - am));      // J is symmetric: row = column
  const loss = state.config.loss;
  // ∂L/∂a of each output: cross-entropy −y/(a·n), mse (a − y)/n
  const dA = a.map((am, m) => (loss === "cross_entropy" ? -y[m] / (am * n) : (am - y[m]) / n));
  const dz = lay.dz ? lay.dz[i] : null;
  const sum = row.reduce((acc, j, m) => acc + j * dA[m], 0);
  wrap.dataset.row = row.join(",");
  wrap.dataset.sum = String(sum);
  const jMath = [M.sub("J", M.row(M.mi("i"), M.mi("m"))), M.eq(), M.sub("a", "i"), M.paren(M.sub("δ", M.row(M.mi("i"), M.mi("m"))), M.mo("−"), M.sub("a", "m")), M.eq()];
  row.forEach((v, m) => { if (m > 0) jMath.push(M.mo(",")); jMath.push(M.num(v)); });
  wrap.append(block("J row", `how each output’s a moves with this unit’s z (softmax ties them together: a sum of 1).`,
    M.mathLines(`J row = ${row.join(", ")}`, ...jMath)));
  const sMath = [d("L", M.sub("z", "i")), M.eq(), M.mo("∑"), M.sub("J", M.row(M.mi("m"), M.mi("i"))), M.mo("·"), d("L", M.sub("a", "m")), M.eq()];
  row.forEach((v, m) => {
    if (m > 0) sMath.push(M.mo("+"));
    sMath.push(M.num(v, { bracket: true }), M.mo("·"), M.num(dA[m], { bracket: true }));
  });
  sMath.push(M.eq(), M.num(sum));
  wrap.append(block("∂L/∂z", `through the Jacobian, with ∂L/∂a from the ${lossWords(loss)} loss${dz === null ? "" : `; the server’s backward gives ${fmt(dz, 6)}`}.`,
    M.mathLines(`dL/dz = ${sum}`, ...sMath)));
  return wrap;
}
