// a sequence session on screen, in place of the dense network's SVG: the followed sequence's
// tokens, Q, K and V with their weights, the scores and weights, the output and the predicted
// token at each position; built once per architecture, repainted after every state; a click on
// a score, a weight of Wq, Wk, Wv or a dense layer, or a query row's label selects it
import { cellSize, selectionOf, strongestKeys, tokenCount, tokensOf } from "./attnmath.js";
import { inputStage, outputStage, projectionStage, scoreStage } from "./attnstages.js";
import { classOf, className, denseStage } from "./attndense.js";

const HOOKS = "[data-score],[data-score-grad],[data-param],[data-param-grad],[data-dense],[data-dense-grad],[data-row]";

/** Draws a sequence session into `root`; reports clicks through `onSelect(selection)`. */
export class AttentionView {
  constructor(root, { onSelect }) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.key = null;
    this.stages = [];
    const pick = (target) => {
      const hit = target.closest && target.closest(HOOKS);
      if (!hit) return false;
      onSelect(selectionOf(hit.dataset));
      return true;
    };
    root.addEventListener("click", (e) => pick(e.target));
    root.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && pick(e.target)) { e.preventDefault(); e.stopPropagation(); }
    });
  }

  /** (re)build the stages when the input's shape or the layers changed */
  build(config) {
    const key = JSON.stringify([config.input_shape, config.layers]);
    if (key === this.key) return;
    this.key = key;
    const doc = this.doc;
    const [T, dIn] = config.input_shape;
    const head = config.layers[0];
    const width = Math.min(this.root.clientWidth || 560, 900) - 16;
    const tokens = tokenCount(T, dIn);
    const last = config.layers[config.layers.length - 1];
    this.tokens = tokens;
    this.sameAsTokens = last.units === tokens;
    const small = cellSize(Math.max(head.d_k, head.d_v), (width - 36) / 3, { min: 17, max: 26 });
    this.header = doc.createElement("p");
    this.header.className = "attn-sample";
    this.header.dataset.role = "attn-sample";
    const caption = doc.createElement("p");
    caption.className = "attn-caption";
    caption.textContent = "Click a square of the scores or weights for its gradient through the softmax, a number of Wq, Wk or Wv for its dW, or a query row’s label (q0 …) for how that query meets every key. "
      + "Colours: blue −, orange + for values; green −, purple + for gradients (after Backward); weights white 0 → orange 1.";
    this.stages = [
      inputStage(doc, { T, dIn, tokens, cell: cellSize(dIn, width - 24, { min: 18, max: 30 }) }),
      projectionStage(doc, { T, dIn, dk: head.d_k, dv: head.d_v, tokens, cell: small, small }),
      scoreStage(doc, { T, dk: head.d_k, causal: head.causal, cell: cellSize(T, (width - 60) / 2, { min: 28, max: 44 }) }),
      outputStage(doc, { T, dv: head.d_v, cell: small }),
    ];
    const sizes = config.layers.map((l) => (l.type === "attention" ? l.d_v : l.units));
    config.layers.forEach((spec, k) => {
      if (k === 0) return;
      this.stages.push(denseStage(doc, { k, fanIn: sizes[k - 1], units: spec.units, activation: spec.activation, T,
                                         output: k === config.layers.length - 1, sameAsTokens: this.sameAsTokens,
                                         cell: cellSize(spec.units, (width - 60) / 3, { min: 20, max: 30 }) }));
    });
    this.byName = {};
    for (const stage of this.stages) Object.assign(this.byName, stage.figs ?? {});
    this.byName.X = { grid: this.stages[0].grids.X };
    this.root.replaceChildren(this.header, caption, ...this.stages.map((s) => s.section));
  }

  /** paint `state`'s weights, the followed sample's values and gradients; outline `selection` */
  show(state, selection) {
    this.build(state.config);
    const sample = state.sample;
    const tokenIds = tokensOf(sample.input, this.tokens);
    for (const stage of this.stages) stage.paint(state, tokenIds);
    const targets = sample.target.map((row) => className(classOf(row), this.sameAsTokens).replace("token ", ""));
    const batch = sample.in_batch || state.phase === "fresh" ? "" : " It is not in this minibatch: no values this step (pick another sequence on the right).";
    this.header.textContent = `Following sequence #${sample.index}: tokens ${tokenIds.join(" ")}, target ${targets.join(" ")}.${batch}`;
    const weights = sample.layers[0].weights;
    const strongest = this.stages[2].strongest;
    const text = weights ? `Where each query looks most: ${strongestKeys(weights).map((t2, t) => `q${t} → k${t2}`).join(", ")}.`
      : "Run Forward: the scores and weights of the followed sequence appear here.";
    if (strongest.textContent !== text) strongest.textContent = text;
    this.setSelected(selection);
  }

  /** outline what `sel` names: a score with its query and key rows, a query row, a weight with
   *  the feature column it multiplies and the component it feeds */
  setSelected(sel) {
    if (!this.byName) return;
    for (const { grid } of Object.values(this.byName)) grid.mark([]);
    if (!sel) return;
    const g = (name) => this.byName[name]?.grid;
    const row = (name, r, cls = "row") => g(name)?.mark([{ top: r, left: 0, height: 1, width: g(name).cols, cls }]);
    const col = (name, c, cls = "row") => g(name)?.mark([{ top: 0, left: c, height: g(name).rows, width: 1, cls }]);
    const one = (r, c) => ({ top: r, left: c, height: 1, width: 1, cls: "sel" });
    if (sel.kind === "score") {
      for (const name of ["scores", "weights", "dscores", "dweights"]) {
        g(name).mark([{ top: sel.t, left: 0, height: 1, width: g(name).cols, cls: "row" }, one(sel.t, sel.t2)]);
      }
      row("Q", sel.t); row("dQ", sel.t); row("K", sel.t2); row("dK", sel.t2); row("V", sel.t2); row("dV", sel.t2);
    } else if (sel.kind === "row") {
      for (const name of ["scores", "weights", "dscores", "dweights"]) row(name, sel.t, "sel");
      row("Q", sel.t); row("out", sel.t); row("dout", sel.t);
    } else if (sel.kind === "param") {
      const up = sel.param.slice(1).toUpperCase();
      g(sel.param).mark([one(sel.i, sel.j)]);
      g(`d${sel.param}`).mark([one(sel.i, sel.j)]);
      col("X", sel.i); col(up, sel.j); col(`d${up}`, sel.j);
    } else if (sel.kind === "dense") {
      g(`dense-${sel.layer}`)?.mark([one(sel.i, sel.j)]);
      g(`ddense-${sel.layer}`)?.mark([one(sel.i, sel.j)]);
      col(`a-${sel.layer}`, sel.j);
      col(sel.layer === 1 ? "out" : `a-${sel.layer - 1}`, sel.i);
    }
  }
}
