// a sequence session on screen, in place of the dense network's SVG: the followed sequence's
// tokens, Q, K and V, the scores and weights with one query row worked through, the output and
// the predicted token at each position, the head's weights; built once per architecture,
// repainted after every state. A click on a score, a weight of Wq, Wk, Wv or a dense layer, or a
// query row's label selects it. Where the server has no values for the followed sequence (after
// a Step, Play or Train, or outside the minibatch) the page runs the sequence through the
// current weights itself, so the heatmaps follow the training.
import { sampleName } from "../core/names.js";
import { cellSize, networkForward, selectionOf, strongestKeys, tokenCount, tokensOf } from "./attnmath.js";
import { inputStage, outputStage, qkvStage, scoreStage, weightStage } from "./attnstages.js";
import { classOf, className, denseStage } from "./attndense.js";
import { RowWalk } from "./rowwalk.js";

const HOOKS = "[data-score],[data-score-grad],[data-param],[data-param-grad],[data-dense],[data-dense-grad],[data-row]";
const EMPTY = { q: null, k: null, v: null, scores: null, weights: null, out: null,
                dout: null, dweights: null, dscores: null, dq: null, dk: null, dv: null };

/** the values the view draws for `state`'s followed sequence: the server's after a Forward that
 *  saw it; the page's own forward with the current weights once the weights have moved (no
 *  gradients then); none before the first Forward. {source: "server" | "page" | "none", head, a} */
export function valuesOf(state) {
  const layers = state.sample.layers;
  if (layers[0].weights) return { source: "server", head: layers[0], a: layers.map((l) => l.a ?? null) };
  if (state.step > 0 && !state.diverged) {
    const { head, a } = networkForward(state);
    return { source: "page", head: { ...EMPTY, ...head }, a };
  }
  return { source: "none", head: layers[0], a: layers.map(() => null) };
}

