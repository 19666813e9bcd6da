// draw an image of one's own on a grid (a click sets or clears a pixel), pick its class, and add
// it to the data: a new session with every image so far and this one
import { ImageGrid } from "./imagegrid.js";

/** image (C, H, W) of the drawn pixels `on` (a Set of "r,s"): 1 where set, 0 elsewhere, the same
 *  on every channel */
export function drawnImage(on, [C, H, W]) {
  return Array.from({ length: C }, () => Array.from({ length: H }, (_, r) =>
    Array.from({ length: W }, (_, s) => (on.has(`${r},${s}`) ? 1 : 0))));
}

/** The drawing box inside `parent`; `onAdd(image, k, name)` adds image (C, H, W) of class k. */
export class ImageDrawer {
  constructor(parent, { onAdd }) {
    const doc = parent.ownerDocument;
    this.doc = doc;
    this.on = new Set();
    this.key = null;
    this.box = doc.createElement("details");
    this.box.className = "draw-image";
    this.box.dataset.role = "draw-image";
    this.box.dataset.control = "points";       // a teacher who locks the points locks this too
    const summary = doc.createElement("summary");
    summary.textContent = "Draw an image and add it to the data";
    const note = doc.createElement("p");
    note.className = "note";
    note.textContent = "Click squares to set or clear them, pick the class, then add it: a new session holds every image so far and yours (the weights on screen carry on). Follow it to see what the network makes of it.";
    this.gridBox = doc.createElement("div");
    this.gridBox.className = "draw-grid";
    const row = doc.createElement("div");
    row.className = "draw-row";
    const label = doc.createElement("label");
    this.classSelect = doc.createElement("select");
    this.classSelect.dataset.role = "draw-class";
    label.append("class ", this.classSelect);
    const add = doc.createElement("button");
    Object.assign(add, { type: "button", className: "small", textContent: "Add to the data" });
    add.dataset.action = "add-image";
    const clear = doc.createElement("button");
    Object.assign(clear, { type: "button", className: "small", textContent: "Clear" });
    row.append(label, " ", add, " ", clear);
    this.box.append(summary, note, this.gridBox, row);
    parent.append(this.box);
    this.gridBox.addEventListener("click", (e) => {
      const cell = e.target.closest && e.target.closest("[data-draw]");
      if (!cell) return;
      const key = cell.dataset.draw;
      if (this.on.has(key)) this.on.delete(key); else this.on.add(key);
      this.paint();
    });
    clear.addEventListener("click", () => { this.on.clear(); this.paint(); });
    add.addEventListener("click", () => {
      const k = Number(this.classSelect.value);
      onAdd(drawnImage(this.on, this.shape), k, this.classSelect.options[k].text);
    });
  }

  /** images of `shape` [C, H, W] whose classes are `names` */
  set(shape, names) {
    const key = JSON.stringify([shape, names]);
    if (key === this.key) return;
    this.key = key;
    this.shape = shape;
    this.on = new Set([...this.on].filter((k) => k.split(",").every((v, n) => Number(v) < shape[n + 1])));
    this.grid = new ImageGrid({ rows: shape[1], cols: shape[2], cell: 22, label: "your drawing",
                                attrs: (r, s) => ({ "data-draw": `${r},${s}` }) });
    this.gridBox.replaceChildren(this.grid.svg);
    this.classSelect.replaceChildren(...names.map((name, k) => new Option(name, String(k))));
    this.paint();
  }

  paint() {
    this.grid.paint(drawnImage(this.on, this.shape)[0], 1);
  }
}
