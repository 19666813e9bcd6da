// the loss over training steps on a canvas; a log scale once it spans two decades
import { historyCap } from "../core/catalog.js";
import { INK } from "../core/colors.js";
import { fmt } from "../core/format.js";

const M = { left: 58, right: 10, top: 10, bottom: 22 };
const TEST = "#b35500";      // the test loss (dark orange: 4.5:1 on white, for its labels)

/** a curve's own scale: its finite values' range ({lo, hi, log, f}), log once it spans two
 *  decades, from 0 when linear; null with no finite value */
export function axisFor(values) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  if (!finite.length) return null;
  let lo = Math.min(...finite), hi = Math.max(...finite);
  const log = lo > 0 && hi / lo > 100;
  const f = log ? Math.log10 : (v) => v;
  if (!log) lo = Math.min(0, lo);
  if (f(hi) - f(lo) < 1e-12) hi = lo + (log ? lo : 1);
  return { lo, hi, log, f };
}

/** A line chart of (step, loss) pairs. */
export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.steps = [];
    this.losses = [];
    this.size = { width: 0, height: 0 };     // from the observer: no layout read per draw
    new ResizeObserver(([entry]) => { this.size = entry.contentRect; this.draw(); }).observe(canvas);
  }

  /** the test points' loss ({steps, losses}, or null), drawn dashed beside the training loss */
  setTest(test) {
    this.test = test && test.steps.length ? test : null;
    this.draw();
  }

  /** a vertical line at update `step` (an earlier one looked at), or none */
  mark(step) {
    this.marked = step;
    this.draw();
  }

  clear() {
    this.steps = [];
    this.losses = [];
    this.draw();
  }

  /** the whole curve at once: a session's history (its steps may be thinned) */
  load(steps, losses) {
    this.steps = [...steps];
    this.losses = [...losses];
    this.draw();
  }

  /** add the losses of updates number first, first+1, … */
  add(first, losses) {
    losses.forEach((loss, k) => {
      this.steps.push(first + k);
      this.losses.push(loss);
    });
    if (this.steps.length > historyCap()) {   // every second one goes, as the server's history thins
      this.steps = this.steps.filter((_, k) => k % 2 === 0);
      this.losses = this.losses.filter((_, k) => k % 2 === 0);
    }
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(100, this.size.width), h = Math.max(60, this.size.height);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const right = this.test ? M.left : M.right;         // the test loss's own scale on the right
    const pw = w - M.left - right, ph = h - M.top - M.bottom;
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, pw - 1, ph - 1);
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui, sans-serif";
    const train = axisFor(this.losses);
    const test = this.test ? axisFor(this.test.losses) : null;
    canvas.dataset.train = train ? `${train.lo},${train.hi},${train.log}` : "";
    canvas.dataset.test = test ? `${test.lo},${test.hi},${test.log}` : "";
    if (!train && !test) {
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("the loss of each step appears here", M.left + pw / 2, M.top + ph / 2);
      return;
    }
    const first = this.steps.length ? this.steps[0] : this.test.steps[0];
    const last = Math.max(this.steps.length ? this.steps[this.steps.length - 1] : first, first + 1);
    const px = (s) => M.left + ((s - first) / (last - first)) * pw;
    const yOf = (axis) => (v) => M.top + (1 - (axis.f(v) - axis.f(axis.lo)) / (axis.f(axis.hi) - axis.f(axis.lo))) * ph;
    // each curve on its own scale (training left, test right): the test loss's dip and rise
    // were a flat line at the top of a scale reaching down to the training loss's 0.001
    const labels = (axis, x, align, color) => {
      const py = yOf(axis);
      ctx.fillStyle = color;
      ctx.textAlign = align;
      ctx.textBaseline = "middle";
      ctx.fillText(fmt(axis.hi, 2), x, py(axis.hi), M.left - 6);   // squeezed to fit, never cut off
      ctx.fillText(fmt(axis.lo, 2), x, py(axis.lo), M.left - 6);
    };
    if (train) labels(train, M.left - 4, "right", "#333");
    if (test) labels(test, w - right + 4, "left", TEST);
    ctx.fillStyle = "#333";
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(`step ${first}`, M.left, h - M.bottom + 4);
    ctx.textAlign = "right";
    const logs = [train && train.log && "training", test && test.log && "test"].filter(Boolean);
    ctx.fillText(`${last}${logs.length ? ` · log${test ? ` (${logs.join(", ")})` : " scale"}` : ""}`, w - right, h - M.bottom + 4);
    const line = (steps, losses, axis, from = -Infinity) => {
      const py = yOf(axis);
      ctx.beginPath();
      let pen = false;
      steps.forEach((s, k) => {
        const v = losses[k];
        if (v === null || !Number.isFinite(v) || (axis.log && v <= 0) || s < from) { pen = false; return; }
        if (pen) ctx.lineTo(px(s), py(v)); else ctx.moveTo(px(s), py(v));
        pen = true;
      });
      ctx.stroke();
    };
    if (train) {
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      line(this.steps, this.losses, train);
    }
    if (test) {                  // the test loss, dashed, at the steps it was measured
      ctx.strokeStyle = TEST;
      ctx.lineWidth = 2;
      ctx.setLineDash([5, 4]);
      line(this.test.steps, this.test.losses, test, first);
      ctx.setLineDash([]);
    }
    if (this.marked !== null && this.marked !== undefined) {     // the step the scrubber looks at
      ctx.strokeStyle = "#7a3db8";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px(this.marked + 0.5), M.top);
      ctx.lineTo(px(this.marked + 0.5), M.top + ph);
      ctx.stroke();
    }
    if (this.steps.length === 1 && train) {
      ctx.fillStyle = INK;
      ctx.beginPath();
      ctx.arc(px(this.steps[0]), yOf(train)(this.losses[0] ?? train.lo), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}
