// one image, feature map or kernel as a grid of SVG squares: built once per shape, then only
// recoloured (and its numbers rewritten) after each state; marks outline a window or a set of cells
import { diverging, GRAD_NEG, GRAD_POS } from "../core/colors.js";
import { fmt } from "../core/format.js";
import { put, svgEl } from "../network/svg.js";

const WHITE = [246, 246, 246];
const hex = (h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));
const PURPLE = hex(GRAD_POS), GREEN = hex(GRAD_NEG);

/** a number in a square: two decimals (as CNN Explainer writes kernels), "−0.07", "1.25" */
export function fixed2(v) {
  if (!Number.isFinite(v)) return fmt(v);
  if (Math.abs(v) >= 100) return fmt(v, 3);
  const s = v.toFixed(2).replace(/^-/, "−");
  return s === "−0.00" ? "0.00" : s;
}

/** a gradient's colour: white at 0, purple for t > 0, green for t < 0 (as the network's halos) */
export function gradColor(t) {
  if (t === null || t === undefined || Number.isNaN(t)) return "rgb(225,225,225)";
  const u = Math.max(-1, Math.min(1, t));
  const end = u < 0 ? GREEN : PURPLE;
  const c = WHITE.map((w, n) => Math.round(w + (end[n] - w) * Math.abs(u)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The grid of `rows` × `cols` squares of `cell` px; `attrs(r, c)` gives a square's data
 *  attributes (its contract hook, e.g. {"data-kernel": "0,1,0,2,2"}); `numbers`: each square
 *  shows its value; `describe(r, c)` is its tooltip, written when the pointer comes over it. */
export class ImageGrid {
  constructor({ rows, cols, cell = 12, numbers = false, attrs = null, describe = null, label = "", format = fixed2,
                numberSize = Math.min(9.5, cell * 0.34) }) {
    this.rows = rows;
    this.cols = cols;
    this.cell = cell;
    this.format = format;
    const width = cols * cell + 2, height = rows * cell + 2;
    this.svg = svgEl("svg", { class: `grid${attrs ? " clickable" : ""}`, viewBox: `-1 -1 ${width} ${height}`,
                              width, height, role: attrs ? "group" : "img", "aria-label": label });
    this.squares = [];
    this.texts = [];
    const cells = svgEl("g", { class: "cells" }, this.svg);
    for (let r = 0; r < rows; r++) {
      const row = [], texts = [];
      for (let c = 0; c < cols; c++) {
        const rect = svgEl("rect", { x: c * cell, y: r * cell, width: cell, height: cell, class: "cell" }, cells);
        rect.dataset.r = String(r);
        rect.dataset.c = String(c);
        if (attrs) for (const [k, v] of Object.entries(attrs(r, c))) rect.setAttribute(k, v);
        row.push(rect);
        if (numbers) {
          // a number such as −0.25 fits its square: 9.5 px in a square of 28 or more, smaller below
          const size = numberSize;
          const t = svgEl("text", { x: c * cell + cell / 2, y: r * cell + cell / 2 + size * 0.37, class: "num",
                                    "font-size": size.toFixed(1) }, cells);
          texts.push(t);
        }
      }
      this.squares.push(row);
      this.texts.push(texts);
    }
    if (numbers) this.hideNumbersWhenScaled(numberSize, width);
    this.marks = svgEl("g", { class: "marks" }, this.svg);
    this.values = null;
    if (describe) {
      const tip = svgEl("title", {}, this.svg);
      this.svg.addEventListener("pointerover", (e) => {
        const sq = e.target.closest && e.target.closest("rect.cell");
        if (sq) tip.textContent = describe(Number(sq.dataset.r), Number(sq.dataset.c), this.values);
      });
    }
  }

  /** on a phone a grid's numbers under 11 px (a kernel scaled down to fit the window) go: the
   *  colours stay, and a click on a square gives its number in the panel */
  hideNumbersWhenScaled(size, width) {
    if (typeof ResizeObserver === "undefined" || typeof matchMedia === "undefined") return;
    const phone = matchMedia("(max-width: 700px)");
    new ResizeObserver(() => {
      const shown = this.svg.getBoundingClientRect().width;
      if (shown > 0) this.svg.classList.toggle("numbers-hidden", phone.matches && (size * shown) / width < 10.95);
    }).observe(this.svg);
  }

  /** colour every square by `values` (rows × cols; null: no value yet) on ±`scale`:
   *  "value" blue −/orange +, "grad" green −/purple + */
  paint(values, scale, palette = "value") {
    this.values = values;
    const color = palette === "grad" ? gradColor : diverging;
    const s = scale > 0 ? scale : 1;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const v = values ? values[r][c] : null;
        put(this.squares[r][c], "fill", v === null || v === undefined ? "rgb(232,232,232)" : color(v / s));
        const t = this.texts[r] && this.texts[r][c];
        if (t) {
          const text = v === null || v === undefined ? "" : this.format(v);
          if (t.textContent !== text) t.textContent = text;
          put(t, "class", v !== null && Math.abs(v / s) > 0.62 ? "num light" : "num");
        }
      }
    }
  }

  /** outline cells: `boxes` [{top, left, height, width, cls}] in cells (a window, the selected
   *  cell), `cells` [{keys: Set of "r,c", cls}] each cell of a set */
  mark(boxes = [], cells = []) {
    const k = this.cell;
    const nodes = [];
    for (const b of boxes) {
      nodes.push(svgEl("rect", { x: b.left * k, y: b.top * k, width: b.width * k, height: b.height * k,
                                 class: `mark ${b.cls ?? ""}` }));
    }
    for (const set of cells) {
      for (const key of set.keys) {
        const [r, c] = key.split(",").map(Number);
        if (r >= 0 && r < this.rows && c >= 0 && c < this.cols) {
          nodes.push(svgEl("rect", { x: c * k + 1, y: r * k + 1, width: k - 2, height: k - 2, class: `mark ${set.cls ?? ""}` }));
        }
      }
    }
    this.marks.replaceChildren(...nodes);
  }
}
