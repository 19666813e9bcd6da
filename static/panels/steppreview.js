// the step preview: after Backward, the change of the batch's loss the next Step predicts to
// first order (Σ dW·Δθ over every W and b); after that Step, what really changed beside it
import { fmt } from "../core/format.js";

/** how a real change compares with the first-order prediction: "close", "off" or "opposite" */
export function previewVerdict(predicted, actual) {
  if (predicted === null || actual === null) return null;
  if (Math.sign(predicted) !== Math.sign(actual) && Math.abs(actual) > 1e-12) return "opposite";
  const ratio = predicted === 0 ? (actual === 0 ? 1 : Infinity) : actual / predicted;
  return ratio > 0.5 && ratio < 1.5 ? "close" : "off";
}

const VERDICTS = {
  close: "close: the step is small enough for the loss to look like a straight line (its tangent plane) over it.",
  off: "far from the prediction: over a step this long the loss curves away from its tangent, so the first-order picture no longer holds (a learning rate too large for it).",
  opposite: "the opposite sign: the step overshot, and the loss went up where the tangent said down. The learning rate is too large for this step.",
};

/** [data-role=step-preview] under the loss: shown after Backward and after the Step that follows */
export class StepPreview {
  constructor(doc, store, { concealed }) {
    this.el = doc.getElementById("step-preview");
    this.concealed = concealed;
    store.on("state", (state) => this.show(state));
    store.on("past", (past) => { if (past) this.el.hidden = true; });     // a preview of now, not of that step
  }

  show(state) {
    const p = state.step_preview;
    const el = this.el;
    el.hidden = p === null || p === undefined;
    if (el.hidden) return;
    el.dataset.predicted = String(p.predicted);
    el.dataset.actual = p.actual === null ? "" : String(p.actual);
    if (this.concealed()) {      // Σ dW·Δθ would give the predicted weight's dW away in a small net
      el.dataset.verdict = "";
      el.textContent = "Step preview: shown once you have checked your prediction.";
      return;
    }
    if (p.actual === null) {
      el.dataset.verdict = "";
      const bn = (state.config.layer_options ?? []).some((o) => o && o.batch_norm);
      el.textContent = `Step preview: to first order, the next Step changes this batch’s loss by ${fmt(p.predicted, 4)} `
        + `(Σ gradient · change over every weight and bias${bn ? ", and batch norm’s γ and β" : ""}).`;
      return;
    }
    const verdict = previewVerdict(p.predicted, p.actual);
    el.dataset.verdict = verdict ?? "";
    el.textContent = `Step ${state.step} changed this batch’s loss by ${fmt(p.actual, 4)}; predicted ${fmt(p.predicted, 4)} to first order: ${verdict ? VERDICTS[verdict] : "not a number (diverged)."}`;
  }
}
