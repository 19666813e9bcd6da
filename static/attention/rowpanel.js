// the panels of an attention head's forward, worked from the state's numbers: one query row
// meeting every key (dot products, ÷√d_k, softmax, the weighted sum of the values) and, after
// Backward, that row's gradients in the order backward makes them; one score's dot product;
// the guide before anything is clicked
import { sampleName } from "../core/names.js";
import { fmt } from "../core/format.js";
import * as M from "../inspector/mathml.js";
import { para, section, termTable } from "../conv/panelparts.js";
import { dot, fusedBackward, rowScores, softmaxRow, tokenCount, tokensOf, weightedSum } from "./attnmath.js";

const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const same = (mine, theirs) => mine.every((x, n) => close(x, theirs[n] ?? 0));
const verdict = (ok) => (ok ? "the same as the server’s." : "they differ from the server’s!");

function panel(doc, role, title, context) {
  const root = doc.createElement("div");
  root.className = "panel attn-panel";
  root.dataset.role = role;
  const h = doc.createElement("h2");
  h.textContent = title;
  root.append(h, para(doc, context, "context"));
  return root;
}

/** score (t, t2): q_t · k_t2 component by component, ÷√d_k, and its row's softmax */
export function scoreForward(doc, sel, state) {
  const { t, t2 } = sel;
  const s = state.sample.layers[0];
  const head = state.config.layers[0];
  if (head.causal && t2 > t) {
    return [section(doc, "Forward: masked", para(doc, `Query ${t} may not look ahead at key ${t2} (a causal head): its score is set to −∞ before the softmax, so its weight is exactly 0.`))];
  }
  const q = s.q[t], k = s.k[t2];
  const rows = q.map((x, c) => [`${c}`, x, k[c], x * k[c]]);
  const product = dot(q, k), scale = Math.sqrt(head.d_k);
  const row = rowScores(q, s.k, head.d_k, t, head.causal);
  const w = softmaxRow(row.scores);
  return [section(doc, `Forward: query ${t} meets key ${t2}`,
    termTable(doc, ["component", `q${t}`, `k${t2}`, "product"], rows, "dot-terms"),
    M.math(`s = q.k / sqrt(${head.d_k}) = ${product} / ${scale} = ${product / scale}`, M.mi("s"), M.eq(),
      M.frac(M.row(M.sub("q", M.mn(t)), M.mo("·"), M.sub("k", M.mn(t2))), M.el("msqrt", {}, M.mn(head.d_k))), M.eq(),
      M.frac(M.num(product), M.num(scale)), M.eq(), M.num(product / scale, { cls: "result" })),
    para(doc, `The server’s score: ${fmt(s.scores[t][t2], 6)}: ${verdict(close(product / scale, s.scores[t][t2]))} The softmax of row ${t} turns it into weight ${fmt(w[t2], 4)} (the server: ${fmt(s.weights[t][t2], 4)}): e^s over the sum of e^s of the row.`))];
}

/** query row t: how q_t meets every key, and after Backward the row's gradients */
export function renderRow(doc, sel, state) {
  const { t } = sel;
  const s = state.sample.layers[0];
  const head = state.config.layers[0];
  const [T, dIn] = state.config.input_shape;
  const token = tokensOf(state.sample.input, tokenCount(T, dIn))[t];
  const root = panel(doc, "attn-row", `Query row ${t} (position ${t}, token ${token})`,
    `Sequence ${sampleName(state.sample.index)}: how q${t} meets every key, and what out${t} becomes. Click a square of the row for its gradient.`);
  root.dataset.row = String(t);
  if (!s.q) {
    root.append(para(doc, "No values yet: run Forward."));
    return root;
  }
  const { dots, scores, scale } = rowScores(s.q[t], s.k, head.d_k, t, head.causal);
  const w = softmaxRow(scores);
  const top = Math.max(...scores.filter((x) => x !== null));
  const rows = dots.map((x, j) => [`k${j}`, x === null ? "masked" : x, scores[j] === null ? "−∞" : scores[j],
                                   scores[j] === null ? 0 : Math.exp(scores[j] - top), w[j]]);
  const { terms, out } = weightedSum(w, s.v);
  const outRows = [...terms.map((row, j) => [`w${t},${j}·v${j}`, ...row.map((x) => fmt(x, 2))]),
                   ["out (Σ)", ...out.map((x) => fmt(x, 3))], ["server", ...s.out[t].map((x) => fmt(x, 3))]];
  root.append(section(doc, "Forward: dot products, scaled, softmaxed",
    M.math("w[t,j] = exp(s[t,j]) / sum over j' of exp(s[t,j']), s[t,j] = q_t . k_j / sqrt(d_k)",
      M.sub("w", M.mtext(`${t},j`)), M.eq(), M.frac(M.sup("e", M.sub("s", M.mtext(`${t},j`))),
        M.row(M.el("munder", {}, M.mo("∑"), M.mi("j′")), M.sup("e", M.sub("s", M.mtext(`${t},j′`))))),
      M.mtext(",  "), M.sub("s", M.mtext(`${t},j`)), M.eq(), M.frac(M.row(M.sub("q", M.mn(t)), M.mo("·"), M.sub("k", M.mi("j"))), M.el("msqrt", {}, M.mn(head.d_k)))),
    termTable(doc, ["key", `q${t}·k`, `÷ ${fmt(scale, 4)} = score`, "e^(score − max)", "weight"], rows, "row-terms"),
    para(doc, `The weights add up to 1; the server’s: ${s.weights[t].map((x) => fmt(x, 3)).join(", ")}: ${verdict(same(w, s.weights[t]))}`)),
  section(doc, `Then out${t} = Σ_j w${t},j · v_j: a mix of the values`,
    termTable(doc, ["", ...out.map((_, c) => `${c}`)], outRows, "row-out"),
    para(doc, `Computed here from the weights and V: ${verdict(same(out, s.out[t]))}`)));
  if (state.phase === "backward" && s.dout) root.append(rowBackward(doc, t, s, head, w));
  return root;
}

