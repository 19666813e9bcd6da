// one matrix of the attention view as an SVG grid of squares with its numbers, row and column
// labels, and hatched squares where the causal mask hides a score; built once per shape, then
// only recoloured (and its numbers rewritten) after each state. Clickable grids are one stop of
// the Tab key each: the arrow keys move between their squares.
import { diverging } from "../core/colors.js";
import { fmt } from "../core/format.js";
import { put, svgEl } from "../network/svg.js";
import { fixed2, gradColor } from "../conv/imagegrid.js";
import { compact } from "./attnmath.js";

let hatches = 0;            // each grid's hatch pattern needs an id of its own in the page

/** a probability's colour: white at 0, orange at 1 */
export function probColor(p) {
  const u = Math.max(0, Math.min(1, p));
  const c = [246, 246, 246].map((w, n) => Math.round(w + ([224, 112, 10][n] - w) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

const PALETTES = { value: diverging, grad: gradColor, prob: probColor };

/** The grid of `rows` × `cols` squares of `cell` px. `hook(r, c)`: a square's data attributes
 *  (its contract hook); `rowLabels`, `colLabels`: texts beside and above; `rowHook(r)`: a row
 *  label's attributes (it is clickable then); `describe(r, c, value)`: its tooltip. */
export class MatrixGrid {
  constructor({ rows, cols, cell = 22, hook = null, rowLabels = null, colLabels = null, rowHook = null,
                label = "", describe = null, format = null, labelWidth = 34 }) {
    // a wide square writes 0.00, a narrow one at most 4 characters (.09, −1.2)
    const wide = cell >= 34;
    Object.assign(this, { rows, cols, cell, describe, format: format ?? (wide ? fixed2 : compact) });
    const left = rowLabels ? labelWidth : 0, top = colLabels ? 15 : 0;
    this.left = left;
    this.top = top;
    const width = left + cols * cell + 2, height = top + rows * cell + 2;
    this.svg = svgEl("svg", { class: `grid matrix${hook ? " clickable" : ""}`, viewBox: `-1 -1 ${width} ${height}`,
                              width, height, role: hook ? "group" : "img", "aria-label": label });
    const id = `hatch-${++hatches}`;
    this.hatch = `url(#${id})`;
    const defs = svgEl("defs", {}, this.svg);
    const pattern = svgEl("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    svgEl("rect", { width: 6, height: 6, fill: "#f4f4f4" }, pattern);
    svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#b8b8b8", "stroke-width": 2 }, pattern);
    const size = Math.min(11.5, cell * (wide ? 0.33 : 0.38));      // 11 px or more from squares of 29 px
    if (colLabels) {
      colLabels.forEach((text, c) => {
        const t = svgEl("text", { x: left + c * cell + cell / 2, y: 11, class: "axis", "text-anchor": "middle" }, this.svg);
        t.textContent = text;
      });
    }
    this.rowLabels = (rowLabels ?? []).map((text, r) => {
      const t = svgEl("text", { x: left - 4, y: top + r * cell + cell / 2 + 4, class: `axis${rowHook ? " pick" : ""}`, "text-anchor": "end" }, this.svg);
      t.textContent = text;
      if (rowHook) for (const [k, v] of Object.entries(rowHook(r))) t.setAttribute(k, v);
      return t;
    });
    this.squares = [];
    this.texts = [];
    const cells = svgEl("g", { class: "cells", transform: `translate(${left},${top})` }, this.svg);
    for (let r = 0; r < rows; r++) {
      const row = [], texts = [];
      for (let c = 0; c < cols; c++) {
        const rect = svgEl("rect", { x: c * cell, y: r * cell, width: cell, height: cell, class: "cell" }, cells);
        rect.dataset.r = String(r);
        rect.dataset.c = String(c);
        if (hook) {
          for (const [k, v] of Object.entries(hook(r, c))) rect.setAttribute(k, v);
          rect.setAttribute("role", "button");
          rect.setAttribute("aria-label", describe ? describe(r, c, "click for its numbers") : `${label} [${r}][${c}]`);
          rect.setAttribute("tabindex", r === 0 && c === 0 ? "0" : "-1");
        }
        row.push(rect);
        texts.push(svgEl("text", { x: c * cell + cell / 2, y: r * cell + cell / 2 + size * 0.37, class: "num", "font-size": size.toFixed(1) }, cells));
      }
      this.squares.push(row);
      this.texts.push(texts);
    }
    this.marks = svgEl("g", { class: "marks", transform: `translate(${left},${top})` }, this.svg);
    this.values = null;
    if (hook) this.svg.addEventListener("keydown", (e) => this.move(e));
    if (describe) {
      const tip = svgEl("title", {}, this.svg);
      this.svg.addEventListener("pointerover", (e) => {
        const sq = e.target.closest && e.target.closest("rect.cell");
        if (sq) tip.textContent = this.tooltip(Number(sq.dataset.r), Number(sq.dataset.c));
      });
    }
  }

  tooltip(r, c) {
    const v = this.values ? this.values[r][c] : undefined;
    return this.describe(r, c, v === null && this.masked ? "masked" : v === undefined || v === null ? "—" : fmt(v, 5));
  }

  /** the arrow keys move the focus (and the one Tab stop) between the squares */
  move(e) {
    const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const sq = e.target.closest && e.target.closest("rect.cell");
    if (!sq || !steps[e.key]) return;
    const r = Math.max(0, Math.min(this.rows - 1, Number(sq.dataset.r) + steps[e.key][0]));
    const c = Math.max(0, Math.min(this.cols - 1, Number(sq.dataset.c) + steps[e.key][1]));
    e.preventDefault();
    sq.setAttribute("tabindex", "-1");
    const next = this.squares[r][c];
    next.setAttribute("tabindex", "0");
    next.focus();
  }

  /** colour every square by `values` (rows × cols) on ±`scale` ([0, 1] for "prob"); null is a
   *  masked square when `masked` (hatched, "masked"), else no value yet (grey, empty); each
   *  square writes value × `factor` (a grid of gradients says its ×10ⁿ in its caption) */
  paint(values, { scale = 1, palette = "value", masked = false, factor = 1 } = {}) {
    this.values = values;
    this.masked = masked;
    const color = PALETTES[palette];
    const s = palette === "prob" ? 1 : scale > 0 ? scale : 1;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++) {
        const v = values ? values[r][c] : null;
        const hidden = v === null && masked && values;
        const sq = this.squares[r][c];
        put(sq, "fill", hidden ? this.hatch : v === null || v === undefined ? "rgb(232,232,232)" : color(v / s));
        const text = hidden ? "masked" : v === null || v === undefined ? "" : this.format(v * factor);
        const t = this.texts[r][c];
        if (t.textContent !== text) t.textContent = text;
        put(t, "class", hidden ? "num masked" : v !== null && v !== undefined && Math.abs(v / s) > 0.62 ? "num light" : "num");
      }
    }
  }

  /** outline squares: `boxes` [{top, left, height, width, cls}] in squares (a row, a column, one square) */
  mark(boxes = []) {
    const k = this.cell;
    this.marks.replaceChildren(...boxes.map((b) => svgEl("rect", { x: b.left * k, y: b.top * k, width: b.width * k,
                                                                   height: b.height * k, class: `mark ${b.cls ?? "sel"}` })));
  }
}
