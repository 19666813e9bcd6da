// one layer's backward as matrices with their shapes: dW = A_prevᵀ · dZ, dA_prev = dZ · Wᵀ and
// the recursion δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ f′(zˡ), with the real numbers of a window of the batch's
// rows (from /batch pages), the row and column behind the selected weight highlighted
import { fmt } from "../core/format.js";
import { fPrime } from "./nodepanel.js";
import { sampleName } from "../core/names.js";

const WINDOW = 8;          // batch rows shown at a time, at most
const COLUMN = 3.6;        // rem a column of A_prevᵀ takes (a sign and four digits)
const SIDE = 8;            // rows or columns of a weight-shaped matrix shown around the selection

/** `rows` × `cols` of A · B (plain lists of rows) */
export function matmul(A, B) {
  return A.map((row) => B[0].map((_, c) => row.reduce((s, a, k) => s + a * B[k][c], 0)));
}

export const transpose = (A) => A[0].map((_, c) => A.map((row) => row[c]));

/** indices [start, end) of `size` to show, `count` wide, around `centre` */
function around(centre, size, count = SIDE) {
  const start = Math.max(0, Math.min(centre - Math.floor(count / 2), size - count));
  return [start, Math.min(size, start + count)];
}

function range([a, b]) {
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/** a table for matrix `get(r, c)` over `rows` × `cols`, labelled `name (shape)` */
function table(doc, name, shape, rows, cols, get, { rowLabel, colLabel, hl = () => false, more = {} } = {}) {
  const wrap = doc.createElement("figure");
  wrap.className = "matrix";
  const cap = doc.createElement("figcaption");
  cap.textContent = `${name} (${shape[0]} × ${shape[1]})`;
  const t = doc.createElement("table");
  t.dataset.matrix = name;
  const head = doc.createElement("tr");
  head.append(doc.createElement("th"));
  for (const c of cols) {
    const th = doc.createElement("th");
    th.textContent = colLabel(c);
    head.append(th);
  }
  if (more.cols) head.append(Object.assign(doc.createElement("th"), { textContent: "…" }));
  t.append(head);
  for (const r of rows) {
    const tr = doc.createElement("tr");
    tr.append(Object.assign(doc.createElement("th"), { textContent: rowLabel(r) }));
    for (const c of cols) {
      const td = doc.createElement("td");
      const v = get(r, c);
      td.textContent = v === undefined ? "?" : v === null ? "—" : fmt(v, 3);
      if (v !== undefined && v !== null) td.dataset.value = String(v);
      td.dataset.r = String(r);
      td.dataset.c = String(c);
      if (hl(r, c)) td.className = "hl";
      tr.append(td);
    }
    if (more.cols) tr.append(Object.assign(doc.createElement("td"), { textContent: "…" }));
    t.append(tr);
  }
  if (more.rows) {
    const tr = doc.createElement("tr");
    tr.append(Object.assign(doc.createElement("th"), { textContent: "⋮" }));
    t.append(tr);
  }
  const scroll = doc.createElement("div");
  scroll.className = "matrix-scroll";
  scroll.dataset.name = `${name} (${shape[0]} × ${shape[1]})`;
  scroll.append(t);
  wrap.append(cap, scroll);
  return wrap;
}

const op = (doc, text) => Object.assign(doc.createElement("span"), { className: "matrix-op", textContent: text });

/** a row of matrices and operators, each operator kept with the matrix after it: a narrow panel
 *  wraps between "· Wᵀ" and "= dX", never between an operator and its matrix */
function product(doc, ...parts) {
  const row = doc.createElement("div");
  row.className = "matrix-row";
  let term = null;
  for (const part of parts) {
    if (!term || typeof part === "string") {
      term = doc.createElement("div");
      term.className = "matrix-term";
      row.append(term);
    }
    term.append(typeof part === "string" ? op(doc, part) : part);
    if (typeof part !== "string") term = null;
  }
  return row;
}

function note(doc, text) {
  return Object.assign(doc.createElement("p"), { className: "note", textContent: text });
}

/** The matrix view for the weight (L, i, j) on screen; the batch rows come from `fetchBatch`. */
export class MatrixView {
  constructor(doc, { fetchBatch, inputs, concealed }) {
    this.doc = doc;
    this.fetchBatch = fetchBatch;      // (offset, limit) → a /batch page
    this.inputs = inputs;              // () → the data's X
    this.concealed = concealed;        // (L, i, j) → whether that weight's dW is to be predicted
    this.open = false;                 // kept while the panel is drawn again for the next state
    this.offset = 0;
    this.token = 0;
  }

  render(sel, state) {
    const doc = this.doc;
    const box = doc.createElement("details");
    box.className = "matrix-view";
    box.dataset.role = "matrix-view";
    box.open = this.open;
    const summary = doc.createElement("summary");
    summary.textContent = `The whole layer as matrices: dW = A_prevᵀ · dZ, with shapes`;
    const body = doc.createElement("div");
    box.append(summary, body);
    const load = () => this.load(body, sel, state);
    box.addEventListener("toggle", () => {
      this.open = box.open;
      if (box.open) load();
    });
    if (this.open) load();
    return box;
  }

  /** as many columns as fit the panel's width whole: batch rows of A_prevᵀ, or units */
  window(body, column = COLUMN, most = WINDOW) {
    const width = body.closest(".inspector")?.clientWidth ?? 0;
    const rem = parseFloat(getComputedStyle(this.doc.documentElement).fontSize) || 15;
    return width ? Math.max(3, Math.min(most, Math.floor((width - 2.7 * rem) / (column * rem)))) : most;
  }

  async load(body, sel, state) {
    const token = ++this.token;
    body.replaceChildren(note(this.doc, "Loading the batch’s rows…"));
    try {
      const page = await this.fetchBatch(this.offset, this.window(body));
      if (token !== this.token) return;
      const side = this.window(body, 4.4, SIDE);     // gradients take more room: −0.000167
      body.replaceChildren(...this.draw(page, sel, state, () => this.load(body, sel, state), side));
    } catch (err) {
      if (token === this.token) body.replaceChildren(note(this.doc, err.message));
    }
  }

  draw(page, sel, state, reload, side = SIDE) {
    const doc = this.doc;
    const k = sel.L - 1, { i, j } = sel;
    const layers = state.layers, layer = layers[k];
    const fanIn = layer.W.length, fanOut = layer.W[0].length, n = page.total;
    const rows = range([page.offset, page.offset + page.indices.length]);
    const at = (r) => r - page.offset;
    const X = this.inputs();
    const aPrev = k === 0 ? page.indices.map((s) => X[s]) : page.layers[k - 1].A;
    const dZ = page.layers[k].dZ;
    const sample = (r) => sampleName(page.indices[at(r)]);
    const unit = (u) => `${u + 1}`;
    const moreRows = n > rows.length;
    const out = [];

    // the window and its buttons
    const nav = doc.createElement("p");
    nav.className = "matrix-nav";
    nav.append(`Batch rows ${page.offset + 1}–${page.offset + rows.length} of ${n}${n > rows.length ? " (the products run over all of them)" : ""}. `);
    const step = page.indices.length;
    for (const [text, to] of [["‹ earlier rows", Math.max(0, page.offset - step)], ["later rows ›", page.offset + step]]) {
      if (to === page.offset || to >= n) continue;
      const b = doc.createElement("button");
      b.type = "button";
      b.className = "small";
      b.textContent = text;
      b.addEventListener("click", () => { this.offset = to; reload(); });
      nav.append(b, " ");
    }
    out.push(nav);

    // dW = A_prevᵀ · dZ (with a weight penalty, that is dW's data part: dW − rate·W or − rate·sign(W))
    const [ri0, ri1] = around(i, fanIn, side), [cj0, cj1] = around(j, fanOut, side);
    const reg = state.config.regularization;
    const penalty = (w) => (!reg ? 0 : reg.kind === "l2" ? reg.rate * w : reg.rate * Math.sign(w));
    const dataPart = (r, c) => (layer.dW[r][c] === null ? null : layer.dW[r][c] - penalty(layer.W[r][c]));
    const hidden = this.concealed(sel.L, i, j);
    const dWRow = product(doc,
      table(doc, "A_prevᵀ", [fanIn, n], range([ri0, ri1]), rows, (u, r) => aPrev[at(r)][u],
            { rowLabel: unit, colLabel: sample, hl: (u) => u === i, more: { cols: moreRows } }),
      "·",
      table(doc, "dZ", [n, fanOut], rows, range([cj0, cj1]), (r, u) => dZ[at(r)][u],
            { rowLabel: sample, colLabel: unit, hl: (r, u) => u === j, more: { rows: moreRows } }),
      "=",
      table(doc, reg ? "dW_data" : "dW", [fanIn, fanOut], range([ri0, ri1]), range([cj0, cj1]),
            (r, c) => (this.concealed(sel.L, r, c) ? undefined : dataPart(r, c)),     // "?": to predict
            { rowLabel: unit, colLabel: unit, hl: (r, c) => r === i && c === j }));
    out.push(dWRow, note(doc, `Row ${i + 1} of A_prevᵀ (what unit ${i + 1} of the layer before sent, one column per sample) times column ${j + 1} of dZ (∂L/∂z of unit ${j + 1}, one row per sample) gives dW[${i + 1}][${j + 1}]${hidden ? ", hidden until you predict it" : ""}: the sum of the per-sample products. The shapes chain: (${fanIn} × ${n}) · (${n} × ${fanOut}) = (${fanIn} × ${fanOut}), the shape of W.`));
    if (reg) {
      out.push(note(doc, `With ${reg.kind} regularisation the product is dW_data, the data loss's part; `
        + `dW adds ${reg.kind === "l2" ? `rate · W = ${reg.rate} · W` : `rate · sign(W) = ${reg.rate} · sign(W)`} to it (the chain panel shows both).`));
    }

    // dA_prev = dZ · Wᵀ
    const Wt = transpose(layer.W);
    const dAprev = k === 0 ? matmul(dZ, Wt) : page.layers[k - 1].dA;
    const back = product(doc,
      table(doc, "dZ", [n, fanOut], rows, range([cj0, cj1]), (r, u) => dZ[at(r)][u],
            { rowLabel: sample, colLabel: unit, more: { rows: moreRows } }),
      "·",
      table(doc, "Wᵀ", [fanOut, fanIn], range([cj0, cj1]), range([ri0, ri1]), (u, v) => layer.W[v][u],
            { rowLabel: unit, colLabel: unit, hl: (u, v) => u === j && v === i }),
      "=",
      table(doc, k === 0 ? "dX" : "dA_prev", [n, fanIn], rows, range([ri0, ri1]), (r, u) => dAprev[at(r)][u],
            { rowLabel: sample, colLabel: unit, more: { rows: moreRows } }));
    out.push(back, note(doc, `Going on backward: ${k === 0 ? "dX, the gradient of the inputs" : "dA_prev, what the layer before receives"} = dZ · Wᵀ, (${n} × ${fanOut}) · (${fanOut} × ${fanIn}) = (${n} × ${fanIn}).`));

    // the recursion δᵏ = (δᵏ⁺¹ (Wᵏ⁺¹)ᵀ) ⊙ f′(zᵏ), for a layer before the output
    if (k + 1 < layers.length && layer.activation !== "softmax") {
      const next = layers[k + 1], dZn = page.layers[k + 1].dZ, dA = page.layers[k].dA;
      const Z = page.layers[k].Z, A = page.layers[k].A;
      const alpha = state.config.leaky_relu_alpha ?? 0.01;
      const fp = (r, u) => fPrime(layer.activation, Z[at(r)][u], A[at(r)][u], alpha);
      const nextOut = next.W[0].length;
      const [cm0, cm1] = around(0, nextOut, side);
      const rec = product(doc,
        table(doc, "δ next = dZ next", [n, nextOut], rows, range([cm0, cm1]), (r, m) => dZn[at(r)][m],
              { rowLabel: sample, colLabel: unit, more: { rows: moreRows } }),
        "·",
        table(doc, "W nextᵀ", [nextOut, fanOut], range([cm0, cm1]), range([cj0, cj1]), (m, u) => next.W[u][m],
              { rowLabel: unit, colLabel: unit }),
        "=",
        table(doc, "dA", [n, fanOut], rows, range([cj0, cj1]), (r, u) => dA[at(r)][u],
              { rowLabel: sample, colLabel: unit, more: { rows: moreRows } }),
        "⊙",
        table(doc, "f′(Z)", [n, fanOut], rows, range([cj0, cj1]), fp, { rowLabel: sample, colLabel: unit, more: { rows: moreRows } }),
        "=",
        table(doc, "δ = dZ", [n, fanOut], rows, range([cj0, cj1]), (r, u) => dZ[at(r)][u],
              { rowLabel: sample, colLabel: unit, hl: (r, u) => u === j, more: { rows: moreRows } }));
      out.push(rec, note(doc, "The recursion: δˡ = (δˡ⁺¹ (Wˡ⁺¹)ᵀ) ⊙ f′(zˡ), elementwise (⊙) with the slope of each unit at its z. The one-neuron walk-through (section 5) writes δˡ⁺¹ Wˡ⁺¹: its W is (out × in), ours (fan_in × fan_out), so here the transpose appears."));
    }
    return out;
  }
}
