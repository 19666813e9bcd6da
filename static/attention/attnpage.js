// a sequence session's parts of the page: the attention view in place of the network's SVG and
// the list of sequences in place of the data plot; which parts show follows the session on screen
import { AttentionView } from "./attnview.js";
import { SequenceList } from "./sequencelist.js";
import { isSequenceConfig } from "./attnmath.js";
import { isConvConfig } from "../conv/convmath.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

/** The attention view and the sequence list, shown for a sequence session (and the dense parts
 *  hidden). Call after the conv page's own show or load: a conv session keeps them hidden. */
export class AttentionPage {
  constructor(doc, { onSelect, onPick }) {
    const $ = (id) => doc.getElementById(id);
    this.doc = doc;
    this.view = new AttentionView($("attention-view"), { onSelect });
    this.list = new SequenceList($("sequence-list"), { onPick });
    this.own = [$("attention-view"), $("sequence-list")];
    // the dense network's parts: its SVG and legend, the data plot, the look-back scrubber
    this.dense = [$("network-scroll").closest(".network-box"), doc.querySelector(".legend"),
                  doc.querySelector(".plots"), doc.querySelector("[data-role=history-scrubber]")];
    // the predict-the-gradient exercise is for a dense weight: not offered for a head
    this.exercise = doc.querySelector(".exercise-bar");
    this.active = false;
  }

  /** show the attention parts for a sequence session; leaving one, the dense parts come back
   *  unless a CNN (whose page hid them) takes its place; true for a sequence session */
  setActive(config) {
    const active = isSequenceConfig(config);
    if (active !== this.active) {
      this.active = active;
      for (const el of this.own) el.hidden = !active;
      if (this.exercise) this.exercise.hidden = active;
      if (active || !isConvConfig(config)) for (const el of this.dense) if (el) el.hidden = active;
      if (active) this.doc.body.dataset.kind = "attention";
      else if (!isConvConfig(config)) this.doc.body.dataset.kind = "dense";
    }
    return active;
  }

  /** a session adopted: its training sequences go to the list; false for another kind */
  load(state, data) {
    if (!this.setActive(state.config)) return false;
    const test = data.test ?? data.X.map(() => false);
    const X = data.X.filter((_, k) => !test[k]);
    const Y = data.Y.filter((_, k) => !test[k]);
    this.list.setData(X, Y, state.config.dataset.name, test.filter(Boolean).length);
    return true;
  }

  /** a new state (`how` it came: forward, train …): the view repaints it; false for another kind */
  show(state, selection, how) {
    if (!this.setActive(state.config)) return false;
    // Forward's walk through a query row's keys; again when the page then follows a sequence of
    // the minibatch (its values are the ones the walk should show)
    const animate = (how === "forward" || (how === "sample" && this.lastHow === "forward")) && !reducedMotion.matches;
    this.lastHow = how;
    this.view.show(state, selection, { animate });
    this.list.setSelected(state.sample.index);
    return true;
  }

  select(sel) {
    if (this.active) this.view.setSelected(sel);
  }

  /** Play or Train: the scores and weights come into view, where the training shows most */
  setRunning(what) {
    if (this.active && (what === "play" || what === "train")) this.view.showStage("attn-scores");
  }

  setBatch(indices) {
    this.batch = indices;
    if (this.active) this.list.setBatch(indices);
  }

  /** the first sequence of the current minibatch, or null (every sequence is in the batch) */
  firstInBatch() {
    return this.batch && this.batch.length ? Math.min(...this.batch) : null;
  }
}
