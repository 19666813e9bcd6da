// the panels of an attention session's backward, with the followed sequence's numbers: a score's
// gradient through its row's softmax Jacobian, a weight of Wq, Wk or Wv (the input feature times
// ∂L/∂q, summed over the positions), a weight of a dense layer after the head; each fills
// [data-role=chain] and sets its data-grad, as a dense weight's panel does
import { sampleName } from "../core/names.js";
import { fmt } from "../core/format.js";
import * as M from "../inspector/mathml.js";
import { checkSection, exactValue, para, section, sumMath, termTable, updateRows } from "../conv/panelparts.js";
import { dot, featureName, fusedBackward, tokenCount } from "./attnmath.js";
import { renderAttentionGuide, renderRow, scoreForward } from "./rowpanel.js";

const d = (top, bottom) => M.partial(top, bottom);
const LOW = { Wq: "q", Wk: "k", Wv: "v" };

/** The panel of a clicked score, weight or query row of a sequence session; `fetchChain(at)` and
 *  `fetchCheck(at)` ask the server for /chain and /gradcheck of `at` (with the followed sample). */
export class AttentionChainPanel {
  constructor(doc, { fetchChain, fetchCheck, firstInBatch = () => null, follow = () => {}, onFilled = () => {}, onSelect = () => {} }) {
    Object.assign(this, { doc, fetchChain, fetchCheck, firstInBatch, follow, onFilled, onSelect });
    this.token = 0;
  }

  guide(state) {
    return renderAttentionGuide(this.doc, state, this.onSelect);
  }

  render(sel, state) {
    const token = ++this.token;
    if (sel.kind === "row") return renderRow(this.doc, sel, state);
    const doc = this.doc;
    const root = doc.createElement("div");
    root.className = "panel chain-panel attn-panel";
    root.dataset.role = "chain";
    const body = doc.createElement("div");
    body.className = "chain-body";
    const at = sel.kind === "score" ? { layer: 0, score: `${sel.t},${sel.t2}` }
      : sel.kind === "param" ? { layer: 0, param: sel.param, i: sel.i, j: sel.j } : { layer: sel.layer, i: sel.i, j: sel.j };
    root.dataset.at = JSON.stringify(at);
    root.append(...this.head(sel, state), body);
    const grad = this.gradient(sel, state);
    if (grad === undefined) {
      body.append(para(doc, state.phase === "updated"
        ? "Step has just changed the weights, so the old gradients no longer apply. Run Forward, then Backward."
        : "No gradient yet: run Forward, then Backward."), this.formula(sel));
      if (sel.kind === "score" && state.sample.layers[0].scores) body.prepend(...scoreForward(doc, sel, state));
      return root;
    }
    if (grad !== null) root.dataset.grad = String(grad);
    if (!state.sample.in_batch) {
      body.append(para(doc, `Sequence ${sampleName(state.sample.index)} is not in the current minibatch, so it has no numbers this step.`, "problem"));
      const n = this.firstInBatch();
      if (n !== null) {
        const follow = doc.createElement("button");
        Object.assign(follow, { type: "button", className: "small", textContent: `Follow sequence ${sampleName(n)}, which is in this minibatch` });
        follow.dataset.action = "follow-in-batch";
        follow.addEventListener("click", () => this.follow(n));
        body.append(follow);
      }
      return root;
    }
    body.append(para(doc, "Loading the numbers…"));
    this.fetchChain(at).then((c) => {
      if (token !== this.token) return;
      root.dataset.grad = String(sel.kind === "score" ? c.dscore : c.dW);
      body.replaceChildren(...(sel.kind === "score" ? this.explainScore(c, sel, state) : this.explainWeight(c, sel, state, at)));
      this.onFilled(root);
    }).catch((err) => {
      if (token === this.token) body.replaceChildren(para(doc, err.message, "problem"));
    });
    return root;
  }

  /** the gradient the state holds for `sel`: undefined before Backward, null when the followed
   *  sequence has none (not in the batch); a masked score's is 0 (no gradient crosses the mask) */
  gradient(sel, state) {
    if (state.phase !== "backward") return undefined;
    if (sel.kind === "score") {
      const ds = state.sample.layers[0].dscores;
      return ds ? ds[sel.t][sel.t2] ?? 0 : null;
    }
    const g = sel.kind === "param" ? state.layers[0][`d${sel.param}`] : state.layers[sel.layer].dW;
    return g ? g[sel.i][sel.j] : undefined;
  }

