// restyling the drawing after each answer: node values and colours, weights, gradient rings and
// halos; attributes are set only when they change (a Play tick restyles hundreds)
import { activationT, diverging, GRAD_NEG, GRAD_POS, logWidth } from "../core/colors.js";
import { fmt } from "../core/format.js";
import { restyleOptions } from "./netoptions.js";
import { fitText, put, quarter } from "./svg.js";

// While Play runs, the weights' lines and halos are restyled at most this often: repainting a
// few hundred curves is most of what a tick costs the machine, and 4 times a second still moves
// smoothly. Everything else follows every tick; Pause draws the last state in full.
const PLAY_EDGE_MS = 250;

/** whether the weights are restyled for this state (always, unless Play is running) */
function edgesDue(view) {
  if (!view.edgesDrawn) return false;
  if (!view.busy) return true;
  const now = performance.now();
  if (now - (view.edgesAt ?? -Infinity) < PLAY_EDGE_MS) return false;
  view.edgesAt = now;
  return true;
}

/** a value short enough for the inside of a node (at most five characters and a sign):
 *  0.35, −12, 0.05, 5e−4, 2e153; the node's panel and its label give it in full */
function short(v) {
  const a = Math.abs(v);
  if (a === 0 || (a >= 0.1 && a < 1000)) return fmt(v, 2);
  if (a >= 0.01 && a < 0.1) return v.toFixed(2).replace(/^-/, "−");
  return v.toExponential(0).replace("+", "").replace(/-/g, "−");
}

/** Restyle from a state: node colours and values, weight colours and widths, gradients. */
export function restyle(view, state) {
  view.lastState = state;
  view.options = state.config.layer_options ?? [];     // the movements' captions say batch norm and dropout
  const sample = state.sample;
  const layers = state.layers;
  // nodes: activation of the selected sample
  for (let L = 0; L <= view.last; L++) {
    const a = L === 0 ? sample.input : sample.layers[L - 1].a;
    const act = L === 0 ? "linear" : layers[L - 1].activation;
    for (let i = 0; i < view.sizes[L]; i++) {
      const n = view.nodes[L][i];
      const v = a ? a[i] : null;
      put(n.body, "fill", diverging(activationT(v, act)));
      fitText(n.value, 2 * n.r - 7, v === null ? "·" : short(v));   // a minus and four digits inside the circle
      n.shown = v;
      n.about = `${n.where} unit ${i + 1}: ${v === null ? "no value yet" : `${L === 0 ? "x" : "a"} = ${fmt(v, 4)}`}`;
    }
  }
  // weights: colour is the sign, width the size
  const edges = edgesDue(view);
  if (edges) {
    for (let L = 1; L <= view.last; L++) {
      const W = layers[L - 1].W;
      for (let i = 0; i < view.sizes[L - 1]; i++) {
        for (let j = 0; j < view.sizes[L]; j++) {
          const e = view.edges[L][i][j];
          const w = W[i][j];
          put(e.w, "stroke", w === null ? "#999" : diverging(w < 0 ? -1 : 1));
          put(e.w, "stroke-width", quarter(w === null ? 1 : Math.min(9, 0.8 + 3.2 * Math.abs(w))));
          if (!view.busy) e.g.dataset.w = String(w);
          e.g.classList.toggle("exercise", `${L}-${i}-${j}` === view.exercise);
        }
      }
    }
  }
  // biases: colour is the sign of b, as for a weight (and, like the weights, at most 4 times a
  // second while Play runs: a small square repainted each tick would raster the weights under it)
  for (let L = 1; L <= view.last && (edges || !view.busy); L++) {
    const b = layers[L - 1].b;
    view.nodes[L].forEach((n, i) => {
      if (!n.bias) return;                 // dots have no bias square: their panel gives b
      put(n.bias.mark, "fill", b[i] === null ? "#999" : diverging(Math.max(-1, Math.min(1, b[i]))));
      if (!view.busy) put(n.bias, "data-b", String(b[i]));
    });
  }
  fitText(view.lossText, view.geo.lossW - 10, `L = ${state.loss === null ? "—" : fmt(state.loss, 4)}`);
  restyleOptions(view, state);
  restyleGradients(view, state, edges);
}

/** Gradient rings and halos, on one fixed log scale (logWidth); whether they show is up to the
 *  lit classes. After Backward: this batch's dW and ∂L/∂z. After a Train or a Play tick: the dW
 *  of the last update (`last_gradients`), lit at once, with no per-sample rings. */
