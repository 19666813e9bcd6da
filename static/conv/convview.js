// a CNN session on screen, in place of the dense network's SVG: the followed image, each layer as
// a stage (kernels, feature maps, pools, the dense end), rebuilt only when the architecture
// changes, repainted after every state; a click on a kernel weight, a pixel or a map cell selects it
import { sampleName } from "../core/names.js";
import { convStage, inputStage, poolStage } from "./convstages.js";
import { denseStage, flattenStage } from "./densestage.js";
import { kernelFootprint, layerShapes, seenBy, shapeText, windowOrigin } from "./convmath.js";

const HOOKS = "[data-kernel],[data-pixel],[data-cell],[data-pool]";
const KINDS = { kernel: ["layer", "o", "c", "u", "v"], pixel: ["layer", "c", "r", "s"], cell: ["layer", "o", "r", "s"],
                pool: ["layer", "c", "r", "s"] };

/** the selection a hook's data attribute names: {kind, layer, …} */
export function selectionOf(dataset) {
  for (const [kind, keys] of Object.entries(KINDS)) {
    const value = dataset[kind];
    if (value !== undefined) {
      const numbers = value.split(",").map(Number);
      return Object.fromEntries([["kind", kind], ...keys.map((key, n) => [key, numbers[n]])]);
    }
  }
  return null;
}