  head(sel, state) {
    const doc = this.doc;
    const h = doc.createElement("h2");
    const [T, dIn] = state.config.input_shape;
    if (sel.kind === "score") {
      const s = state.sample.layers[0];
      const value = s.scores ? s.scores[sel.t][sel.t2] : undefined;
      h.textContent = `Score of query ${sel.t} on key ${sel.t2}: ${value === null ? "masked" : `s = ${fmt(value, 4)}`}${s.weights ? `, weight ${fmt(s.weights[sel.t][sel.t2], 4)}` : ""}`;
      return [h, para(doc, `sample.layers[0].scores[${sel.t}][${sel.t2}] and weights[${sel.t}][${sel.t2}] of sequence ${sampleName(state.sample.index)}; its gradient is dscores[${sel.t}][${sel.t2}]. How much position ${sel.t} looks at position ${sel.t2}.`, "context")];
    }
    if (sel.kind === "param") {
      const w = state.layers[0][sel.param][sel.i][sel.j];
      h.textContent = `${sel.param}[${sel.i}][${sel.j}]: w = ${fmt(w, 6)}`;
      return [h, para(doc, `layers[0].${sel.param}[${sel.i}][${sel.j}] in the state: how much input feature ${sel.i} (${featureName(sel.i, tokenCount(T, dIn))}) adds to component ${sel.j} of every position’s ${{ Wq: "query", Wk: "key", Wv: "value" }[sel.param]}. The same weight serves every position, so its gradient adds up one term per position.`, "context")];
    }
    const w = state.layers[sel.layer].W[sel.i][sel.j];
    h.textContent = `Layer ${sel.layer}, weight W[${sel.i}][${sel.j}]: w = ${fmt(w, 6)}`;
    return [h, para(doc, `layers[${sel.layer}].W[${sel.i}][${sel.j}] in the state. The layer runs at every position with the same W, so its gradient adds up one term per position.`, "context")];
  }

  /** the sum the panel explains, as symbols */
  formula(sel) {
    const wrap = this.doc.createElement("div");
    wrap.className = "formula";
    if (sel.kind === "score") {
      wrap.append(M.math("dL/ds[t,t2] = sum over j of J[t2][j] * dL/dw[t,j], J = diag(w) - w w^T",
        d("L", M.sub("s", M.mtext(`${sel.t},${sel.t2}`))), M.eq(), M.el("munder", {}, M.mo("∑"), M.mi("j")),
        M.sub("J", M.mtext(`${sel.t2},j`)), M.mo("·"), d("L", M.sub("w", M.mtext(`${sel.t},j`))), M.mtext(",  J = diag(w) − w wᵀ")));
    } else {
      const low = sel.kind === "param" ? LOW[sel.param] : "z";
      const x = sel.kind === "param" ? "X" : "a_prev";
      wrap.append(M.math(`dL/dW[i,j] = sum over positions t of ${x}[t,i] * dL/d${low}[t,j]`,
        d("L", M.sub(sel.kind === "param" ? sel.param : "W", M.mtext("i,j"))), M.eq(), M.el("munder", {}, M.mo("∑"), M.mtext("sequences, t")),
        M.sub(sel.kind === "param" ? "X" : "a", M.mtext("t,i")), M.mo("·"), d("L", M.sub(low, M.mtext("t,j")))));
    }
    return wrap;
  }

