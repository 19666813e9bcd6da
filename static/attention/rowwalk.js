// one query row of the head worked with numbers inside the view: forward, q_t meeting every key
// (its dot products, ÷√d_k, e^(s − max), the softmax's weights), and after Backward the same row
// going back (dout_t → dweights_t → through the row's softmax Jacobian → dscores_t → dq_t).
// On Forward its keys appear one by one (about 2 s in all), the key met outlined in K and the score.
import { fmt } from "../core/format.js";
import { MatrixGrid } from "./matrixgrid.js";
import { dot, fusedBackward, rowScores, softmaxJacobian, softmaxRow } from "./attnmath.js";

const STEP_MS = 380;           // each key's line on Forward: 5 keys in about 2 s

function cell(doc, tag, text = "", cls = "") {
  const el = doc.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

const put = (el, text) => { if (el.textContent !== text) el.textContent = text; };
const num = (v, digits = 3) => (v === null || v === undefined ? "—" : fmt(v, digits));

/** The query-row walk of a head with T positions; `onPick(t)` when a q button is pressed,
 *  `onFocus(t, j)` while the key j is being met on Forward (j null: done). */
export class RowWalk {
  constructor(doc, { T, dk, causal, onPick, onFocus }) {
    Object.assign(this, { doc, T, dk, causal, onFocus });
    this.t = 0;
    this.timer = null;
    const section = (this.section = doc.createElement("div"));
    section.className = "attn-walk";
    section.dataset.role = "row-walk";
    const head = doc.createElement("div");
    head.className = "attn-walk-head";
    this.title = cell(doc, "h4", "", "attn-walk-title");
    const picker = doc.createElement("span");
    picker.className = "attn-walk-pick";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", "Which query row to work through");
    this.buttons = Array.from({ length: T }, (_, t) => {
      const b = cell(doc, "button", `q${t}`, "small");
      b.type = "button";
      b.dataset.walk = String(t);
      b.setAttribute("aria-pressed", String(t === 0));
      picker.append(b);
      return b;
    });
    picker.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-walk]");
      if (b) onPick(Number(b.dataset.walk));
    });
    head.append(this.title, picker);
    // forward: one line per key
    const table = cell(doc, "table", "", "attn-walk-table");
    table.dataset.role = "walk-forward";
    const tr = doc.createElement("tr");
    this.headers = ["key", "q·k", "÷√d_k = score", "e^(s − max)", "weight"].map((text) => {
      const th = cell(doc, "th", text);
      th.scope = "col";
      tr.append(th);
      return th;
    });
    table.append(tr);
    this.rows = Array.from({ length: T }, (_, j) => {
      const row = doc.createElement("tr");
      const tds = [cell(doc, "th", `k${j}`), cell(doc, "td"), cell(doc, "td"), cell(doc, "td"), cell(doc, "td")];
      tds[0].scope = "row";
      const bar = cell(doc, "span", "", "attn-bar");
      const value = cell(doc, "span");
      tds[4].append(bar, value);
      row.append(...tds);
      table.append(row);
      return { row, tds, bar, value };
    });
    const sum = doc.createElement("tr");
    sum.className = "attn-walk-sum";
    this.sum = [cell(doc, "th", "sum"), cell(doc, "td"), cell(doc, "td"), cell(doc, "td"), cell(doc, "td")];
    this.sum[0].scope = "row";
    sum.append(...this.sum);
    table.append(sum);
    this.forwardNote = cell(doc, "p", "", "attn-note");
    // backward: the row's Jacobian and what it does to dweights
    this.back = doc.createElement("div");
    this.back.className = "attn-walk-back";
    this.back.dataset.role = "walk-backward";
    this.backTitle = cell(doc, "p", "", "attn-walk-step");
    this.jacobian = new MatrixGrid({ rows: T, cols: T, cell: 36, rowLabels: Array.from({ length: T }, (_, i) => `w${i}`),
                                     colLabels: Array.from({ length: T }, (_, j) => `s${j}`), labelWidth: 22,
                                     label: "the row's softmax Jacobian", describe: (i, j, v) => `∂w${i}/∂s${j}: ${v}` });
    const jfig = cell(doc, "figure", "", "attn-figure");
    jfig.dataset.role = "jacobian";
    this.jcap = cell(doc, "figcaption", "J = diag(w) − w wᵀ: ∂w_i/∂s_j");
    jfig.append(this.jcap, this.jacobian.svg);
    const btable = cell(doc, "table", "", "attn-walk-table");
    btable.dataset.role = "walk-backward-terms";
    const bh = doc.createElement("tr");
    for (const text of ["j", "dweights = dout·v_j", "dscores = Σ_i J[i][j]·dweights_i"]) {
      const th = cell(doc, "th", text);
      th.scope = "col";
      bh.append(th);
    }
    btable.append(bh);
    this.backRows = Array.from({ length: T }, (_, j) => {
      const row = doc.createElement("tr");
      const tds = [cell(doc, "th", `${j}`), cell(doc, "td"), cell(doc, "td")];
      tds[0].scope = "row";
      row.append(...tds);
      btable.append(row);
      return tds;
    });
    const pair = cell(doc, "div", "", "attn-grids");
    pair.append(jfig, btable);
    this.backNote = cell(doc, "p", "", "attn-note");
    this.back.append(this.backTitle, pair, this.backNote);
    section.append(head, table, this.forwardNote, this.back);
  }

  /** work row `t` of `head` (the values on screen; gradients only after Backward); `animate`:
   *  its keys appear one by one */
  paint(head, t, { animate = false, backward = false } = {}) {
    this.stop();
    this.t = t;
    this.buttons.forEach((b, n) => b.setAttribute("aria-pressed", String(n === t)));
    put(this.title, `Query ${t} meets every key`);
    put(this.headers[2], `÷√${this.dk} = score`);
    if (!head || !head.q) {
      for (const { tds, bar, value } of this.rows) { for (const td of tds.slice(1, 4)) put(td, ""); put(value, ""); bar.style.width = "0"; }
      for (const td of this.sum.slice(1)) put(td, "");
      put(this.forwardNote, "Run Forward: the dot products of this query with every key appear here.");
      this.back.hidden = true;
      return;
    }
    const { dots, scores, scale } = rowScores(head.q[t], head.k, this.dk, t, this.causal);
    const w = softmaxRow(scores);
    const seen = scores.filter((s) => s !== null);
    const top = Math.max(...seen);
    const e = scores.map((s) => (s === null ? 0 : Math.exp(s - top)));
    this.rows.forEach(({ row, tds, bar, value }, j) => {
      const masked = scores[j] === null;
      put(tds[1], masked ? "masked" : num(dots[j]));
      put(tds[2], masked ? "−∞" : num(scores[j]));
      put(tds[3], masked ? "0" : num(e[j]));
      put(value, num(w[j]));
      bar.style.width = `${(w[j] * 2.6).toFixed(2)}rem`;         // 1 is 2.6rem
      row.classList.toggle("masked", masked);
      row.classList.remove("pending");
    });
    put(this.sum[1], "");
    put(this.sum[2], "");
    put(this.sum[3], num(e.reduce((a, b) => a + b, 0)));
    put(this.sum[4], num(w.reduce((a, b) => a + b, 0)));
    put(this.forwardNote, `score = q${t}·k_j ÷ √${this.dk} (${fmt(scale, 4)}); weight = e^(score − max) ÷ their sum, so the row sums to 1. `
      + `Then out${t} = Σ_j weight_j · v_j.`);
    this.paintBackward(head, t, w, backward);
    if (animate) this.animate(t);
  }

  /** the row going back: dweights_t,j = dout_t · v_j, through the Jacobian to dscores_t, to dq_t */
  paintBackward(head, t, w, backward) {
    this.back.hidden = !backward || !head.dout;
    if (this.back.hidden) return;
    const dw = head.v.map((v) => dot(head.dout[t], v));
    const J = softmaxJacobian(w);
    const ds = fusedBackward(w, dw);
    this.jacobian.paint(J, { scale: Math.max(...J.flat().map(Math.abs)) || 1, palette: "value" });
    this.backRows.forEach((tds, j) => {
      put(tds[1], num(dw[j], 4));
      put(tds[2], num(ds[j], 4));
    });
    const dq = head.q[t].map((_, c) => ds.reduce((s, g, j) => s + g * head.k[j][c], 0) / Math.sqrt(this.dk));
    put(this.backTitle, `Backward through row ${t}: dout${t} = (${head.dout[t].map((x) => fmt(x, 3)).join(", ")}) from the layer after the head`);
    put(this.backNote, `Each dscores is its column of J times dweights: a score moves every weight of its row (they sum to 1). `
      + `Then dq${t} = Σ_j dscores_j · k_j ÷ √${this.dk} = (${dq.map((x) => fmt(x, 3)).join(", ")}), and each k_j gets dscores_j · q${t} ÷ √${this.dk}. `
      + `Click a square of dscores for its full chain and a finite-difference check.`);
  }

  /** Forward: the keys one by one, each outlined in K and its score while it is met */
  animate(t) {
    this.rows.forEach(({ row }) => row.classList.add("pending"));
    let j = 0;
    const next = () => {
      if (j > 0) this.rows[j - 1].row.classList.remove("current");
      if (j >= this.T) {
        this.timer = null;
        this.onFocus(t, null);
        return;
      }
      const { row } = this.rows[j];
      row.classList.remove("pending");
      row.classList.add("current");
      this.onFocus(t, j);
      j += 1;
      this.timer = setTimeout(next, STEP_MS);
    };
    next();
  }

  /** end a running animation, everything shown */
  stop() {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    for (const { row } of this.rows) row.classList.remove("pending", "current");
    this.onFocus(this.t, null);
  }
}
