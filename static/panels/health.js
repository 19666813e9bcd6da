// gradient health: each layer's ‖dW‖ over the steps on a log scale (from the history), with
// vanishing and exploding marked, and the dead and saturated units of the last Forward
import { fmt } from "../core/format.js";
import { layerName, unitName } from "../core/names.js";
import { isConvConfig, weightLayerName } from "../conv/convmath.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
const M = { left: 46, right: 8, top: 8, bottom: 20 };
export const VANISHED = 1e-3;      // ‖dW‖ below this share of where it started: vanishing
export const EXPLODED = 1e3;       // above this many times where it started, or not finite: exploding

/** "vanishing", "exploding" or "" for a layer's norms over the steps */
export function normTrend(norms) {
  const finite = norms.filter((v) => v !== null && Number.isFinite(v));
  if (norms.some((v) => v === null || !Number.isFinite(v))) return "exploding";
  if (finite.length < 2 || !(finite[0] > 0)) return "";
  const last = finite[finite.length - 1];
  if (last < VANISHED * finite[0]) return "vanishing";
  if (last > EXPLODED * finite[0]) return "exploding";
  return "";
}

/** The [data-role=gradient-health] panel; `concealed()` gives the weight to predict, or null. */
export class GradientHealth {
  constructor(doc, store, { network, concealed }) {
    this.doc = doc;
    this.store = store;
    this.network = network;
    this.concealed = concealed;
    const $ = (id) => doc.getElementById(id);
    this.el = { box: $("gradient-health"), summary: $("health-summary"), canvas: $("norms-chart"),
                now: $("health-now"), units: $("health-units"), trends: $("health-trends") };
    this.history = null;
    this.size = { width: 0, height: 0 };
    new ResizeObserver(([entry]) => { this.size = entry.contentRect; this.draw(); }).observe(this.el.canvas);
    store.on("history", (history) => { this.history = history.grad_norms; this.draw(); this.describe(); });
    store.on("load", () => { this.history = null; this.draw(); });
    store.on("state", (state) => this.showState(state));
    store.on("running", (what) => { if (!what && store.state) this.showState(store.state); });   // Play's last tick
  }

  /** the layer whose ‖dW‖ would give the predicted weight's dW away (its only weight), or -1 */
  hiddenLayer() {
    const c = this.concealed();
    return c ? c.L - 1 : -1;
  }

  showState(state) {
    if (this.store.running === "play" && this.lastShown && performance.now() - this.lastShown < 250) return;
    this.lastShown = performance.now();      // while Play runs, 4 times a second is enough to read
    const { units, now } = this.el;
    const sizes = state.config.layers, last = sizes.length - 1;
    const name = (L, i) => unitName(L, i, last, sizes[last]);
    const dead = state.dead_units ?? [], saturated = state.saturated_units ?? [];
    const list = [];
    dead.forEach((us, k) => us.forEach((i) => list.push(`${name(k + 1, i)} is dead (ReLU, a = 0 on every sample: no gradient passes)`)));
    saturated.forEach((us, k) => us.forEach((i) => list.push(`${name(k + 1, i)} is saturated (${state.layers[k].activation} flat on ≥ 90 % of the batch: f′ ≈ 0)`)));
    units.dataset.dead = JSON.stringify(dead);
    units.dataset.saturated = JSON.stringify(saturated);
    units.textContent = state.dead_units === null
      ? "Dead and saturated units: run Forward to find them."
      : list.length ? `${list.join("; ")}. They are outlined in the network.` : "No dead or saturated units on this batch.";
    this.network.setUnitHealth(dead, saturated);
    const count = list.length;
    this.el.summary.textContent = count ? `· ${count} unit${count === 1 ? "" : "s"} not learning` : "";
    const hidden = this.hiddenLayer();
    now.textContent = state.grad_norms
      ? "This Backward: " + state.grad_norms.map((g, k) => (this.name(k, last) === null ? null
        : `${this.name(k, last)} ‖dW‖ = ${k === hidden ? "hidden until you predict" : fmt(g.W, 3)}`)).filter(Boolean).join(", ") + "."
      : "";
    now.dataset.norms = state.grad_norms ? JSON.stringify(state.grad_norms.map((g, k) => (k === hidden ? null : g.W))) : "";
  }

