// formulas that fit their panel: a block formula wider than its box breaks into lines before an
// operator (= first, then + and −, then ·), each next line indented; a part that alone is wider
// (a long fraction) scrolls in its own line, never cut. MathML has no line breaking of its own.

const BREAKS = { "=": 3, "≈": 3, "+": 2, "−": 2, "·": 1, "×": 1 };

/** where to break a row of items of `widths` (px) into lines of at most `room` px, the lines
 *  after the first `indent` px narrower; `rank[k]` > 0 where a line may start at item k (an
 *  operator). Returns the indices that start the lines after the first. */
export function lineBreaks(widths, rank, room, indent = 0) {
  const starts = [];
  let from = 0;
  while (from < widths.length) {
    const width = room - (starts.length ? indent : 0);
    let used = 0, k = from;
    while (k < widths.length && used + widths[k] <= width) used += widths[k++];
    if (k >= widths.length) break;                // the rest fits
    // the best place to break: the highest-ranked operator in the line's second half, else the last one
    let best = -1;
    for (let m = k; m > from; m--) {
      if (rank[m] > 0 && (best < 0 || rank[m] > rank[best]) && (m - from) * 2 >= k - from) best = m;
    }
    if (best < 0) for (let m = k; m > from; m--) if (rank[m] > 0) { best = m; break; }
    if (best < 0) {                                 // no operator in reach: the next one, past the room
      for (let m = k + 1; m < widths.length; m++) if (rank[m] > 0) { best = m; break; }
      if (best < 0) break;
    }
    starts.push(best);
    from = best;
  }
  return starts;
}

const NS = "http://www.w3.org/1998/Math/MathML";

/** fit every block formula inside `root` to its width (again after a resize) */
export function fitFormulas(root) {
  for (const math of root.querySelectorAll("math[display=block]")) {
    let box = math.parentElement;
    if (!box.classList.contains("fit-math")) {       // a box of its own, to scroll in if it must
      box = math.ownerDocument.createElement("div");
      box.className = "fit-math";
      math.replaceWith(box);
      box.append(math);
    }
    fitOne(math, box);
  }
  for (const box of root.querySelectorAll(".matrix-scroll")) scrolls(box, `${box.dataset.name}, scrolls sideways`);
}

/** the formula on one line if it fits, else as a table of lines (one math element still: its
 *  alttext and its parts stay as they are, moved, not copied) */
function fitOne(math, box) {
  const el = (tag, ...kids) => { const n = math.ownerDocument.createElementNS(NS, tag); n.append(...kids); return n; };
  if (!math.lineRow) {
    if (math.children.length !== 1 || math.firstElementChild.localName !== "mrow") return scrolls(box);
    math.lineRow = math.firstElementChild;
    math.lineItems = [...math.lineRow.children];
  }
  const row = math.lineRow, items = math.lineItems;
  if (math.firstElementChild !== row) {
    row.append(...items);
    math.replaceChildren(row);
  }
  const room = box.clientWidth;
  if (!room || row.getBoundingClientRect().width <= room + 1) return scrolls(box);
  // each item's share of the line, from one's left edge to the next's: the room around an
  // operator lies outside its own box
  const boxes = items.map((item) => item.getBoundingClientRect());
  const widths = boxes.map((b, k) => (k + 1 < boxes.length ? boxes[k + 1].left : b.right + 4) - b.left);
  const rank = items.map((item) => (item.localName === "mo" ? BREAKS[item.textContent.trim()] ?? 0 : 0));
  const indent = 24;
  const starts = lineBreaks(widths, rank, room - 6, indent);
  if (!starts.length) return scrolls(box);
  const bounds = [0, ...starts, items.length];
  const rows = [];
  for (let n = 0; n + 1 < bounds.length; n++) {
    const cell = el("mtd", el("mrow", ...items.slice(bounds[n], bounds[n + 1])));
    cell.setAttribute("class", n ? "cont" : "first");
    rows.push(el("mtr", cell));
  }
  const table = el("mtable", ...rows);
  table.setAttribute("class", "lines");
  math.replaceChildren(table);
  return scrolls(box);
}

/** a box whose content is still wider scrolls, and the keyboard can reach it to scroll */
function scrolls(box, label = "formula, scrolls sideways") {
  const over = box.scrollWidth > box.clientWidth + 1;
  if (over) {
    box.tabIndex = 0;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", label);
  } else {
    box.removeAttribute("tabindex");
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
  }
}

/** fit the formulas of `root` now, and again whenever its width or its content changes */
export function keepFitted(root) {
  let width = root.clientWidth, queued = false;
  const again = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      width = root.clientWidth;
      fitFormulas(root);
      changes.takeRecords();          // its own moves are not news
    });
  };
  const changes = new MutationObserver(again);
  changes.observe(root, { childList: true, subtree: true });
  new ResizeObserver(() => { if (Math.abs(root.clientWidth - width) >= 2) again(); }).observe(root);
  again();
}