/** Draws a sequence session into `root`; reports clicks through `onSelect(selection)`. */
export class AttentionView {
  constructor(root, { onSelect }) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.key = null;
    this.stages = [];
    this.walkRow = 0;
    this.last = null;
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
    const width = Math.max(300, Math.min(this.root.clientWidth || 560, 900) - 20);
    const tokens = tokenCount(T, dIn);
    const last = config.layers[config.layers.length - 1];
    this.tokens = tokens;
    this.sameAsTokens = last.units === tokens;
    this.walkRow = Math.min(this.walkRow, T - 1);
    this.header = doc.createElement("p");
    this.header.className = "attn-sample";
    this.header.dataset.role = "attn-sample";
    const caption = doc.createElement("p");
    caption.className = "attn-caption";
    caption.textContent = "Forward runs down, from the input to the prediction. Backward climbs back from the prediction through steps 1 … 4 and ends at step 5, the head’s weights at the bottom. Click a square of the scores or weights, or a number of Wq, Wk, Wv, for its gradient with numbers. "
      + "Colours: values blue − / orange +, gradients green − / purple +, weights white 0 → orange 1.";
    // Q, K, V three across; two across for a head's weight and its gradient; on a phone one
    // across, each big enough to read its numbers: squares of 29 px at least (numbers of 11 px),
    // the grids wrapping to the next line where three or two do not fit
    const d = Math.max(head.d_k, head.d_v);
    const narrow = width < 520;
    const one = cellSize(d, width - 40, { min: 16, max: 30 });
    const three = narrow ? one : cellSize(d, width / 3 - 26, { min: 29, max: 30 });
    const two = narrow ? one : cellSize(d, width / 2 - 44, { min: 29, max: 30 });
    this.walk = new RowWalk(doc, { T, dk: head.d_k, causal: head.causal,
                                   onPick: (t) => this.pickRow(t), onFocus: (t, j) => this.focusKey(t, j) });
    this.stages = [
      inputStage(doc, { T, dIn, tokens, cell: cellSize(dIn, width - 30, { min: 18, max: 30 }) }),
      qkvStage(doc, { T, dk: head.d_k, dv: head.d_v, cell: three }),
      scoreStage(doc, { T, dk: head.d_k, causal: head.causal, walk: this.walk,
                        cell: cellSize(T, width / 2 - 40, { min: 30, max: 46 }) }),
      outputStage(doc, { T, dv: head.d_v, cell: two }),
    ];
    const sizes = config.layers.map((l) => (l.type === "attention" ? l.d_v : l.units));
    config.layers.forEach((spec, k) => {
      if (k === 0) return;
      this.stages.push(denseStage(doc, { k, fanIn: sizes[k - 1], units: spec.units, activation: spec.activation, T,
                                         output: k === config.layers.length - 1, sameAsTokens: this.sameAsTokens,
                                         cell: cellSize(Math.max(spec.units, 4), narrow ? width / 2 - 30 : width / 3 - 26, { min: 18, max: 30 }) }));
    });
    this.stages.push(weightStage(doc, { dIn, dk: head.d_k, dv: head.d_v, tokens, cell: two }));
    this.byName = {};
    for (const stage of this.stages) {
      for (const [name, fig] of Object.entries(stage.figs ?? {})) this.byName[name] = fig;
    }
    this.scoreStage = this.stages[2];
    this.root.replaceChildren(this.header, caption, ...this.stages.map((s) => s.section));
  }

  /** paint `state`'s weights and the followed sequence's values and gradients; outline
   *  `selection`; `animate`: Forward's walk through the query row's keys */
  show(state, selection, { animate = false } = {}) {
    this.build(state.config);
    const sample = state.sample;
    const values = valuesOf(state);
    const tokenIds = tokensOf(sample.input, this.tokens);
    const targets = sample.target.map((row) => className(classOf(row), this.sameAsTokens).replace("token ", ""));
    const view = { ...values, input: sample.input, tokens: tokenIds, targets };
    this.last = { view, state };
    for (const stage of this.stages) stage.paint(view, state);
    const name = sampleName(sample.index);
    const from = values.source === "page"
      ? ` Its values are worked out here with the weights of step ${state.step}; run Forward for the server’s, then Backward for the gradients.`
      : values.source === "none" ? (state.phase === "fresh" ? " Run Forward to fill in Q, K, V, the scores and the weights."
        : " It is not in this minibatch, so it has no values this step: pick one of the batch on the right.")
        : sample.in_batch ? "" : " It is not in this minibatch.";
    this.header.textContent = `Following sequence ${name}: tokens ${tokenIds.join(" ")}, target ${targets.join(" ")}.${from}`;
    this.root.dataset.source = values.source;
    const weights = values.head.weights;
    const strongest = this.scoreStage.strongest;
    const text = weights ? `Where each query looks most: ${strongestKeys(weights).map((t2, t) => `q${t} → k${t2}`).join(", ")}.` : "";
    if (strongest.textContent !== text) strongest.textContent = text;
    if (selection && (selection.kind === "score" || selection.kind === "row")) this.walkRow = selection.t;
    this.walk.paint(values.head, this.walkRow, { animate, backward: state.phase === "backward" && values.source === "server" });
    if (animate) this.showStage("attn-scores", true);       // Forward: the query row's walk is there
    this.setSelected(selection);
  }

  /** scroll the view (not the page) so that stage `role` starts at its top, unless it is in view */
  showStage(role, onlyIfHidden = false) {
    const section = this.root.querySelector(`[data-role=${role}]`);
    if (!section) return;
    const box = this.root.getBoundingClientRect(), r = section.getBoundingClientRect();
    if (onlyIfHidden && r.top >= box.top && r.top < box.bottom - 120) return;
    this.root.scrollTop += r.top - box.top;
  }

  /** a q button of the walk: that row, worked through */
  pickRow(t) {
    this.walkRow = t;
    if (this.last) {
      const { view, state } = this.last;
      this.walk.paint(view.head, t, { backward: state.phase === "backward" && view.source === "server" });
    }
    this.setSelected(this.selection);
  }

  /** the walk meets key j of row t: outline q_t, k_j and the score (j null: back to the selection) */
  focusKey(t, j) {
    this.setSelected(this.selection);
    if (j === null) return;
    const box = (r, c, cls) => ({ top: r, left: c, height: 1, width: 1, cls });
    const g = (name) => this.byName[name]?.grid;
    g("Q")?.mark([{ top: t, left: 0, height: 1, width: g("Q").cols, cls: "row" }]);
    g("K")?.mark([{ top: j, left: 0, height: 1, width: g("K").cols, cls: "window" }]);
    g("scores")?.mark([box(t, j, "window")]);
    g("weights")?.mark([box(t, j, "window")]);
  }

  /** outline what `sel` names: a score with its query and key rows, a query row, a weight with
   *  the feature column it multiplies and the component it feeds */
  setSelected(sel) {
    this.selection = sel;
    if (!this.byName) return;
    if (sel && (sel.kind === "score" || sel.kind === "row") && sel.t !== this.walkRow) {
      this.pickRow(sel.t);            // the walk works the clicked row (and outlines anew)
      return;
    }
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
