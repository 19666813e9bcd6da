// the network as SVG: built once per architecture, restyled after every request (netstyle.js),
// its units' pictures painted (netpictures.js), the backward pass played stage by stage (backward.js)
import { activationLabel, lossWords } from "../core/catalog.js";
import { backwardStages, clearLit } from "./backward.js";
import { clearForward, forwardStages } from "./forward.js";
import { geometry, MAX_DRAWN_WEIGHTS, relayout, scaleFor } from "./netlayout.js";
import { edgeAt, setNear } from "./nethit.js";
import { NetworkKeys } from "./netkeys.js";
import { layerName, unitName } from "../core/names.js";
import { paintPictures } from "./netpictures.js";
import { restyle, restyleGradients } from "./netstyle.js";
import { StagePlayer } from "./stageplayer.js";
import { svgEl } from "./svg.js";

/** a movement's stages: one a layer when a stage each for z and a (or ∂L/∂a, ∂L/∂z, dW) would
 *  flash by (more than 8 in its 2 s) */
function movement(stagesOf, view) {
  const full = stagesOf(view);
  return full.length > 8 ? stagesOf(view, true) : full;
}

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
    this.keys = new NetworkKeys(this);
    this.hovered = null;
    svg.addEventListener("click", (e) => this.pick(e.target, e));
    svg.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        if (this.pick(e.target)) { e.preventDefault(); e.stopPropagation(); }
      }
    });
    svg.addEventListener("pointermove", (e) => this.hover(this.itemAt(e.target, e)));
    svg.addEventListener("pointerleave", () => this.hover(null));
    svg.addEventListener("focusin", () => this.showNear());
    svg.addEventListener("focusout", () => this.showNear());
    new ResizeObserver(() => this.fit()).observe(svg.parentElement);
  }

  /** the unit or weight an event is on: a unit (or its bias) as drawn, a weight as the line
   *  nearest the pointer (bands of crossing weights overlap) */
  itemAt(target, e = null) {
    const hit = target.closest && target.closest("[data-node],[data-edge],[data-bias]");
    if (!hit) return null;
    if (hit.dataset.node || hit.dataset.bias) {        // a bias opens its unit's panel (b, db)
      const [L, i] = (hit.dataset.node ?? hit.dataset.bias).split("-").map(Number);
      return { kind: "node", L, i };
    }
    const [L, i, j] = hit.dataset.edge.split("-").map(Number);
    const near = e && e.clientX !== undefined && e.detail !== 0 ? edgeAt(this, e, { L, i, j }) : null;   // detail 0: a key's
    return near ? { kind: "edge", L: near.L, i: near.i, j: near.j } : { kind: "edge", L, i, j };
  }

  /** what a click at client point (x, y) would open, or null */
  itemAtPoint(x, y) {
    const target = document.elementFromPoint(x, y);
    return target && this.svg.contains(target) ? this.itemAt(target, { clientX: x, clientY: y, detail: 1 }) : null;
  }

  pick(target, e = null) {
    const sel = this.itemAt(target, e);
    if (!sel) return false;
    this.picked = e ? "pointer" : "key";      // a key's choice sends the focus to the panel
    this.onSelect(sel);
    return true;
  }

  hover(sel) {
    this.hovered = sel;
    this.showNear();
  }

  /** the weights and units near the learner's attention show in full (setNear) */
  showNear() {
    if (!this.nodes) return;
    const focused = this.svg.contains(document.activeElement) ? this.keys.at : null;
    const exercise = this.exercise ? (([L, i, j]) => ({ kind: "edge", L, i, j }))(this.exercise.split("-").map(Number)) : null;
    setNear(this, [this.selected, this.hovered, focused, exercise], this.hovered ?? focused);
  }

  /** (Re)build the drawing when sizes, activations or loss changed; true if it did. */
  build(sizes, activations, loss, pictures, features = null) {
    const key = JSON.stringify([sizes, activations, loss, pictures, features]);
    if (key === this.key) return false;
    this.key = key;
    this.stopAnimation();          // its last stages belong to the old drawing
    Object.assign(this, { sizes, activations, loss, pictures, last: sizes.length - 1 });
    this.lastState = this.lastPictures = this.health = null;     // the old network's
    this.keys.forget();
    this.draw(geometry(sizes, pictures, this.room()));
    return true;
  }

  /** the room the drawing has (px): its box's width, and the box's height; on a phone, where
   *  the page scrolls and not the box, most of the window's height */
  room() {
    const box = this.svg.parentElement;
    const stacked = window.innerWidth <= 1100;
    return { width: box.clientWidth - 2, height: stacked ? window.innerHeight * 0.8 : box.clientHeight - 4 };
  }

  /** draw the network with layout `geo` (geometry()), from nothing */
  draw(geo) {
    this.stopAnimation();
    this.geo = geo;
    this.drawnIn = this.room();
    const { sizes, activations, loss, pictures, last } = this;
    const { x, y, rows, width, height, lossX, lossY, lossW } = geo;
    this.svg.replaceChildren();
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
    this.svg.classList.toggle("faded", geo.faded);
    // the more weights a layer has, the fainter each (576 at 0.22 were a dark mass)
    const most = Math.max(...sizes.slice(1).map((n, k) => n * sizes[k]));
    this.svg.style.setProperty("--fade", String(Math.max(0.04, Math.min(0.25, 30 / most))));
    this.natural = { width, height };
    this.fit(false);
    const out = (L) => x(L) + rows[L].r + (rows[L].pic ? rows[L].pic + 6 : 0);   // where outgoing weights start
    this.pos = { x, y };

    const titles = svgEl("g", { class: "titles" }, this.svg);
    for (let L = 0; L <= last; L++) {
      const mid = rows[L].pic ? (rows[L].pic + 6) / 2 : 0;
      const t = svgEl("text", { x: x(L) + mid, y: 22, class: "col-title" }, titles);
      t.textContent = L === 0 ? "Inputs" : L === last ? "Output" : `Hidden ${L}`;
      const sub = svgEl("text", { x: x(L) + mid, y: 42, class: "col-sub" }, titles);
      sub.textContent = L === 0 ? `${sizes[0]} value${sizes[0] > 1 ? "s" : ""}` : activationLabel(activations[L - 1]);
    }
    const lt = svgEl("text", { x: lossX, y: 22, class: "col-title" }, titles);
    lt.textContent = "Loss";
    const ls = svgEl("text", { x: lossX, y: 42, class: "col-sub" }, titles);
    ls.textContent = lossWords(loss);

    // weights first, so that nodes are drawn over their ends
    const weights = sizes.slice(1).reduce((sum, n, k) => sum + n * sizes[k], 0);
    this.edgesDrawn = weights <= MAX_DRAWN_WEIGHTS;
    const edgeLayer = svgEl("g", { class: "edges" }, this.svg);
    this.edges = [];   // edges[L][i][j] for L >= 1
    this.curves = [];  // [L, i, j, x1, y1, x2, y2]: each weight's line, for the nearest one to a click
    for (let L = 1; L <= last && this.edgesDrawn; L++) {
      this.edges[L] = [];
      for (let i = 0; i < sizes[L - 1]; i++) {
        this.edges[L][i] = [];
        for (let j = 0; j < sizes[L]; j++) {
          const x1 = out(L - 1), y1 = y(L - 1, i), x2 = x(L) - rows[L].r, y2 = y(L, j);
          const c = (x1 + x2) / 2;
          const d = `M${x1},${y1} C${c},${y1} ${c},${y2} ${x2},${y2}`;
          const g = svgEl("g", { class: "edge", "data-edge": `${L}-${i}-${j}`, tabindex: "-1", role: "button" }, edgeLayer);
          // a band around the curve shows the pointer a weight is there (which one: the nearest)
          const band = `M${x1},${y1 - 6} C${c},${y1 - 6} ${c},${y2 - 6} ${x2},${y2 - 6} ` +
                       `L${x2},${y2 + 6} C${c},${y2 + 6} ${c},${y1 + 6} ${x1},${y1 + 6} Z`;
          svgEl("path", { d: band, class: "hit" }, g);
          const grad = svgEl("path", { d, class: "g" }, g);     // dW's halo, under the weight
          const w = svgEl("path", { d, class: "w" }, g);
          const title = svgEl("title", {}, g);
          this.edges[L][i][j] = { g, w, grad, title };
          this.curves.push([L, i, j, x1, y1, x2, y2]);
        }
      }
    }
    if (!this.edgesDrawn) {
      const note = svgEl("text", { x: width / 2, y: height - 4, class: "note" }, this.svg);
      note.textContent = `${weights} weights are too many to draw one by one; click a node to see its numbers.`;
    }

    // links from the output units to the loss
    const links = svgEl("g", { class: "loss-links" }, this.svg);
    for (let i = 0; i < sizes[last]; i++) {
      svgEl("line", { x1: out(last), y1: y(last, i), x2: lossX - lossW / 2, y2: lossY }, links);
    }
    const lossG = svgEl("g", { class: "loss-node", "data-role": "loss-node" }, this.svg);
    svgEl("rect", { x: lossX - lossW / 2, y: lossY - 26, width: lossW, height: 52, rx: 10 }, lossG);
    this.lossText = svgEl("text", { x: lossX, y: lossY + 6 }, lossG);
    this.lossText.textContent = "L = —";
    this.lossGroup = lossG;

    const nodeLayer = svgEl("g", { class: "nodes" }, this.svg);
    // a unit's name and its gradient's text sit beside its button, not in it: a button's visible
    // text must be part of its name, and the button's name reads them anyway (labelNode)
    const labelLayer = svgEl("g", { class: "labels", "aria-hidden": "true" }, this.svg);
    this.nodes = [];
    for (let L = 0; L <= last; L++) {
      this.nodes[L] = [];
      const { r, pic, tier } = rows[L];
      const t = `tier-${tier}`;          // what this layer's units show (netlayout's tiers)
      for (let i = 0; i < sizes[L]; i++) {
        const cx = x(L), cy = y(L, i);
        const g = svgEl("g", { class: `node ${t}`, "data-node": `${L}-${i}`, tabindex: "-1", role: "button" }, nodeLayer);
        // the node and its picture take the clicks as one (between them is not the background)
        svgEl("rect", { x: cx - r - 4, y: cy - r - 4, width: 2 * r + 8 + (pic ? pic + 6 : 0), height: 2 * r + 8,
                        class: "hit" }, g);
        const ring = svgEl("circle", { cx, cy, r: r + 4, class: "ring" }, g);
        const body = svgEl("circle", { cx, cy, r, class: "body" }, g);
        const value = svgEl("text", { x: cx, y: cy + 5, class: "value" }, g);
        const name = svgEl("text", { x: cx, y: cy - r - 4, class: `name ${t}` }, labelLayer);   // above: clear of the weights
        name.textContent = unitName(L, i, last, sizes[last]);
        // an input's gradient text starts at its unit (centred, it would leave the drawing)
        const grad = svgEl("text", L === 0 ? { x: cx - r, y: cy + r + 13, class: `gradtext start ${t}` }
                                           : { x: cx, y: cy + r + 13, class: `gradtext ${t}` }, labelLayer);
        let picture = null;
        if (pic) {
          // a canvas of its own, painted in place each time (a PNG per unit per Play tick cost more)
          const box = svgEl("foreignObject", { x: cx + r + 6, y: cy - pic / 2, width: pic, height: pic,
                                               class: "picture" }, g);
          picture = document.createElement("canvas");
          picture.className = "picture-canvas";
          picture.setAttribute("aria-hidden", "true");     // the unit's button says what it is
          box.append(picture);
          svgEl("rect", { x: cx + r + 6, y: cy - pic / 2, width: pic, height: pic, class: "frame" }, g);
        }
        // the unit's bias: a small square at its top left, coloured by b, with a halo of db
        let bias = null;
        if (L >= 1 && tier !== "dots") {
          bias = svgEl("g", { class: "bias", "data-bias": `${L}-${i}` }, labelLayer);
          const at = { x: cx - r - 14, y: cy - r - 4, width: 14, height: 14, rx: 2 };
          bias.halo = svgEl("rect", { ...at, class: "bias-halo" }, bias);
          bias.mark = svgEl("rect", { ...at, class: "bias-mark" }, bias);
          const t = svgEl("text", { x: at.x + 7, y: at.y + 11, class: "bias-text" }, bias);
          t.textContent = "b";
        }
        // no <title> tooltip: its text would count as text inside the button, not in its name
        this.nodes[L][i] = { g, ring, body, value, grad, picture, name, bias, r, tier, terse: geo.terse, where: L === 0 ? "input" : layerName(L, last) };
      }
    }
    this.peek = svgEl("text", { class: "peek", "aria-hidden": "true" }, this.svg);   // a dot's name and value
    this.keys.built();
    if (this.selected) this.setSelected(this.selected);
    this.svg.parentElement.scrollTop = 0;
  }

  /** draw again for another room (a resize past a layout's tier), with everything it showed */
  redraw(geo) {
    this.redraws = (this.redraws ?? 0) + 1;
    const caption = this.caption.textContent;       // what it said (looking back, say) stays said
    this.draw(geo);
    if (!this.lastState) return;
    this.update(this.lastState);
    this.caption.textContent = caption;
    if (this.lastPictures) this.setPictures(this.lastPictures);
    if (this.health) this.setUnitHealth(...this.health);
    if (this.lastState.phase === "backward") this.player.play(backwardStages(this), true, "");
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

  /** Size the drawing to the room it has (scaleFor); a room that asks for another layout (a
   *  phone turned, a window resized past a tier) draws it again, unless a movement is playing. */
  fit(again = true) {
    if (!this.natural) return;
    const room = this.room();
    // a room a few pixels different (a line of text come or gone) keeps the drawing: only
    // scaled, it cannot flip between two layouts
    const moved = (a, b) => Math.abs(a - b) > 0.08 * b;
    if (again && !this.animating && (moved(room.width, this.drawnIn.width) || moved(room.height, this.drawnIn.height))) {
      const geo = geometry(this.sizes, this.pictures, room);
      if (relayout(this.geo, geo)) { this.redraw(geo); return; }
    }
    const scale = scaleFor(this.natural, room);
    this.svg.style.width = `${Math.round(this.natural.width * scale)}px`;
    this.svg.style.height = `${Math.round(this.natural.height * scale)}px`;
    this.scale = scale;
  }

  /** Each unit's picture of its output over the input plane (2-D inputs only). */
  setPictures(pred) {
    this.lastPictures = pred;
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
    this.health = [dead, saturated];
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
    if (!sel) { this.showNear(); return; }
    const q = sel.kind === "node" ? `[data-node="${sel.L}-${sel.i}"]` : `[data-edge="${sel.L}-${sel.i}-${sel.j}"]`;
    const hit = this.svg.querySelector(q);
    if (hit) hit.classList.add("selected");
    if (hit) this.keys.hold(sel);
    this.showNear();
  }

  /** the network's Tab stop gets the focus again (a panel closed from the keyboard) */
  focus() {
    const el = this.keys.current();
    if (el) el.focus();
  }

  clearLit(keepEdges = false) {
    clearLit(this, keepEdges);
  }

  /** Light the gradients layer by layer; at once if `still`. Resolves when done or skipped. */
  playBackward(still) {
    this.stopAnimation();
    this.clearLit();
    return this.player.play(movement(backwardStages, this), still,
      "Gradients computed for every layer, from the loss back to the inputs.");
  }

  /** The forward pass layer by layer; at once if `still`. */
  playForward(still) {
    this.stopAnimation();
    this.clearLit();
    return this.player.play(movement(forwardStages, this), still,
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
