// the data on a canvas: points by class (or x, y for regression), the decision boundary or
// fitted curve behind them, the selected sample ringed
import { CLASS_BYTES, CLASS_COLORS, CLASS_SHAPES, INK, divergingBytes } from "../core/colors.js";
import { fmt } from "../core/format.js";

const M = { left: 34, right: 8, top: 18, bottom: 26 };   // margins for the axes (the top one holds x₂'s name)
const HIT = 14;                                          // px within which a click finds a point


/** the class of a target row: 0/1 for one column, the arg-max of a one-hot row */
export function classOf(y) {
  if (y.length === 1) return y[0] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < y.length; k++) if (y[k] > y[best]) best = k;
  return best;
}

/** Line segments where a grid of values crosses `level` (marching squares), in grid units. */
export function contour(values, res, level) {
  const v = (r, c) => {
    const x = values[r * res + c];
    return x === null ? NaN : x - level;        // null: not a finite number (null − 0.5 would be −0.5)
  };
  const segments = [];
  for (let r = 0; r < res - 1; r++) {
    for (let c = 0; c < res - 1; c++) {
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
      const pts = [];
      for (let e = 0; e < 4; e++) {
        const [r1, c1] = corners[e], [r2, c2] = corners[(e + 1) % 4];
        const a = v(r1, c1), b = v(r2, c2);
        if (Number.isNaN(a) || Number.isNaN(b)) continue;
        if ((a < 0) !== (b < 0)) {
          const t = a / (a - b);
          pts.push([c1 + (c2 - c1) * t, r1 + (r2 - r1) * t]);
        }
      }
      if (pts.length >= 2) segments.push([pts[0], pts[1]]);
      if (pts.length === 4) segments.push([pts[2], pts[3]]);
    }
  }
  return segments;
}

/** The data plot; clicks become onPick(index), onAdd(point), onRemove(index) by mode. */
export class DataPlot {
  constructor(canvas, { onPick, onAdd, onRemove }) {
    this.canvas = canvas;
    this.on = { onPick, onAdd, onRemove };
    this.X = [];
    this.Y = [];
    this.task = "binary";
    this.pred = null;
    this.bounds = [[-1, 1], [-1, 1]];
    this.selected = 0;
    this.batch = null;
    this.mode = "pick";
    canvas.addEventListener("click", (e) => this.click(e));
    // its size from the observer, not read back at each draw (a read after the network's restyle
    // would lay the whole page out again, every Play tick)
    this.size = { width: 0, height: 0 };
    new ResizeObserver(([entry]) => { this.size = entry.contentRect; this.draw(); }).observe(canvas);
  }

  /** the points and the box the server's pictures cover (its `bounds`); with `extent` the plot
   *  covers at least [-extent, extent] (room to add points) */
  setData(X, Y, task, extent = null, bounds = null) {
    this.X = X;
    this.Y = Y;
    this.task = task;
    this.pred = null;
    this.bounds = bounds ?? [[-1, 1], [-1, 1]];
    if (extent) this.bounds = this.bounds.map(([lo, hi]) => [Math.min(lo, -extent), Math.max(hi, extent)]);
    this.yRange = null;
    this.draw();
  }

  setPredictions(pred) {
    this.pred = pred && pred.kind !== "none" ? pred : null;
    if (this.pred) this.bounds = this.pred.bounds;
    this.draw();
  }

  setSelected(index) { this.selected = index; this.draw(); }

  /** the held-out test points ({X, Y}, or null), drawn hollow when `shown` */
  setTest(test, shown) {
    this.test = test;
    this.testShown = shown;
    this.draw();
  }

  /** indices of the current minibatch, or null for the full batch */
  setBatch(indices) { this.batch = indices ? new Set(indices) : null; this.draw(); }

  /** the lowest sample index of the current minibatch (null when there is none) */
  firstInBatch() { return this.batch && this.batch.size ? Math.min(...this.batch) : null; }

  setMode(mode) {
    this.mode = mode;
    this.canvas.classList.toggle("adding", mode.startsWith("add"));
    this.canvas.classList.toggle("removing", mode === "remove");
  }

  get dims() { return this.X.length ? this.X[0].length : 2; }

  /** vertical range of a 1-D plot: the targets and the fitted curve, padded */
  yBounds() {
    let lo = Infinity, hi = -Infinity;
    for (const y of this.Y) { lo = Math.min(lo, y[0]); hi = Math.max(hi, y[0]); }
    if (this.pred) for (const y of this.pred.outputs[0]) if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
    lo = Math.max(lo, -10); hi = Math.min(hi, 10);     // a wild curve does not squash the points
    const pad = Math.max((hi - lo) * 0.1, 0.25);
    return [lo - pad, hi + pad];
  }

