// the network as SVG: built once per architecture, restyled after every request
import { activationT, diverging, divergingBytes, GRAD_NEG, GRAD_POS, logWidth } from "./colors.js";
import { fmt, subscript } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const R = 19;             // node radius
const PIC = 40;           // side of a unit's picture
const COL = 175;          // distance between layer columns
const TOP = 58;           // room for the column titles
const MAX_DRAWN_WEIGHTS = 3000;
const STAGE_MS = 520;     // one stage of the backward movement

function svgEl(tag, attrs = {}, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

/** "hidden layer 1", "output layer", "input" for node layer L of a net with `last` as output */
export function layerName(L, last) {
  if (L === 0) return "input";
  if (L === last) return "output layer";
  return `hidden layer ${L}`;
}

/** "x₁", "h₁₂" (layer 1, unit 2), "ŷ₁": one-based names learners can say aloud */
export function unitName(L, i, last, outputs) {
  if (L === 0) return `x${subscript(i + 1)}`;
  if (L === last) return outputs > 1 ? `ŷ${subscript(i + 1)}` : "ŷ";
  return `h${subscript(L)}${subscript(i + 1)}`;
}

const ACT_LABEL = { sigmoid: "sigmoid σ", tanh: "tanh", relu: "ReLU", leaky_relu: "leaky ReLU",
                    linear: "linear", softmax: "softmax" };

/** a value short enough for the inside of a node (at most five characters and a sign):
 *  0.35, −12, 0.05, 5e−4, 2e153; the node's panel and its label give it in full */
function short(v) {
  const a = Math.abs(v);
  if (a === 0 || (a >= 0.1 && a < 1000)) return fmt(v, 2);
  if (a >= 0.01 && a < 0.1) return v.toFixed(2).replace(/^-/, "−");
  return v.toExponential(0).replace("+", "").replace(/-/g, "−");
}

/** squeeze an SVG text into `width` when it is longer (a long loss such as 1.197×10⁻⁵); its
 *  length is measured once per text (a measure after every change would lay the page out
 *  again for each node, every Play tick) */
function fitText(text, width, content) {
  if (text.textContent === content) return;
  text.textContent = content;
  text.removeAttribute("textLength");
  text.removeAttribute("lengthAdjust");
  if (textWidth(content, text === undefined ? "" : text.getAttribute("class")) > width) {
    text.setAttribute("textLength", width);
    text.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }
}
const FONTS = { value: "600 13px system-ui, sans-serif" };   // as style.css sets them
let measurer = null;

/** a text's width in the drawing's units, measured on a canvas (no layout of the page) */
function textWidth(content, cls) {
  measurer = measurer ?? document.createElement("canvas").getContext("2d");
  measurer.font = FONTS[cls] ?? "700 16px system-ui, sans-serif";
  return measurer.measureText(content).width;
}

/** a width to the nearest quarter of a unit: what an eye can tell apart, and a line whose width
 *  moved less than that is not drawn again */
const quarter = (x) => (Math.round(x * 4) / 4).toFixed(2);

/** set an attribute only when its value changes (a restyle per Play tick touches hundreds) */
function put(el, name, value) {
  const cache = el._put ?? (el._put = {});
  if (cache[name] === value) return;
  cache[name] = value;
  el.setAttribute(name, value);
}

/** Draws nodes, weights and the loss; reports clicks through `onSelect`. */
export class NetworkView {
  constructor(svg, { caption, skipButton, onSelect }) {
    this.svg = svg;
    this.caption = caption;
    this.skipButton = skipButton;
    this.onSelect = onSelect;
    this.key = null;
    this.timer = null;
    this.finish = null;
    this.selected = null;
    this.exercise = null;        // "L-i-j" of the predict exercise's weight
    this.concealedKey = null;    // the same while its dW must not show
    svg.addEventListener("click", (e) => this.pick(e.target));
    svg.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        if (this.pick(e.target)) { e.preventDefault(); e.stopPropagation(); }
      }
    });
    skipButton.addEventListener("click", () => this.skip());
    new ResizeObserver(() => this.fit()).observe(svg.parentElement);
  }

  pick(target) {
    const hit = target.closest && target.closest("[data-node],[data-edge]");
    if (!hit) return false;
    if (hit.dataset.node) {
      const [L, i] = hit.dataset.node.split("-").map(Number);
      this.onSelect({ kind: "node", L, i });
    } else {
      const [L, i, j] = hit.dataset.edge.split("-").map(Number);
      this.onSelect({ kind: "edge", L, i, j });
    }
    return true;
  }

  /** (Re)build the drawing when sizes, activations or loss changed; true if it did. */
  build(sizes, activations, loss, pictures) {
    const key = JSON.stringify([sizes, activations, loss, pictures]);
    if (key === this.key) return false;
    this.key = key;
    this.stopAnimation();
    this.sizes = sizes;
    this.activations = activations;
    this.loss = loss;
    this.pictures = pictures;
    this.last = sizes.length - 1;
    this.svg.replaceChildren();

    const maxUnits = Math.max(...sizes);
    const rowH = pictures ? 74 : 66;   // a tall net keeps its rows: its box scrolls (fit())
    const col = this.last <= 2 ? COL : this.last === 3 ? 150 : 128;   // deep nets sit closer
    const height = TOP + maxUnits * rowH + 16;
    const width = 60 + this.last * col + (pictures ? PIC + 8 : 0) + 160;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
    this.natural = { width, height };
    this.fit();
    const x = (L) => 60 + L * col;
    const y = (L, i) => TOP + ((maxUnits - sizes[L]) * rowH) / 2 + (i + 0.5) * rowH;
    const out = (L) => x(L) + R + (pictures ? PIC + 8 : 0);   // where outgoing weights start
    this.pos = { x, y };

    const titles = svgEl("g", { class: "titles" }, this.svg);
    for (let L = 0; L <= this.last; L++) {
      const name = L === 0 ? "Inputs" : L === this.last ? "Output" : `Hidden ${L}`;
      const t = svgEl("text", { x: x(L) + (pictures ? (PIC + 8) / 2 : 0), y: 22, class: "col-title" }, titles);
      t.textContent = name;
      const sub = svgEl("text", { x: x(L) + (pictures ? (PIC + 8) / 2 : 0), y: 42, class: "col-sub" }, titles);
      sub.textContent = L === 0 ? `${sizes[0]} value${sizes[0] > 1 ? "s" : ""}` : ACT_LABEL[activations[L - 1]];
    }
    const lossX = x(this.last) + (pictures ? PIC + 8 : 0) + 95;
    const lt = svgEl("text", { x: lossX, y: 22, class: "col-title" }, titles);
    lt.textContent = "Loss";
    const ls = svgEl("text", { x: lossX, y: 42, class: "col-sub" }, titles);
    ls.textContent = loss;

    // weights first, so that nodes are drawn over their ends
    const weights = sizes.slice(1).reduce((sum, n, k) => sum + n * sizes[k], 0);
    this.edgesDrawn = weights <= MAX_DRAWN_WEIGHTS;
    const focusable = weights <= 80;
    const edgeLayer = svgEl("g", { class: "edges" }, this.svg);
    this.edges = [];   // edges[L][i][j] for L >= 1
    for (let L = 1; L <= this.last && this.edgesDrawn; L++) {
      this.edges[L] = [];
      for (let i = 0; i < sizes[L - 1]; i++) {
        this.edges[L][i] = [];
        for (let j = 0; j < sizes[L]; j++) {
          const x1 = out(L - 1), y1 = y(L - 1, i), x2 = x(L) - R, y2 = y(L, j);
          const mid = (x1 + x2) / 2;
          const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
          const g = svgEl("g", { class: "edge", "data-edge": `${L}-${i}-${j}` }, edgeLayer);
          if (focusable) { g.setAttribute("tabindex", "0"); g.setAttribute("role", "button"); }
          // a band around the curve takes the clicks (a flat line would have an empty bounding box)
          const band = `M${x1},${y1 - 6} C${mid},${y1 - 6} ${mid},${y2 - 6} ${x2},${y2 - 6} ` +
                       `L${x2},${y2 + 6} C${mid},${y2 + 6} ${mid},${y1 + 6} ${x1},${y1 + 6} Z`;
          svgEl("path", { d: band, class: "hit" }, g);
          const grad = svgEl("path", { d, class: "g" }, g);     // dW's halo, under the weight
          const w = svgEl("path", { d, class: "w" }, g);
          const title = svgEl("title", {}, g);
          this.edges[L][i][j] = { g, w, grad, title };
        }
      }
    }
    if (!this.edgesDrawn) {
      const note = svgEl("text", { x: width / 2, y: height - 4, class: "note" }, this.svg);
      note.textContent = `${weights} weights are too many to draw one by one; click a node to see its numbers.`;
    }

    // links from the output units to the loss
    const lossY = TOP + (maxUnits * rowH) / 2;
    const links = svgEl("g", { class: "loss-links" }, this.svg);
    for (let i = 0; i < sizes[this.last]; i++) {
      svgEl("line", { x1: out(this.last), y1: y(this.last, i), x2: lossX - 56, y2: lossY }, links);
    }
    const lossG = svgEl("g", { class: "loss-node", "data-role": "loss-node" }, this.svg);
    svgEl("rect", { x: lossX - 56, y: lossY - 26, width: 112, height: 52, rx: 10 }, lossG);
    this.lossText = svgEl("text", { x: lossX, y: lossY + 6 }, lossG);
    this.lossText.textContent = "L = —";
    this.lossGroup = lossG;

    const nodeLayer = svgEl("g", { class: "nodes" }, this.svg);
    // a unit's name and its gradient's text sit beside its button, not in it: a button's visible
    // text must be part of its name, and the button's name reads them anyway (labelNode)
    const labelLayer = svgEl("g", { class: "labels", "aria-hidden": "true" }, this.svg);
    this.nodes = [];
    for (let L = 0; L <= this.last; L++) {
      this.nodes[L] = [];
      for (let i = 0; i < sizes[L]; i++) {
        const cx = x(L), cy = y(L, i);
        const g = svgEl("g", { class: "node", "data-node": `${L}-${i}`, tabindex: "0", role: "button" }, nodeLayer);
        // the node and its picture take the clicks as one (between them is not the background)
        svgEl("rect", { x: cx - R - 4, y: cy - R - 4, width: 2 * R + 8 + (pictures ? PIC + 6 : 0), height: 2 * R + 8,
                        class: "hit" }, g);
        const ring = svgEl("circle", { cx, cy, r: R + 4, class: "ring" }, g);
        const body = svgEl("circle", { cx, cy, r: R, class: "body" }, g);
        const value = svgEl("text", { x: cx, y: cy + 5, class: "value" }, g);
        const name = svgEl("text", { x: cx, y: cy - R - 8, class: "name" }, labelLayer);   // above: clear of the weights
        name.textContent = unitName(L, i, this.last, sizes[this.last]);
        const grad = svgEl("text", { x: cx, y: cy + R + 15, class: "gradtext" }, labelLayer);
        let picture = null;
        if (pictures) {
          // a canvas of its own, painted in place each time (a PNG per unit per Play tick cost more)
          const box = svgEl("foreignObject", { x: cx + R + 6, y: cy - PIC / 2, width: PIC, height: PIC,
                                               class: "picture" }, g);
          picture = document.createElement("canvas");
          picture.className = "picture-canvas";
          picture.setAttribute("aria-hidden", "true");     // the unit's button says what it is
          box.append(picture);
          svgEl("rect", { x: cx + R + 6, y: cy - PIC / 2, width: PIC, height: PIC, class: "frame" }, g);
        }
        // no <title> tooltip: its text would count as text inside the button, not in its name
        this.nodes[L][i] = { g, ring, body, value, grad, picture, name, where: L === 0 ? "input" : layerName(L, this.last) };
      }
    }
    if (this.selected) this.setSelected(this.selected);
    // a tall net's box scrolls: start at its middle, where the output and the loss are
    const box = this.svg.parentElement;
    box.scrollTop = Math.max(0, (box.scrollHeight - box.clientHeight) / 2);
    return true;
  }

  /** Restyle from a state: node colours and values, weight colours and widths, gradients. */
  update(state) {
    this.lastState = state;
    const sample = state.sample;
    const layers = state.layers;
    const name = (L, i) => unitName(L, i, this.last, this.sizes[this.last]);
    // nodes: activation of the selected sample
    for (let L = 0; L <= this.last; L++) {
      const a = L === 0 ? sample.input : sample.layers[L - 1].a;
      const act = L === 0 ? "linear" : layers[L - 1].activation;
      for (let i = 0; i < this.sizes[L]; i++) {
        const n = this.nodes[L][i];
        const v = a ? a[i] : null;
        put(n.body, "fill", diverging(activationT(v, act)));
        fitText(n.value, 2 * R - 7, v === null ? "·" : short(v));   // a minus and four digits inside the circle
        n.about = `${n.where} unit ${i + 1}: ${v === null ? "no value yet" : `${L === 0 ? "x" : "a"} = ${fmt(v, 4)}`}`;
      }
    }
    // weights: colour is the sign, width the size
    if (this.edgesDrawn) {
      for (let L = 1; L <= this.last; L++) {
        const W = layers[L - 1].W;
        for (let i = 0; i < this.sizes[L - 1]; i++) {
          for (let j = 0; j < this.sizes[L]; j++) {
            const e = this.edges[L][i][j];
            const w = W[i][j];
            put(e.w, "stroke", w === null ? "#999" : diverging(w < 0 ? -1 : 1));
            put(e.w, "stroke-width", quarter(w === null ? 1 : Math.min(9, 0.8 + 3.2 * Math.abs(w))));
            if (!this.busy) e.g.dataset.w = String(w);
            e.g.classList.toggle("exercise", `${L}-${i}-${j}` === this.exercise);
          }
        }
      }
    }
    fitText(this.lossText, 104, `L = ${state.loss === null ? "—" : fmt(state.loss, 4)}`);
    this.setGradients(state);
  }

  /** The weight of the predict exercise (highlighted, or null), and whether its dW must stay hidden. */
  setExercise(edge, concealed) {
    this.exercise = edge ? `${edge.L}-${edge.i}-${edge.j}` : null;
    this.concealedKey = concealed ? this.exercise : null;
  }

  /** Gradient rings and halos, on one fixed log scale (logWidth); whether they show is up to the
   *  lit classes. After Backward: this batch's dW and ∂L/∂z. After a Train or a Play tick: the dW
   *  of the last update (`last_gradients`), lit at once, with no per-sample rings. */
  setGradients(state) {
    const backward = state.phase === "backward";
    const last = !backward && state.last_gradients ? state.last_gradients : null;
    const have = backward || last !== null;
    this.svg.classList.toggle("has-gradients", have);
    this.svg.classList.toggle("last-step", last !== null);
    if (!backward) {
      this.stopAnimation();
      this.clearLit();
    }
    const sample = state.sample;
    for (let L = 0; L <= this.last; L++) {
      const dz = L === 0 ? sample.dx : sample.layers[L - 1].dz;
      const da = L === 0 ? sample.dx : sample.layers[L - 1].da;
      for (let i = 0; i < this.sizes[L]; i++) {
        const n = this.nodes[L][i];
        const g = backward && dz ? dz[i] : null;
        const ga = backward && da ? da[i] : null;
        const width = logWidth(g, { perDecade: 1.2, max: 7 });
        put(n.ring, "stroke-width", width.toFixed(2));
        put(n.ring, "r", (R + 2 + width / 2).toFixed(2));
        n.g.dataset.da = ga === null ? "" : `${L === 0 ? "∂L/∂x" : "∂L/∂a"} ${fmt(ga, 3)}`;
        n.g.dataset.dz = g === null ? "" : `${L === 0 ? "∂L/∂x" : "∂L/∂z"} ${fmt(g, 3)}`;
        n.full = g === null ? "" : `, ∂L/∂a = ${fmt(ga, 4)}, ∂L/∂z = ${fmt(g, 4)}`;
        this.showGradText(n);
      }
    }
    if (!this.edgesDrawn) return;
    for (let L = 1; L <= this.last; L++) {
      const dW = backward ? state.layers[L - 1].dW : last ? last[L - 1].dW : null;
      for (let i = 0; i < this.sizes[L - 1]; i++) {
        for (let j = 0; j < this.sizes[L]; j++) {
          const e = this.edges[L][i][j];
          const g = dW && `${L}-${i}-${j}` !== this.concealedKey ? dW[i][j] : null;
          put(e.grad, "stroke-width", quarter(logWidth(g)));
          put(e.grad, "stroke", g !== null && g < 0 ? GRAD_NEG : GRAD_POS);
          if (last) e.g.classList.add("lit");
          if (this.busy) continue;            // its data-grad and name when Play stops (setBusy)
          if (g === null) delete e.g.dataset.grad;
          else e.g.dataset.grad = String(g);
          const hidden = dW && `${L}-${i}-${j}` === this.concealedKey;
          const about = `weight from ${this.unit(L - 1, i)} to ${this.unit(L, j)}: w = ${fmt(state.layers[L - 1].W[i][j], 4)}`;
          const label = `${about}${g !== null ? `, ${last ? "dW of the last update" : "dW"} = ${fmt(g, 4)}` : hidden ? ", dW hidden: predict it" : ""}`;
          if (e.title.textContent !== label) e.title.textContent = label;
          put(e.g, "aria-label", label);
        }
      }
    }
    if (last) this.caption.textContent = `The halos: each weight’s dW in the last update (step ${state.step}); Forward and Backward give this batch’s.`;
  }

  /** a unit's name ("h₁₂") */
  unit(L, i) {
    return unitName(L, i, this.last, this.sizes[this.last]);
  }

  /** a node's screen-reader name: what it shows (its name, value and gradient text), then in full */
  labelNode(n) {
    // the visible texts first, in the order they are in the drawing (as a screen reader meets them)
    const shown = [n.value, n.name, n.grad].map((t) => t.textContent).filter(Boolean).join(" ");
    put(n.g, "aria-label", `${shown}: ${n.about ?? ""}${n.full ?? ""}`);
  }

  showGradText(n) {
    const cls = n.g.classList;
    n.grad.textContent = cls.contains("lit-dz") ? n.g.dataset.dz : cls.contains("lit-da") ? n.g.dataset.da : "";
    this.labelNode(n);
  }

  /** Size the drawing to the room it has: it shrinks to fit the column's height (so the Drive
   *  bar, the network and the loss are on one screen) down to 70 % of its natural size, below
   *  which text would be too small to read; past that its box scrolls. */
  fit() {
    if (!this.natural) return;
    const box = this.svg.parentElement;
    const stacked = window.innerWidth <= 1100;      // one column: the page scrolls, not the box
    const roomH = stacked ? window.innerHeight * 0.8 : box.clientHeight - 4;
    const roomW = box.clientWidth - 2;
    const { width, height } = this.natural;
    const scale = Math.max(0.7, Math.min(1.25, roomW / width, roomH > 120 ? roomH / height : 1));
    this.svg.style.width = `${Math.round(width * scale)}px`;
    this.svg.style.height = `${Math.round(height * scale)}px`;
    this.scale = scale;
  }

  /** Each unit's picture of its output over the input plane (2-D inputs only), painted on its
   *  own canvas. */
  setPictures(pred) {
    if (!this.pictures || !pred || pred.kind !== "grid" || !pred.units) return;
    const res = pred.unit_resolution;
    const paint = (canvas, valueAt, act) => {
      if (canvas.width !== res) canvas.width = canvas.height = res;
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(res, res);
      for (let r = 0; r < res; r++) {
        for (let c = 0; c < res; c++) {
          // row r of the grid is y from low to high; canvas rows go top down
          const [R_, G, B] = divergingBytes(activationT(valueAt(r, c), act));
          const p = ((res - 1 - r) * res + c) * 4;
          img.data[p] = R_; img.data[p + 1] = G; img.data[p + 2] = B; img.data[p + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
      canvas.dataset.painted = "true";
    };
    const [[x0, x1], [y0, y1]] = pred.bounds;
    const span = (lo, hi, t) => lo + (hi - lo) * t;
    const inputs = [
      (r, c) => span(x0, x1, c / (res - 1)),
      (r, c) => span(y0, y1, r / (res - 1)),
    ];
    for (let i = 0; i < this.sizes[0]; i++) paint(this.nodes[0][i].picture, inputs[i], "linear");
    for (let L = 1; L <= this.last; L++) {
      const act = this.activations[L - 1];
      for (let i = 0; i < this.sizes[L]; i++) {
        const values = pred.units[L - 1][i];
        paint(this.nodes[L][i].picture, (r, c) => values[r * res + c], act);
      }
    }
  }

  /** While Play runs, the screen-reader names of weights wait (building hundreds of them each
   *  tick is most of a tick's work); they are written once when it stops. */
  setBusy(on) {
    this.busy = on;
    this.svg.classList.toggle("playing", on);
    if (!on && this.lastState) this.update(this.lastState);
  }

  /** Outline the clicked node or weight. */
  setSelected(sel) {
    this.selected = sel;
    for (const old of this.svg.querySelectorAll(".selected")) old.classList.remove("selected");
    if (!sel) return;
    const q = sel.kind === "node" ? `[data-node="${sel.L}-${sel.i}"]` : `[data-edge="${sel.L}-${sel.i}-${sel.j}"]`;
    const hit = this.svg.querySelector(q);
    if (hit) hit.classList.add("selected");
  }

  clearLit() {
    for (const cls of ["lit", "lit-da", "lit-dz", "current"]) {
      for (const node of this.svg.querySelectorAll(`.${cls}`)) node.classList.remove(cls);
    }
    for (const row of this.nodes ?? []) for (const n of row) this.showGradText(n);
    this.caption.textContent = "";
  }

  /** The stages of the backward movement: from the loss, layer by layer, back to the inputs. */
  stages() {
    const list = [{ caption: "The loss starts it: ∂L/∂L = 1, and the loss gives ∂L/∂a of each output.", apply: () => this.lossGroup.classList.add("lit") }];
    for (let L = this.last; L >= 1; L--) {
      const where = L === this.last ? "Output layer" : `Hidden layer ${L}`;
      const nodes = this.nodes[L];
      const edges = this.edgesDrawn ? this.edges[L].flat() : [];
      const fused = this.activations[L - 1] === "softmax";
      list.push({
        caption: L === this.last
          ? `${where}: ∂L/∂a, how the loss changes with each output.`
          : `${where}: ∂L/∂a = Σ ∂L/∂z · w, gathered back along the weights of the layer after it.`,
        apply: () => nodes.forEach((n) => { n.g.classList.add("lit-da", "current"); this.showGradText(n); }),
      });
      list.push({
        caption: fused ? `${where}: ∂L/∂z = (a − y)/n (softmax and cross-entropy together).`
                       : `${where}: ∂L/∂z = f′(z) · ∂L/∂a (dark rings: |∂L/∂z|, wider for larger).`,
        apply: () => nodes.forEach((n) => { n.g.classList.add("lit-dz"); this.showGradText(n); }),
      });
      list.push({
        caption: `Weights into the ${where.toLowerCase()}: dW = a_prevᵀ · ∂L/∂z, summed over the batch (halos: purple dW > 0, green dW < 0).`,
        apply: () => {
          nodes.forEach((n) => n.g.classList.remove("current"));
          edges.forEach((e) => e.g.classList.add("lit"));
        },
      });
    }
    list.push({
      caption: "Inputs: ∂L/∂x, the end of the chain. Every weight now has its gradient: Step will use them.",
      apply: () => this.nodes[0].forEach((n) => { n.g.classList.add("lit-da", "lit-dz"); this.showGradText(n); }),
    });
    return list;
  }

  /** Light the gradients layer by layer; at once if `still`. Resolves when done or skipped. */
  playBackward(still) {
    this.stopAnimation();
    this.clearLit();
    const stages = this.stages();
    if (still) {
      stages.forEach((s) => s.apply());
      this.caption.textContent = "Gradients computed for every layer, from the loss back to the inputs.";
      return Promise.resolve();
    }
    this.svg.dataset.animating = "true";
    this.svg.classList.add("animating");
    this.skipButton.hidden = false;
    return new Promise((resolve) => {
      let k = 0;
      const done = () => {
        while (k < stages.length) stages[k++].apply();
        for (const n of this.svg.querySelectorAll(".current")) n.classList.remove("current");
        this.timer = null;
        this.finish = null;
        this.svg.dataset.animating = "false";
        this.svg.classList.remove("animating");
        this.skipButton.hidden = true;
        resolve();
      };
      const next = () => {
        if (k >= stages.length) return done();
        this.caption.textContent = stages[k].caption;
        stages[k++].apply();
        this.timer = setTimeout(next, STAGE_MS);
      };
      this.finish = done;
      next();
    });
  }

  /** Jump to the end of the movement. */
  skip() {
    if (this.timer) clearTimeout(this.timer);
    if (this.finish) {
      this.finish();
      this.caption.textContent = "Gradients computed for every layer, from the loss back to the inputs.";
    }
  }

  stopAnimation() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.finish) {
      const finish = this.finish;
      this.finish = null;
      finish();
    }
    this.svg.dataset.animating = "false";
    this.svg.classList.remove("animating");
    this.skipButton.hidden = true;
  }

  get animating() {
    return this.timer !== null;
  }
}
