// the loss over training steps on a canvas; a log scale once it spans two decades
import { historyCap } from "../core/catalog.js";
import { INK } from "../core/colors.js";
import { fmt } from "../core/format.js";

const M = { left: 58, right: 10, top: 10, bottom: 22 };

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
    const pw = w - M.left - M.right, ph = h - M.top - M.bottom;
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, pw - 1, ph - 1);
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui, sans-serif";
    const testLosses = this.test ? this.test.losses : [];
    const finite = [...this.losses, ...testLosses].filter((l) => l !== null && Number.isFinite(l));
    if (!finite.length) {
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("the loss of each step appears here", M.left + pw / 2, M.top + ph / 2);
      return;
    }
    let lo = Math.min(...finite), hi = Math.max(...finite);
    const log = lo > 0 && hi / lo > 100;
    const f = log ? Math.log10 : (v) => v;
    if (!log) lo = Math.min(0, lo);
    if (f(hi) - f(lo) < 1e-12) hi = lo + (log ? lo : 1);
    const first = this.steps[0], last = Math.max(this.steps[this.steps.length - 1], first + 1);
    const px = (s) => M.left + ((s - first) / (last - first)) * pw;
    const py = (v) => M.top + (1 - (f(v) - f(lo)) / (f(hi) - f(lo))) * ph;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(fmt(hi, 2), M.left - 4, py(hi), M.left - 6);   // squeezed to fit, never cut off
    ctx.fillText(fmt(lo, 2), M.left - 4, py(lo), M.left - 6);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(`step ${first}`, M.left, h - M.bottom + 4);
    ctx.textAlign = "right";
    ctx.fillText(`${last}${log ? " · log scale" : ""}`, w - M.right, h - M.bottom + 4);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let pen = false;
    this.steps.forEach((s, k) => {
      const v = this.losses[k];
      if (v === null || !Number.isFinite(v) || (log && v <= 0)) { pen = false; return; }
      if (pen) ctx.lineTo(px(s), py(v)); else ctx.moveTo(px(s), py(v));
      pen = true;
    });
    ctx.stroke();
    if (this.test) {                  // the test loss, dashed, at the steps it was measured
      ctx.strokeStyle = "#d96a00";
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      let on = false;
      this.test.steps.forEach((s, k) => {
        const v = this.test.losses[k];
        if (v === null || !Number.isFinite(v) || (log && v <= 0) || s < first) { on = false; return; }
        if (on) ctx.lineTo(px(s), py(v)); else ctx.moveTo(px(s), py(v));
        on = true;
      });
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#333";
      ctx.textAlign = "right";
      ctx.textBaseline = "top";
      ctx.fillText("— training   - - test", w - M.right - 4, M.top + 2);
    }
    if (this.marked !== null && this.marked !== undefined) {     // the step the scrubber looks at
      ctx.strokeStyle = "#7a3db8";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px(this.marked + 0.5), M.top);
      ctx.lineTo(px(this.marked + 0.5), M.top + ph);
      ctx.stroke();
    }
    if (this.steps.length === 1) {
      ctx.fillStyle = INK;
      ctx.beginPath();
      ctx.arc(px(this.steps[0]), py(this.losses[0] ?? lo), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}
