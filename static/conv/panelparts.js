// the pieces every conv (and attention) panel is made of: sections, notes, a small grid with a
// caption, a table of terms, a value to full precision, the update, and the finite-difference
// check's verdict
import { agreeingDigits } from "../inspector/chain.js";
import { fmt } from "../core/format.js";
import * as M from "../inspector/mathml.js";
import { renderMemory } from "../inspector/memory.js";
import { ImageGrid, fixed2 } from "./imagegrid.js";
import { maxAbs } from "./convmath.js";

export function section(doc, title, ...children) {
  const s = doc.createElement("section");
  s.className = "quantity";
  const h = doc.createElement("h3");
  h.textContent = title;
  s.append(h, ...children);
  return s;
}

export function para(doc, text, cls = "note") {
  const p = doc.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

/** a grid of `values` (rows of numbers or null) with a caption; `numbers`: each cell shows it */
export function figureGrid(doc, values, caption, { palette = "value", cell = 14, numbers = false, marks = [], format = fixed2 } = {}) {
  const fig = doc.createElement("figure");
  // on a phone a panel's numbers are 11 px, in squares that hold them
  const phone = numbers && doc.defaultView && doc.defaultView.matchMedia("(max-width: 700px)").matches;
  const sized = phone ? { cell: Math.ceil(cell * 1.45), numberSize: 11 } : { cell };
  const grid = new ImageGrid({ rows: values.length, cols: values[0].length, ...sized, numbers, label: caption, format,
                               describe: (r, c, v) => `${caption} (${r}, ${c}) = ${v && v[r][c] !== null ? fmt(v[r][c], 5) : "—"}` });
  grid.paint(values, maxAbs(values), palette);
  grid.mark(marks);
  const cap = doc.createElement("figcaption");
  cap.textContent = caption;
  fig.append(grid.svg, cap);
  return fig;
}

/** a number in a panel's square: two significant digits, "0.0034", "−0.067" */
export const twoDigits = (v) => fmt(v, 2);

/** a row of figures joined by operators ("⊙", "=") */
export function gridRow(doc, ...items) {
  const box = doc.createElement("div");
  box.className = "grids";
  for (const item of items) {
    if (typeof item === "string") {
      const op = doc.createElement("span");
      op.className = "op";
      op.setAttribute("aria-hidden", "true");
      op.textContent = item;
      box.append(op);
    } else {
      box.append(item);
    }
  }
  return box;
}

/** a table: `head` the column names, `rows` arrays of cells (numbers are formatted) */
export function termTable(doc, head, rows, role) {
  const table = doc.createElement("table");
  table.className = "hand";
  if (role) table.dataset.role = role;
  const tr = doc.createElement("tr");
  for (const h of head) {
    const th = doc.createElement("th");
    th.textContent = h;
    tr.append(th);
  }
  table.append(tr);
  for (const cells of rows) {
    const row = doc.createElement("tr");
    for (const v of cells) {
      const td = doc.createElement("td");
      if (typeof v === "number") {
        td.className = "num";
        td.textContent = fmt(v, 4);
      } else {
        td.textContent = v;
      }
      row.append(td);
    }
    table.append(row);
  }
  return table;
}

/** "= a + b + c = sum" for the nonzero `products`, at most `most` of them written out */
export function sumMath(label, products, total, most = 3) {
  const nonzero = products.filter((p) => p !== 0);
  const terms = [];
  nonzero.slice(0, most).forEach((p, k) => {
    if (k) terms.push(M.mo("+"));
    terms.push(M.num(p, { bracket: true, digits: 3 }));
  });
  if (nonzero.length > most) terms.push(M.mo("+"), M.mtext(`… (${nonzero.length - most} more)`));
  if (!nonzero.length) terms.push(M.mn(0));
  const wrap = document.createElement("div");
  wrap.className = "formula conv-sum";
  wrap.append(M.math(`${label} = ${total}`, M.mtext(label), M.eq(), ...terms, M.eq(), M.num(total, { cls: "result", digits: 6 })));
  return wrap;
}

/** the finite-difference check's verdict: numeric against backward's value */
export function checkResult(doc, g, what) {
  const digits = agreeingDigits(g.relative_error);
  const good = g.relative_error !== null && g.relative_error < 1e-5;
  const numeric = M.math(`numeric ${g.numeric}`, M.mtext("numeric: "),
    M.frac(M.row(M.mi("L"), M.paren(M.mi(what), M.mo("+"), M.mi("h")), M.mo("−"), M.mi("L"), M.paren(M.mi(what), M.mo("−"), M.mi("h"))),
           M.row(M.mn(2), M.mi("h"))), M.eq(), M.num(g.numeric, { digits: 10 }));
  const analytic = M.math(`analytic ${g.analytic}`, M.mtext("backward: "), M.num(g.analytic, { digits: 10 }));
  const verdict = para(doc, good
    ? `They agree to about ${digits} significant digits (relative error ${fmt(g.relative_error, 2)}).`
    : `They differ: relative error ${fmt(g.relative_error, 2)}. Near a kink of ReLU or a tie in a max pool, finite differences can be off.`,
    good ? "agree" : "problem");
  verdict.dataset.role = "gradcheck";
  verdict.dataset.relativeError = String(g.relative_error);
  return [numeric, analytic, verdict];
}

/** the "Is backward right?" section: a button that runs `fetch()` and shows checkResult */
export function checkSection(doc, fetch, what, explain) {
  const check = doc.createElement("button");
  check.type = "button";
  check.className = "check";
  check.dataset.action = "conv-gradcheck";
  check.textContent = "Check it with finite differences";
  const result = doc.createElement("div");
  result.className = "check-result";
  result.setAttribute("aria-live", "polite");
  check.addEventListener("click", () => {
    check.disabled = true;
    result.replaceChildren(para(doc, `Computing the loss with ${what} nudged up and down…`));
    fetch().then((g) => result.replaceChildren(...checkResult(doc, g, what)))
      .catch((err) => result.replaceChildren(para(doc, err.message, "problem")))
      .finally(() => { check.disabled = false; });
  });
  const box = section(doc, "Is backward right?", para(doc, explain), check, result);
  box.dataset.control = "gradcheck";
  return box;
}

/** "`label` in the state, to full precision: <code data-role=role>value</code>" */
export function exactValue(doc, label, role, value) {
  const exact = doc.createElement("p");
  exact.className = "exact";
  const code = doc.createElement("code");
  code.dataset.role = role;
  code.textContent = value === null ? "not a number (the network diverged)" : String(value);
  exact.append(`${label} in the state, to full precision: `, code);
  return exact;
}

/** what Step will do to a weight: Δw = −η·dW for SGD, the optimiser's memory, and w before → after */
export function updateRows(doc, c) {
  const rows = [];
  if (c.optimizer.name === "sgd") {
    rows.push(M.math(`delta w = -lr dW = ${c.update}`, M.mi("Δw"), M.eq(), M.mo("−"), M.mi("η"), M.mo("·"), M.mi("dW"), M.eq(),
      M.mo("−"), M.mn(c.optimizer.lr), M.mo("·"), M.num(c.dW, { bracket: true, digits: 6 }), M.eq(), M.num(c.update, { cls: "result" })));
  }
  rows.push(renderMemory(doc, c));
  rows.push(para(doc, c.w === null || c.update === null ? "w is no longer a finite number (the network diverged)."
    : `w: ${fmt(c.w, 6)} → ${fmt(c.w + c.update, 6)}`, "outcome"));
  return rows;
}