  explainScore(c, sel, state) {
    const doc = this.doc;
    const s = state.sample.layers[0];
    const w = s.weights[sel.t], dw = s.dweights[sel.t];
    const rows = c.terms.map((t) => [`w${t.j}`, t.jacobian, t.dL_dweight, t.product]);
    const fused = fusedBackward(w, dw)[sel.t2];
    const scale = Math.sqrt(state.config.layers[0].d_k);
    const parts = [...scoreForward(doc, sel, state)];
    if (c.masked) {
      parts.push(section(doc, "Backward: nothing crosses the mask",
        para(doc, `Key ${sel.t2} comes after query ${sel.t}, so the causal mask set this score to −∞: its weight is exactly 0 whatever the score, every entry of its Jacobian column is 0, and its gradient is 0. Nothing flows to q${sel.t} or k${sel.t2} through it.`)));
    } else {
      parts.push(
        section(doc, `Backward, 1: dweights of row ${sel.t} = dout·Vᵀ`,
          para(doc, `Each weight w${sel.t},j mixed value v_j into out_${sel.t}, so ∂L/∂w${sel.t},j = dout_${sel.t} · v_j: ${dw.map((x) => fmt(x, 3)).join(", ")}.`)),
        section(doc, `Backward, 2: through the softmax of row ${sel.t}`, this.formula(sel),
          para(doc, `Changing this one score moves every weight of the row (they sum to 1): J[${sel.t2}][j] = w${sel.t2}(δ − w_j) is that row’s Jacobian column, w${sel.t2}(1 − w${sel.t2}) on the diagonal and −w${sel.t2}·w_j off it.`),
          termTable(doc, ["weight of the row", "J (∂w/∂s)", "∂L/∂w", "product"], rows, "score-terms"),
          sumMath(`dscores[${sel.t}][${sel.t2}]`, c.terms.map((t) => t.product), c.sample_sum),
          para(doc, `The fused form the engine uses, w${sel.t2}·(dweights${sel.t2} − Σ_j w_j·dweights_j) = ${fmt(w[sel.t2], 4)} · (${fmt(dw[sel.t2], 4)} − ${fmt(dot(w, dw), 4)}) = ${fmt(fused, 6)}: the same.`)),
        section(doc, "Where it goes next",
          para(doc, `To the query and the key that made the score: dq_${sel.t} gets ${fmt(c.dscore, 4)} · k_${sel.t2}/√${state.config.layers[0].d_k} and dk_${sel.t2} gets ${fmt(c.dscore, 4)} · q_${sel.t}/√${state.config.layers[0].d_k} (÷ ${fmt(scale, 4)}), added to those of the row’s other scores (dQ = dscores·K/√d_k, dK = dscoresᵀ·Q/√d_k).`)));
    }
    const exact = exactValue(doc, `dscores[${sel.t}][${sel.t2}]`, "dscore", c.dscore);
    parts.push(exact, checkSection(doc, () => this.fetchCheck({ layer: 0, score: `${sel.t},${sel.t2}` }), "s",
      "Nudge this score by a tiny h both ways (the rest of the batch as it is) and measure the loss: the slope between the two is dscores, found without any chain rule."));
    return parts;
  }

  explainWeight(c, sel, state, at) {
    const doc = this.doc;
    const param = sel.kind === "param";
    const low = param ? LOW[sel.param] : "z";
    const rows = c.terms.map((t) => [`t${t.position}`, param ? t.x : t.a_prev, param ? t[`dL_d${low}`] : t.dL_dz, t.product]);
    const from = param
      ? { q: "dQ = dscores·K/√d_k: how the loss changes with each query", k: "dK = dscoresᵀ·Q/√d_k: how the loss changes with each key",
          v: "dV = weightsᵀ·dout: how the loss changes with each value" }[low]
      : "∂L/∂z of this layer at each position";
    return [
      section(doc, `For sequence ${sampleName(c.sample)}: one product per position`, this.formula(sel),
        para(doc, param ? `At each position t the weight multiplied input feature X[t][${sel.i}] into ${low}_t[${sel.j}]; backward multiplies that input by ∂L/∂${low}[t][${sel.j}] (from ${from}).`
          : `At each position t the weight multiplied the layer’s input a[t][${sel.i}] into z[t][${sel.j}]; backward multiplies it by ∂L/∂z[t][${sel.j}].`),
        termTable(doc, ["position", param ? "X[t][i]" : "a_prev[t][i]", `∂L/∂${low}[t][j]`, "product"], rows, "weight-terms"),
        sumMath("this sequence", c.terms.map((t) => t.product), c.sample_sum)),
      this.batchSum(c),
      section(doc, "What Step will do to this weight", ...this.update(c)),
      checkSection(doc, () => this.fetchCheck(at), "w",
        "Nudge w by a tiny h both ways and measure the batch’s loss: the slope between the two is dW, found without any chain rule."),
    ];
  }

  batchSum(c) {
    const doc = this.doc;
    const exact = exactValue(doc, "dW", "dw", c.dW);
    return section(doc, "Over the batch",
      M.math(`dW = ${c.batch_sum}`, M.mi("dW"), M.eq(), M.el("munder", {}, M.mo("∑"), M.mtext("sequences")), M.mtext("(their sums)"),
             M.eq(), M.num(c.batch_sum, { digits: 6, cls: "result" })),
      para(doc, `Every sequence of the batch adds its own sum; this one adds ${fmt(c.sample_sum, 4)}. The 1/(n·T) of the mean loss over sequences and positions is already inside the ∂L/∂ factors.`),
      ...(c.regularization ? [para(doc, `With the ${c.regularization.kind} penalty: dW = ${fmt(c.dW_data, 6)} + ${fmt(c.dW_penalty, 6)}.`)] : []),
      exact);
  }

  update(c) {
    return updateRows(this.doc, c);
  }
}
