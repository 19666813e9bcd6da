// a CNN session's parts of the page: the conv view in place of the network's SVG and the image
// gallery in place of the data plot; which of the two sets shows follows the session on screen
import { imageDatasets } from "../core/catalog.js";
import { ConvView } from "./convview.js";
import { ImageGallery } from "./gallery.js";
import { ImageDrawer } from "./drawimage.js";
import { isConvConfig } from "./convmath.js";
import { CLASS_TEXT_COLORS } from "../core/colors.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

/** The conv view and the gallery, shown for a CNN session (and the dense parts hidden). */
export class ConvPage {
  constructor(doc, { onSelect, onPick, onAddImage }) {
    const $ = (id) => doc.getElementById(id);
    this.doc = doc;
    this.view = new ConvView($("conv-view"), { onSelect });
    this.gallery = new ImageGallery($("gallery-canvas"), { onPick });
    this.caption = $("gallery-caption");
    this.drawer = new ImageDrawer($("image-gallery"), { onAdd: onAddImage });
    this.names = { count: 0, classes: [] };     // the last named dataset's classes (own images keep them)
    this.conv = [$("conv-view"), $("image-gallery")];
    // the dense network's parts: its SVG and legend, the data plot, the look-back scrubber
    this.dense = [$("network-scroll").closest(".network-box"), doc.querySelector(".legend"),
                  doc.querySelector(".plots"), doc.querySelector("[data-role=history-scrubber]")];
    this.active = false;
    this.count = 0;
  }

  /** show the conv parts for a CNN session, the dense ones otherwise; true for a CNN */
  setActive(active) {
    if (active !== this.active) {
      this.active = active;
      for (const el of this.conv) el.hidden = !active;
      for (const el of this.dense) if (el) el.hidden = active;
      this.doc.body.dataset.kind = active ? "conv" : "dense";
    }
    return active;
  }

  /** a session adopted: its training images go to the gallery; false for a dense session */
  load(state, data) {
    if (!this.setActive(isConvConfig(state.config))) return false;
    const test = data.test ?? data.X.map(() => false);
    const X = data.X.filter((_, k) => !test[k]);
    const Y = data.Y.filter((_, k) => !test[k]);
    this.count = X.length;
    this.gallery.setData(X, Y);
    const classes = this.classNames(state.config.dataset.name, Math.max(2, Y[0].length));
    this.view.classes = classes;
    this.drawer.set(state.config.input_shape, classes);
    const held = test.filter(Boolean).length;
    const names = Y[0].length === 1 ? [0, 1] : Y[0].map((_, j) => j);
    this.caption.replaceChildren(`${state.config.dataset.name ?? "your own images"}: ${X.length} training images`
      + `${held ? ` (${held} more held out as test images)` : ""}. Under each, its class: `);
    names.forEach((j, n) => {
      const span = this.doc.createElement("span");
      span.style.color = CLASS_TEXT_COLORS[j % CLASS_TEXT_COLORS.length];
      span.textContent = `■ ${classes[j]}`;
      this.caption.append(span, n < names.length - 1 ? ", " : ". ");
    });
    this.caption.append("Click an image to follow it; faded ones are not in the current minibatch.");
    return true;
  }

  /** what each of `count` classes is called: a named dataset's names (remembered for own images
   *  made from it, with as many classes), else "class j" */
  classNames(name, count) {
    const named = imageDatasets().find((d) => d.name === name);
    if (named) this.names = { count, classes: named.classes };
    if (this.names.count === count) return this.names.classes;
    return Array.from({ length: count }, (_, j) => `class ${j}`);
  }

  /** a new state (`how` it came: forward, train …): the view repaints it; false for a dense session */
  show(state, selection, how) {
    if (!this.setActive(isConvConfig(state.config))) return false;
    this.view.selection = selection;
    this.view.show(state, selection, how === "forward" && !reducedMotion.matches);
    this.gallery.setSelected(state.sample.index);
    return true;
  }

  select(sel) {
    if (!this.active) return;
    this.view.selection = sel;
    this.view.stopSlide();
    this.view.setSelected(sel);
  }

  setBatch(indices) {
    this.batch = indices;
    if (this.active) this.gallery.setBatch(indices);
  }

  /** the first image of the current minibatch, or null (every image is in the batch) */
  firstInBatch() {
    return this.batch && this.batch.length ? Math.min(...this.batch) : null;
  }
}