  frame() {
    const w = Math.max(120, this.size.width), h = Math.max(120, this.size.height);
    const [xb, yb0] = this.bounds;
    const yb = this.dims === 1 ? (this.yRange ?? this.yBounds()) : yb0;
    const pw = w - M.left - M.right, ph = h - M.top - M.bottom;
    return {
      w, h, xb, yb, pw, ph,
      px: (x) => M.left + ((x - xb[0]) / (xb[1] - xb[0])) * pw,
      py: (y) => M.top + (1 - (y - yb[0]) / (yb[1] - yb[0])) * ph,
      dx: (px) => xb[0] + ((px - M.left) / pw) * (xb[1] - xb[0]),
      dy: (py) => yb[0] + (1 - (py - M.top) / ph) * (yb[1] - yb[0]),
    };
  }

  /** (x, y) on the plot of data point n */
  where(f, n) {
    const row = this.X[n];
    return this.dims === 1 ? [f.px(row[0]), f.py(this.Y[n][0])] : [f.px(row[0]), f.py(row[1])];
  }

  nearest(f, mx, my) {
    let best = -1, bestD = HIT * HIT;
    for (let n = 0; n < this.X.length; n++) {
      const [x, y] = this.where(f, n);
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d <= bestD) { best = n; bestD = d; }
    }
    return best;
  }

  click(e) {
    const rect = this.canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left, my = e.clientY - rect.top;
    const f = this.frame();
    if (this.mode.startsWith("add")) {
      if (mx < M.left || my > f.h - M.bottom) return;
      const point = this.dims === 1 ? { x: [f.dx(mx)], y: [f.dy(my)] } : { x: [f.dx(mx), f.dy(my)] };
      this.on.onAdd(point, this.mode);
      return;
    }
    const n = this.nearest(f, mx, my);
    if (n < 0) return;
    if (this.mode === "remove") this.on.onRemove(n);
    else this.on.onPick(n);
  }

  /** draw once at the next frame, however many changes come before it (a Play tick brings
   *  the data, the batch, the sample and the pictures one after the other) */
  draw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  drawNow() {
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const f = this.frame();
    if (canvas.width !== Math.round(f.w * dpr) || canvas.height !== Math.round(f.h * dpr)) {
      canvas.width = Math.round(f.w * dpr);
      canvas.height = Math.round(f.h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, f.w, f.h);
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(M.left, M.top, f.pw, f.ph);
    if (this.dims === 2) this.drawField(ctx, f);
    this.drawAxes(ctx, f);
    this.drawPoints(ctx, f);
    if (this.dims === 1) this.drawCurve(ctx, f);     // the fit over the points it is fitting
  }

  drawField(ctx, f) {
    const pred = this.pred;
    if (!pred || pred.kind !== "grid") return;
    const res = pred.resolution;
    const img = new ImageData(res, res);
    const outs = pred.outputs;
    const multi = outs.length > 1;
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        const k = r * res + c;
        let rgb;
        if (multi) {
          let best = 0;
          for (let m = 1; m < outs.length; m++) if (outs[m][k] > outs[best][k]) best = m;
          const conf = Math.max(0, (outs[best][k] - 1 / outs.length) / (1 - 1 / outs.length));
          rgb = CLASS_BYTES[best % CLASS_BYTES.length].map((v) => Math.round(246 + (v - 246) * conf * 0.55));
        } else {
          const p = outs[0][k];
          rgb = divergingBytes(p === null ? 0 : (this.task === "regression" ? p : 2 * p - 1), 0.45);
        }
        const p4 = ((res - 1 - r) * res + c) * 4;   // row r is y low -> high: flip for the canvas
        img.data[p4] = rgb[0]; img.data[p4 + 1] = rgb[1]; img.data[p4 + 2] = rgb[2]; img.data[p4 + 3] = 255;
      }
    }
    const off = document.createElement("canvas");
    off.width = off.height = res;
    off.getContext("2d").putImageData(img, 0, 0);
    // grid points sit on the bounds, so each pixel's centre maps to a grid point
    const cellW = f.pw / (res - 1), cellH = f.ph / (res - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.left, M.top, f.pw, f.ph);
    ctx.clip();
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, M.left - cellW / 2, M.top - cellH / 2, f.pw + cellW, f.ph + cellH);
    // the decision boundary: p = 0.5, or where the most likely class changes
    const toPx = ([c, r]) => [M.left + c * cellW, M.top + f.ph - r * cellH];
    const lines = [];
    if (!multi && this.task !== "regression") lines.push(...contour(outs[0], res, 0.5));
    if (multi) {
      for (let m = 0; m < outs.length; m++) {
        const margin = outs[m].map((v, k) => (v === null ? null : v - Math.max(...outs.filter((_, o) => o !== m).map((o) => o[k] ?? NaN))));
        lines.push(...contour(margin, res, 0));
      }
    }
    ctx.strokeStyle = INK;
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (const [a, b] of lines) {
      const [x1, y1] = toPx(a), [x2, y2] = toPx(b);
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    ctx.restore();
  }

  drawCurve(ctx, f) {
    const pred = this.pred;
    if (!pred || pred.kind !== "line") return;
    const ys = pred.outputs[0];
    const [x0, x1] = pred.bounds[0];
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.left, M.top, f.pw, f.ph);
    ctx.clip();
    ctx.strokeStyle = CLASS_COLORS[1];
    ctx.lineWidth = 3;
    ctx.beginPath();
    let pen = false;
    ys.forEach((y, k) => {
      if (y === null) { pen = false; return; }
      const x = x0 + ((x1 - x0) * k) / (ys.length - 1);
      if (pen) ctx.lineTo(f.px(x), f.py(y)); else ctx.moveTo(f.px(x), f.py(y));
      pen = true;
    });
    ctx.stroke();
    ctx.restore();
  }

  drawAxes(ctx, f) {
    ctx.strokeStyle = "#777";
    ctx.lineWidth = 1;
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, f.pw - 1, f.ph - 1);
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const x of ticks(f.xb)) ctx.fillText(fmt(x, 2), f.px(x), f.h - M.bottom + 4);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const y of ticks(f.yb)) ctx.fillText(fmt(y, 2), M.left - 4, f.py(y));
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(this.dims === 1 ? "x →" : "x₁ →", f.w - M.right, f.h - 1);
    // the vertical axis's name above the plot's top-left corner, clear of the points
    const name = this.dims === 1 ? "y ↑" : "x₂ ↑";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(name, M.left, M.top - 2);
  }

  /** the test points, hollow: outlines in their class's colour */
  drawTest(ctx, f, size) {
    const { X, Y } = this.test;
    ctx.lineWidth = 1.6;
    for (let k = 0; k < X.length; k++) {
      const x = f.px(X[k][0]), y = this.dims === 1 ? f.py(Y[k][0]) : f.py(X[k][1]);
      const c = this.task === "regression" ? -1 : classOf(Y[k]);
      ctx.strokeStyle = c < 0 ? "#5b5b60" : CLASS_COLORS[c % CLASS_COLORS.length];
      ctx.beginPath();
      ctx.arc(x, y, size, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  drawPoints(ctx, f) {
    const n = this.X.length;
    if (this.test && this.testShown) this.drawTest(ctx, f, n > 200 ? 4 : 5);
    const size = n > 600 ? 3 : n > 200 ? 4 : 5;
    for (let k = 0; k < n; k++) {
      const [x, y] = this.where(f, k);
      const faded = this.batch && !this.batch.has(k);
      ctx.globalAlpha = faded ? 0.3 : 1;
      if (this.task === "regression") {
        mark(ctx, "circle", x, y, size - 1, "#5b5b60");
      } else {
        const c = classOf(this.Y[k]);
        mark(ctx, CLASS_SHAPES[c % 3], x, y, size, CLASS_COLORS[c % CLASS_COLORS.length]);
      }
    }
    ctx.globalAlpha = 1;
    if (this.selected !== null && this.selected < n) {
      const [x, y] = this.where(f, this.selected);
      ctx.lineWidth = 3;
      ctx.strokeStyle = INK;
      ctx.beginPath();
      ctx.arc(x, y, size + 6, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#fff";
      ctx.beginPath();
      ctx.arc(x, y, size + 8.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}

function mark(ctx, shape, x, y, s, color) {
  ctx.fillStyle = color;
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  if (shape === "square") ctx.rect(x - s, y - s, 2 * s, 2 * s);
  else if (shape === "triangle") { ctx.moveTo(x, y - s * 1.2); ctx.lineTo(x + s * 1.1, y + s * 0.9); ctx.lineTo(x - s * 1.1, y + s * 0.9); ctx.closePath(); }
  else ctx.arc(x, y, s, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}

/** a few round numbers inside [lo, hi] */
function ticks([lo, hi]) {
  const span = hi - lo;
  const step = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10].map((s) => s * 10 ** Math.floor(Math.log10(span)))
    .find((s) => span / s <= 5) ?? span / 4;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.abs(t) < 1e-9 ? 0 : t);
  return out;
}
