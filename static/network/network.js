// the network as SVG: built once per architecture, restyled after every request (netstyle.js),
// its units' pictures painted (netpictures.js), the backward pass played stage by stage (backward.js)
import { activationLabel } from "../core/catalog.js";
import { backwardStages, clearLit } from "./backward.js";
import { clearForward, forwardStages } from "./forward.js";
import { COL, MAX_DRAWN_WEIGHTS, PIC, R, TOP } from "./netlayout.js";
import { layerName, unitName } from "../core/names.js";
import { paintPictures } from "./netpictures.js";
import { restyle, restyleGradients } from "./netstyle.js";
import { StagePlayer } from "./stageplayer.js";
import { svgEl } from "./svg.js";

/** Draws nodes, weights and the loss; reports clicks through `onSelect`. */
export class NetworkView {
  constructor(svg, { caption, skipButton, onSelect }) {
    this.svg = svg;
    this.caption = caption;
    this.skipButton = skipButton;
    this.onSelect = onSelect;
    this.key = null;
    this.player = new StagePlayer({ svg, caption, skipButton });
    this.selected = null;
    this.exercise = null;        // "L-i-j" of the predict exercise's weight
    this.concealedKey = null;    // the same while its dW must not show
    svg.addEventListener("click", (e) => this.pick(e.target));
    svg.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        if (this.pick(e.target)) { e.preventDefault(); e.stopPropagation(); }
      }
    });
    new ResizeObserver(() => this.fit()).observe(svg.parentElement);
  }

  pick(target) {
    const hit = target.closest && target.closest("[data-node],[data-edge],[data-bias]");
    if (!hit) return false;
    if (hit.dataset.node || hit.dataset.bias) {        // a bias opens its unit's panel (b, db)
      const [L, i] = (hit.dataset.node ?? hit.dataset.bias).split("-").map(Number);
      this.onSelect({ kind: "node", L, i });
    } else {
      const [L, i, j] = hit.dataset.edge.split("-").map(Number);
      this.onSelect({ kind: "edge", L, i, j });
    }
    return true;
  }

  /** (Re)build the drawing when sizes, activations or loss changed; true if it did. */
  build(sizes, activations, loss, pictures, features = null) {
    const key = JSON.stringify([sizes, activations, loss, pictures, features]);
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
      sub.textContent = L === 0 ? `${sizes[0]} value${sizes[0] > 1 ? "s" : ""}` : activationLabel(activations[L - 1]);
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
        // the unit's bias: a small square at its top left, coloured by b, with a halo of db
        let bias = null;
        if (L >= 1) {
          bias = svgEl("g", { class: "bias", "data-bias": `${L}-${i}` }, labelLayer);
          bias.halo = svgEl("rect", { x: cx - R - 11, y: cy - R - 4, width: 11, height: 11, rx: 2, class: "bias-halo" }, bias);
          bias.mark = svgEl("rect", { x: cx - R - 11, y: cy - R - 4, width: 11, height: 11, rx: 2, class: "bias-mark" }, bias);
          const t = svgEl("text", { x: cx - R - 5.5, y: cy - R + 4.5, class: "bias-text" }, bias);
          t.textContent = "b";
        }
        // no <title> tooltip: its text would count as text inside the button, not in its name
        this.nodes[L][i] = { g, ring, body, value, grad, picture, name, bias, where: L === 0 ? "input" : layerName(L, this.last) };
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
    restyle(this, state);
  }

  /** The weight of the predict exercise (highlighted, or null), and whether its dW must stay hidden. */
  setExercise(edge, concealed) {
    this.exercise = edge ? `${edge.L}-${edge.i}-${edge.j}` : null;
    this.concealedKey = concealed ? this.exercise : null;
  }

  /** Gradient rings and halos of a state (see restyleGradients). */
  setGradients(state) {
    restyleGradients(this, state);
  }

  /** a unit's name ("h₁₂") */
  unit(L, i) {
    return unitName(L, i, this.last, this.sizes[this.last]);
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

  /** Each unit's picture of its output over the input plane (2-D inputs only). */
  setPictures(pred) {
    paintPictures(this, pred);
  }

  /** While Play runs, the screen-reader names of weights wait (building hundreds of them each
   *  tick is most of a tick's work); they are written once when it stops. */
  setBusy(on) {
    this.busy = on;
    this.svg.classList.toggle("playing", on);
    if (!on && this.lastState) this.update(this.lastState);
  }

  /** Outline the units that pass no gradient: `dead[k]` and `saturated[k]` list units of dense
   *  layer k (node column k + 1). */
  setUnitHealth(dead, saturated) {
    for (let L = 1; L <= (this.last ?? 0); L++) {
      const d = new Set(dead[L - 1] ?? []), s = new Set(saturated[L - 1] ?? []);
      this.nodes[L].forEach((n, i) => {
        if (n.g.classList.contains("dead") !== d.has(i)) n.g.classList.toggle("dead", d.has(i));
        if (n.g.classList.contains("saturated") !== s.has(i)) n.g.classList.toggle("saturated", s.has(i));
      });
    }
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

  clearLit(keepEdges = false) {
    clearLit(this, keepEdges);
  }

  /** Light the gradients layer by layer; at once if `still`. Resolves when done or skipped. */
  playBackward(still) {
    this.stopAnimation();
    this.clearLit();
    return this.player.play(backwardStages(this), still,
      "Gradients computed for every layer, from the loss back to the inputs.");
  }

  /** The forward pass layer by layer; at once if `still`. */
  playForward(still) {
    this.stopAnimation();
    this.clearLit();
    return this.player.play(forwardStages(this), still,
      "Forward done: every z and a of the batch is computed, and the loss.", () => {
        clearForward(this);
        this.lossGroup.classList.remove("current");
      });
  }

  skip() {
    this.player.skip();
  }

  stopAnimation() {
    this.player.stop();
  }

  get animating() {
    return this.player.running;
  }
}