/** the row's backward: dout_t → dweights_t → dscores_t → dq_t, each against the server's */
function rowBackward(doc, t, s, head, w) {
  const dw = s.v.map((v) => dot(s.dout[t], v));
  const ds = fusedBackward(w, dw);
  const scale = Math.sqrt(head.d_k);
  const dq = s.k[0].map((_, c) => ds.reduce((sum, g, j) => sum + g * s.k[j][c], 0) / scale);
  const rows = dw.map((x, j) => [`${j}`, x, w[j], ds[j]]);
  const box = section(doc, `Backward of row ${t}`,
    para(doc, `1. dout${t} (from the layer after the head): ${s.dout[t].map((x) => fmt(x, 3)).join(", ")}.`),
    para(doc, `2. dweights${t},j = dout${t} · v_j; 3. dscores${t},j = w_j · (dweights_j − Σ w·dweights), the softmax backward (Σ w·dweights = ${fmt(dot(w, dw), 4)}):`),
    termTable(doc, ["j", "dweights", "weight", "dscores"], rows, "row-backward"),
    para(doc, `dweights: ${verdict(same(dw, s.dweights[t]))} dscores: ${verdict(same(ds, s.dscores[t].map((x) => x ?? 0)))}`),
    para(doc, `4. dq${t} = Σ_j dscores${t},j · k_j / √${head.d_k} = (${dq.map((x) => fmt(x, 3)).join(", ")}): ${verdict(same(dq, s.dq[t]))} The keys and values get theirs from every row: dK = dscoresᵀ·Q/√d_k, dV = weightsᵀ·dout. Then dWq = Xᵀ·dQ, dWk = Xᵀ·dK, dWv = Xᵀ·dV.`));
  box.dataset.role = "row-backward";
  return box;
}

/** what to do first in a sequence session, before anything is clicked; `onSelect(sel)` opens a
 *  query row's panel from its button */
export function renderAttentionGuide(doc, state, onSelect = () => {}) {
  const head = state.config.layers[0];
  const root = panel(doc, "guide", "One attention head, by hand",
    `Each position of sequence ${sampleName(state.sample.index)} asks a question (its query q), offers a label (its key k) and a content (its value v). A query’s dot product with every key, ÷√${head.d_k}, softmaxed, says how much of each value it takes.`);
  const list = doc.createElement("ol");
  for (const text of [
    "Forward (f): Q, K, V, the scores and the weights fill in, and the box under the heatmaps works one query row through its keys: dot products, ÷√d_k, softmax. Its q0 … buttons pick the row.",
    "Backward (b) climbs the view in steps numbered 1 … 5: dout → dV and dweights → dscores through each row’s softmax Jacobian (worked in the box for its row) → dQ and dK → dWq, dWk, dWv at the bottom.",
    "Click a square of the scores or weights for its gradient through the softmax Jacobian, with a finite-difference check.",
    "Click a number of Wq, Wk or Wv (at the bottom) for its dW: the input feature times ∂L/∂q (or k, v), summed over the positions.",
    `Step (s), Play or Train: ${state.config.dataset.name === "copy_first" ? "on “copy_first” the weights gather in column 0" : state.config.dataset.name === "reverse" ? "on “reverse” the weights turn into the anti-diagonal (each position looks at its mirror)" : "watch the weights heatmap take the pattern the task needs"}.`,
  ]) {
    const li = doc.createElement("li");
    li.textContent = text;
    list.append(li);
  }
  const open = doc.createElement("button");
  Object.assign(open, { type: "button", className: "small", textContent: "Open query row 0’s arithmetic" });
  open.dataset.action = "open-row";
  open.addEventListener("click", () => onSelect({ kind: "row", layer: 0, t: 0 }));
  root.append(list, open);
  root.classList.add("guide");
  return root;
}
