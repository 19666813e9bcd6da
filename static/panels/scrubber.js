// the history scrubber: a slider over the earlier updates that shows the network, its unit
// pictures, the boundary and the loss at the chosen step without changing the session, and
// "Continue from here", which rewinds the session to it. The server replays any step from a
// state it kept before it; /history's `reachable` says which steps it can.
import { fmt } from "../core/format.js";

/** the reachable step nearest to `step` (the earlier of two as near); ranges are [first, last] */
export function nearestReachable(ranges, step) {
  let best = null;
  for (const [first, last] of ranges) {
    const s = Math.min(Math.max(step, first), last);
    if (best === null || Math.abs(s - step) < Math.abs(best - step)) best = s;
  }
  return best;
}

/** how many steps the ranges hold */
export const countReachable = (ranges) => ranges.reduce((n, [first, last]) => n + last - first + 1, 0);

export class HistoryScrubber {
  constructor(doc, store, { network, plot, chart, messages, stopRunning }) {
    this.doc = doc;
    this.store = store;
    this.parts = { network, plot, chart, messages };
    this.stopRunning = stopRunning;
    const $ = (id) => doc.getElementById(id);
    this.el = { box: doc.querySelector("[data-role=history-scrubber]"), range: $("scrub"), label: $("scrub-step"),
                go: doc.querySelector("[data-action=continue-from-here]"), now: doc.querySelector("[data-action=back-to-now]") };
    this.reachable = [[0, 0]];
    this.timer = null;
    this.losses = new Map();
    this.el.range.addEventListener("input", () => {
      clearTimeout(this.timer);
      const step = nearestReachable(this.reachable, Number(this.el.range.value));
      this.el.label.textContent = `step ${step}`;
      this.timer = setTimeout(() => this.look(step), 90);
    });
    this.el.now.addEventListener("click", () => store.leavePast());
    this.el.go.addEventListener("click", () => this.carryOn());
    store.on("history", (h) => {
      this.reachable = h.reachable ?? [[0, 0]];
      this.losses = new Map(h.steps.map((s, k) => [s, h.losses[k]]));
      this.sync();
    });
    store.on("state", () => { if (!store.past) this.sync(); });     // during Play too: it says the step
    store.on("running", (what) => {
      this.el.range.disabled = Boolean(what);
      if (what) store.leavePast();
      else this.sync();
    });
    store.on("past", (past) => this.show(past));
  }

  /** the slider at the session's own step */
  sync() {
    const state = this.store.state;
    if (!state) return;
    const { range, label, box } = this.el;
    range.max = String(state.step);
    range.step = "1";
    if (!this.store.past) {
      range.value = String(state.step);
      label.textContent = `step ${state.step} (now)`;
    }
    if (this.store.running) {               // a Play tick: only the step moves
      range.disabled = true;
      return;
    }
    box.dataset.kept = String(countReachable(this.reachable));
    range.disabled = state.step === 0;
  }

  look(step) {
    if (step === this.store.state.step) this.store.leavePast();
    else this.store.viewPast(step);
  }

  /** draw an earlier update's weights and pictures, or (null) the session as it is again */
  show(past) {
    const { network, plot, chart, messages } = this.parts;
    const { box, go, now, label } = this.el;
    const state = this.store.state;
    box.dataset.viewing = past ? String(past.step) : "";
    go.hidden = now.hidden = !past;
    this.doc.body.dataset.viewing = past ? String(past.step) : "";
    if (!past) {
      chart.mark(null);
      return;
    }
    label.textContent = `step ${past.step}`;
    // the network as it was: its weights and biases; no values or gradients (none were kept)
    const blank = (n) => Array(n).fill(null);
    network.update({
      ...state, phase: "fresh", loss: this.losses.get(past.step + 1) ?? null, last_gradients: null, step: past.step,
      layers: past.layers.map((l, k) => ({ ...state.layers[k], W: l.W, b: l.b, dW: null, db: null })),
      sample: { ...state.sample, layers: state.sample.layers.map((l) => ({ z: blank(l.z?.length ?? 0), a: null, dz: null, da: null, f_prime: null })) },
    });
    network.setPictures(past.pictures);
    network.caption.textContent = `Step ${past.step}: the weights and pictures as they were; a step’s values and gradients are not kept.`;
    plot.setPredictions(past.pictures);
    chart.mark(past.step);
    const loss = this.losses.get(past.step + 1);
    messages.say(`Looking back at step ${past.step}${loss !== undefined && loss !== null ? ` (the next update’s loss: ${fmt(loss, 4)})` : ""}: `
      + `the weights and the pictures as they were then. The session stays at step ${state.step} until you press “Continue from here”.`);
  }

  carryOn() {
    const past = this.store.past;
    if (!past) return;
    this.stopRunning();
    const from = this.store.state.step;
    this.store.rewind(past.step).then((state) => {
      if (state) this.parts.messages.say(`Continued from step ${state.step} (the updates after it, up to ${from}, are gone). Training on repeats what it did, or change a setting in Build to try this moment another way.`);
    });
  }

  /** while an earlier update is on screen, a Build change that keeps the network's shape starts
   *  from its weights; `layers` are the new configuration's layer sizes */
  carry(spec, what, layers) {
    const past = this.store.past;
    if (!past) return [spec, what];
    const shape = past.layers.map((l) => [l.W.length, l.W[0].length]);
    const wanted = layers.slice(1).map((n, k) => [layers[k], n]);
    if (JSON.stringify(shape) !== JSON.stringify(wanted)) return [spec, what];
    return [{ ...spec, params: past.layers.map((l) => ({ W: l.W, b: l.b })) },
            `${what}, starting from the weights of step ${past.step}`];
  }
}