/** Draws a CNN session into `root`; reports clicks through `onSelect(selection)`. */
export class ConvView {
  constructor(root, { onSelect }) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.key = null;
    this.stages = [];
    const pick = (target) => {
      const hit = target.closest && target.closest(HOOKS);
      if (!hit) return false;
      onSelect(selectionOf(hit.dataset));
      return true;
    };
    root.addEventListener("click", (e) => pick(e.target));
    root.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === " ") && pick(e.target)) { e.preventDefault(); e.stopPropagation(); }
    });
  }

  /** (re)build the stages when the input's shape or the layers changed */
  build(config) {
    const key = JSON.stringify([config.input_shape, config.layers, this.classes ?? null]);
    if (key === this.key) return;
    this.key = key;
    const doc = this.doc;
    const specs = config.layers;
    const shapes = layerShapes(config.input_shape, specs);
    this.specs = specs;
    this.shapes = shapes;
    this.inputShape = config.input_shape;
    const classes = this.classes ?? null;      // what each class is called (set by convpage.js)
    this.header = doc.createElement("p");
    this.header.className = "conv-sample";
    this.header.dataset.role = "conv-sample";
    const caption = doc.createElement("p");
    caption.className = "conv-caption";
    this.caption = caption;
    caption.textContent = "Click a kernel weight (a square of a kernel) for its gradient, an input pixel for its gradient, or a cell of a feature map for the arithmetic behind it. "
      + "Colours: blue −, orange + for values; green −, purple + for gradients; each row scaled to its largest |value|.";
    this.stages = [];
    this.inputs = [];          // the input stage of each conv layer (its pixels), by layer
    const first = inputStage(doc, { title: `input ${shapeText(config.input_shape)}: the followed image`, shape: config.input_shape,
                                    layer: 0, clickable: specs[0].type === "conv2d", cell: 20 });
    this.stages.push({ kind: "input", k: -1, stage: first });
    this.inputs[0] = first;
    specs.forEach((spec, k) => {
      const inShape = k === 0 ? config.input_shape : shapes[k - 1];
      if (spec.type === "conv2d") {
        if (k > 0) {
          const input = inputStage(doc, { title: `the input of layer ${k}: layer ${k - 1}’s ${shapeText(inShape)} maps`,
                                          shape: inShape, layer: k, clickable: true, cell: 14 });
          this.stages.push({ kind: "input", k, stage: input });
          this.inputs[k] = input;
        }
        this.stages.push({ kind: "conv", k, stage: convStage(doc, { k, spec, inShape, outShape: shapes[k], activation: spec.activation }) });
      } else if (spec.type === "maxpool2d" || spec.type === "avgpool2d") {
        this.stages.push({ kind: "pool", k, stage: poolStage(doc, { k, spec, inShape, outShape: shapes[k] }) });
      } else if (spec.type === "flatten") {
        this.stages.push({ kind: "flatten", k, stage: flattenStage(doc, { k, inShape, n: shapes[k][0] }) });
      } else {
        const output = k === specs.length - 1;
        this.stages.push({ kind: "dense", k, stage: denseStage(doc, { k, fanIn: inShape[0], units: spec.units, activation: spec.activation,
                                                                       output, classes, task: config.task }) });
      }
    });
    this.root.replaceChildren(this.header, caption, ...this.stages.map((s) => s.stage.section));
  }

  /** paint `state`'s weights, the followed sample's values and gradients; outline `selection`;
   *  `slide`: Forward's movement (the first kernel's window over the input) plays once */
  show(state, selection, slide = false) {
    this.stopSlide();
    this.build(state.config);
    const sample = state.sample;
    const values = sample.layers;
    for (const { kind, k, stage } of this.stages) {
      if (kind === "input") {
        stage.paint(k < 0 || k === 0 ? sample.input : values[k - 1].a, k <= 0 ? sample.dx : values[k - 1].da);
      } else if (kind === "dense") {
        stage.paint(state.layers[k], values[k], sample.target);
      } else {
        stage.paint(state.layers[k], values[k]);
      }
    }
    const out = this.stages[this.stages.length - 1].stage;
    const target = out.targetText ? out.targetText(sample.target) : "";
    const batch = sample.in_batch || state.phase === "fresh" ? "" : " (not in this minibatch: no values this step; pick another image on the right)";
    this.header.textContent = `Following image ${sampleName(sample.index)}${target ? `: ${target}` : ""}${batch}.`;
    this.setSelected(selection);
    if (slide && !selection && this.specs[0].type === "conv2d" && sample.layers[0].z) this.slide();
  }

  /** kernel 0's window slides over the input cell by cell, outlining the z it makes (about 2 s) */
  slide() {
    const [, H, W] = this.shapes[0];
    const wait = Math.max(12, Math.round(1800 / (H * W)));
    const text = this.caption.textContent;
    this.caption.dataset.sliding = "true";
    this.caption.textContent = "Forward: kernel 0 slides over the image; at each place, patch ⊙ kernel + b gives one cell of its map z (click any cell for its numbers).";
    let n = 0;
    const tick = () => {
      if (n === H * W) {
        this.stopSlide();
        return;
      }
      this.setSelected({ kind: "cell", layer: 0, o: 0, r: Math.floor(n / W), s: n % W });
      n += 1;
      this.sliding = setTimeout(tick, wait);
    };
    this.stopSlide = () => {
      clearTimeout(this.sliding);
      this.stopSlide = () => {};
      this.caption.textContent = text;
      delete this.caption.dataset.sliding;
      this.setSelected(this.selection ?? null);
    };
    tick();
  }

  stopSlide() {}

  stageOf(kind, k) {
    return this.stages.find((s) => s.kind === kind && s.k === k)?.stage ?? null;
  }

  /** outline what `sel` names: a kernel weight and the pixels it multiplied, a pixel and the
   *  ∂L/∂z cells that saw it, a map cell and its window, a pooled cell and its window */
  setSelected(sel) {
    for (const { stage } of this.stages) {
      for (const group of Object.values(stage.grids ?? {})) {
        for (const g of Object.values(group).flat(2)) if (g && g.mark) g.mark();
      }
    }
    if (!sel || !this.specs) return;
    const spec = this.specs[sel.layer];
    const conv = this.stageOf("conv", sel.layer);
    const input = this.inputs[sel.layer];
    const inShape = sel.layer === 0 ? this.inputShape : this.shapes[sel.layer - 1];
    const one = (r, c, cls = "sel") => ({ top: r, left: c, height: 1, width: 1, cls });
    if (sel.kind === "kernel" && conv) {
      const [, H, W] = this.shapes[sel.layer];
      conv.grids.kernels[sel.o][sel.c].mark([one(sel.u, sel.v)]);
      input.grids.x[sel.c].mark([], [{ keys: new Set(kernelFootprint(sel.u, sel.v, this.shapes[sel.layer], inShape, spec)), cls: "foot" }]);
      conv.grids.maps.dz[sel.o].mark([{ top: 0, left: 0, height: H, width: W, cls: "whole" }]);
    } else if (sel.kind === "pixel" && conv) {
      input.grids.x[sel.c].mark([one(sel.r, sel.s)]);
      input.grids.dx[sel.c].mark([one(sel.r, sel.s)]);
      const keys = new Set(seenBy(sel.r, sel.s, this.shapes[sel.layer], spec).map((t) => `${t.r},${t.s}`));
      conv.grids.maps.dz.forEach((g) => g.mark([], [{ keys, cls: "seen" }]));
    } else if (sel.kind === "cell" && conv) {
      const [top, left] = windowOrigin(sel.r, sel.s, spec);
      input.grids.x.forEach((g) => g.mark([{ top, left, height: spec.kernel, width: spec.kernel, cls: "window" }]));
      conv.grids.kernels[sel.o].forEach((g) => g.mark([{ top: 0, left: 0, height: spec.kernel, width: spec.kernel, cls: "whole" }]));
      for (const g of Object.values(conv.grids.maps)) g[sel.o].mark([one(sel.r, sel.s)]);
      const next = this.specs[sel.layer + 1];
      const pool = this.stageOf("pool", sel.layer + 1);
      if (pool) {
        const r = Math.floor(sel.r / next.size), s = Math.floor(sel.s / next.size);
        if (r < pool.grids.maps.a[0].rows && s < pool.grids.maps.a[0].cols) {
          for (const g of Object.values(pool.grids.maps)) g[sel.o].mark([one(r, s, "window")]);
        }
      }
    } else if (sel.kind === "pool") {
      const pool = this.stageOf("pool", sel.layer);
      if (!pool) return;
      for (const g of Object.values(pool.grids.maps)) g[sel.c].mark([one(sel.r, sel.s)]);
      const before = this.stageOf("conv", sel.layer - 1) ?? this.stageOf("pool", sel.layer - 1);
      const n = spec.size;
      if (before) for (const g of Object.values(before.grids.maps)) g[sel.c].mark([{ top: sel.r * n, left: sel.s * n, height: n, width: n, cls: "window" }]);
    }
  }
}