export function restyleGradients(view, state, edges = view.edgesDrawn) {
  const backward = state.phase === "backward";
  const last = !backward && state.last_gradients ? state.last_gradients : null;
  const have = backward || last !== null;
  view.svg.classList.toggle("has-gradients", have);
  view.svg.classList.toggle("last-step", last !== null);
  if (!backward) {
    view.stopAnimation();
    view.clearLit(last !== null);
  }
  const sample = state.sample;
  for (let L = 0; L <= view.last; L++) {
    const dz = L === 0 ? sample.dx : sample.layers[L - 1].dz;
    const da = L === 0 ? sample.dx : sample.layers[L - 1].da;
    for (let i = 0; i < view.sizes[L]; i++) {
      const n = view.nodes[L][i];
      const g = backward && dz ? dz[i] : null;
      const ga = backward && da ? da[i] : null;
      const width = logWidth(g, { perDecade: 1.2, max: 7 });
      put(n.ring, "stroke-width", width.toFixed(2));
      put(n.ring, "r", (n.r + 2 + width / 2).toFixed(2));
      put(n.g, "data-da", ga === null ? "" : `${L === 0 ? "∂L/∂x" : "∂L/∂a"} ${fmt(ga, 3)}`);
      put(n.g, "data-dz", g === null ? "" : `${L === 0 ? "∂L/∂x" : "∂L/∂z"} ${fmt(g, 3)}`);
      n.full = g === null ? "" : `, ∂L/∂a = ${fmt(ga, 4)}, ∂L/∂z = ${fmt(g, 4)}`;
      if (n.bias && (edges || !view.busy)) {         // the bias's own gradient: a halo, as the weights have
        const layer = state.layers[L - 1];
        const db = backward ? layer.db : last ? last[L - 1].db : null;
        const gb = db ? db[i] : null;
        put(n.bias.halo, "stroke-width", quarter(gb === null ? 0 : logWidth(gb, { perDecade: 0.8, max: 5 })));
        put(n.bias.halo, "stroke", gb !== null && gb < 0 ? GRAD_NEG : GRAD_POS);
        if (!view.busy) put(n.bias, "data-db", gb === null ? "" : String(gb));
        n.full += `; bias b = ${fmt(layer.b[i], 4)}${gb === null ? "" : `, db = ${fmt(gb, 4)}`}`;
      }
      showGradText(n);
    }
  }
  if (last) view.caption.textContent = `The halos: each weight’s dW in the last update (step ${state.step}); Forward and Backward give this batch’s.`;
  if (!edges) return;
  for (let L = 1; L <= view.last; L++) {
    const dW = backward ? state.layers[L - 1].dW : last ? last[L - 1].dW : null;
    for (let i = 0; i < view.sizes[L - 1]; i++) {
      for (let j = 0; j < view.sizes[L]; j++) {
        const e = view.edges[L][i][j];
        const g = dW && `${L}-${i}-${j}` !== view.concealedKey ? dW[i][j] : null;
        put(e.grad, "stroke-width", quarter(logWidth(g)));
        put(e.grad, "stroke", g !== null && g < 0 ? GRAD_NEG : GRAD_POS);
        if (last) e.g.classList.add("lit");
        if (view.busy) continue;            // its data-grad and name when Play stops (setBusy)
        if (g === null) delete e.g.dataset.grad;
        else e.g.dataset.grad = String(g);
        const hidden = dW && `${L}-${i}-${j}` === view.concealedKey;
        const about = `weight from ${view.unit(L - 1, i)} to ${view.unit(L, j)}: w = ${fmt(state.layers[L - 1].W[i][j], 4)}`;
        const label = `${about}${g !== null ? `, ${last ? "dW of the last update" : "dW"} = ${fmt(g, 4)}` : hidden ? ", dW hidden: predict it" : ""}`;
        if (e.title.textContent !== label) e.title.textContent = label;
        put(e.g, "aria-label", label);
      }
    }
  }
}

/** a node's screen-reader name: what it shows (its name, value and gradient text), then in full */
export function labelNode(n) {
  // the visible texts first, in the order they are in the drawing (as a screen reader meets them)
  const shown = [n.value, n.name, n.grad].map((t) => t.textContent).filter(Boolean).join(" ");
  put(n.g, "aria-label", `${shown}: ${n.about ?? ""}${n.full ?? ""}`);
}

export function showGradText(n) {
  const cls = n.g.classList;
  let text = cls.contains("lit-dz") ? n.g.dataset.dz : cls.contains("lit-da") ? n.g.dataset.da : "";
  if (n.terse) text = text.replace(/^∂L\/∂[azx] /, "");       // narrow columns: the number alone
  if (n.grad.textContent !== text) n.grad.textContent = text;     // the same text again would lay it out again
  labelNode(n);
}