  describe() {
    const h = this.history;
    const trends = [];
    const last = h ? h.layers.length : 0;
    if (h && h.steps.length) {
      h.layers.forEach((layer, k) => {
        const trend = k === this.hiddenLayer() ? "" : normTrend(layer.W);
        if (trend) trends.push(`${this.name(k, last)}: ${trend === "vanishing" ? "vanishing (‖dW‖ fell below a thousandth of where it started)" : "exploding (‖dW‖ grew a thousandfold, or is no longer finite)"}`);
      });
    }
    this.el.trends.dataset.trends = trends.join("; ");
    this.el.trends.textContent = !h || !h.steps.length ? "The chart fills as you Step or Train."
      : trends.length ? trends.join("; ") + "." : `No layer’s gradients are vanishing or exploding over these ${h.steps[h.steps.length - 1]} steps.`;
  }

  draw() {
    const canvas = this.el.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(120, this.size.width), hgt = Math.max(80, this.size.height);
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(hgt * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const pw = w - M.left - M.right, ph = hgt - M.top - M.bottom;
    ctx.strokeStyle = "#999";
    ctx.strokeRect(M.left + 0.5, M.top + 0.5, pw - 1, ph - 1);
    const h = this.history;
    if (!h || !h.steps.length) return;
    const hidden = this.hiddenLayer();
    const values = h.layers.flatMap((l, k) => (k === hidden ? [] : l.W)).filter((v) => v > 0 && Number.isFinite(v));
    if (!values.length) return;
    // a log scale of whole decades around every norm
    let lo = Math.floor(Math.log10(Math.min(...values))), hi = Math.ceil(Math.log10(Math.max(...values)));
    if (hi === lo) hi += 1;
    const s0 = h.steps[0], s1 = Math.max(h.steps[h.steps.length - 1], s0 + 1);
    const px = (s) => M.left + ((s - s0) / (s1 - s0)) * pw;
    const py = (v) => M.top + ph - ((Math.log10(v) - lo) / (hi - lo)) * ph;
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((hi - lo) / 4));
    for (let e = lo; e <= hi; e += every) ctx.fillText(`1e${e}`, M.left - 4, py(10 ** e));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(`step ${s0}`, M.left + 22, M.top + ph + 4);
    ctx.fillText(String(s1), M.left + pw - 12, M.top + ph + 4);
    h.layers.forEach((layer, k) => {
      if (k === hidden) return;
      ctx.strokeStyle = COLORS[k % COLORS.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      let pen = false;
      layer.W.forEach((v, n) => {
        if (!(v > 0) || !Number.isFinite(v)) { pen = false; return; }
        if (pen) ctx.lineTo(px(h.steps[n]), py(v)); else ctx.moveTo(px(h.steps[n]), py(v));
        pen = true;
      });
      ctx.stroke();
    });
    canvas.dataset.drawn = String(h.steps.length);
    this.renderKey(h.layers.length);
  }

  /** the name of weight layer k ("hidden layer 1"; a CNN's "conv layer 0"), null for a layer
   *  without weights (a pool, flatten) */
  name(k, last) {
    const config = this.store.state?.config;
    return config && isConvConfig(config) ? weightLayerName(config.layers[k], k) : layerName(k + 1, last);
  }

  renderKey(layers) {
    const key = this.doc.getElementById("health-key");
    const items = [];
    for (let k = 0; k < layers; k++) {
      if (k === this.hiddenLayer() || this.name(k, layers) === null) continue;
      const span = this.doc.createElement("span");
      span.style.color = COLORS[k % COLORS.length];
      span.textContent = `━ ${this.name(k, layers)}`;
      items.push(span, " ");
    }
    key.replaceChildren(...items);
  }
}
