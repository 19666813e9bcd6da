// what the pointer is on: the weight whose line is nearest (not the band drawn last), and the
// units and weights "near" the learner's attention (hovered, focused, selected), which a big
// layer shows in full while its other weights fade
import { fmt } from "../core/format.js";

/** squared distance from (px, py) to a weight's curve from (x1, y1) to (x2, y2), a cubic with
 *  both control points at the middle x (as network.js draws it), sampled finely */
export function curveDistance2(px, py, [x1, y1, x2, y2]) {
  const c = (x1 + x2) / 2;
  let best = Infinity;
  for (let k = 0; k <= 48; k++) {
    const t = k / 48, u = 1 - t;
    const a = u * u * u, b = 3 * u * u * t, d = 3 * u * t * t, e = t * t * t;
    const x = a * x1 + (b + d) * c + e * x2;
    const y = (a + b) * y1 + (d + e) * y2;
    best = Math.min(best, (x - px) ** 2 + (y - py) ** 2);
  }
  return best;
}

/** the curve of `curves` ([L, i, j, x1, y1, x2, y2] each) nearest to (px, py) within `reach`,
 *  as {L, i, j}, or null */
export function nearestCurve(px, py, curves, reach = Infinity) {
  let best = null, bestD = reach * reach;
  for (const c of curves) {
    const d = curveDistance2(px, py, c.slice(3));
    if (d < bestD) { bestD = d; best = { L: c[0], i: c[1], j: c[2] }; }
  }
  return best;
}

/** the drawing's point under a pointer event */
export function drawingPoint(svg, e) {
  const m = svg.getScreenCTM();
  if (!m) return null;
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
  return [p.x, p.y];
}

/** the weight under the pointer of event `e`: the line nearest to it, unless the weight whose
 *  band took the event (`hit`, {L, i, j}) is as near (where two lines cross, the one on top) */
export function edgeAt(view, e, hit = null) {
  const p = drawingPoint(view.svg, e);
  if (!p || !view.curves) return null;
  const near = nearestCurve(p[0], p[1], view.curves, 9 / (view.scale || 1));
  if (!near || !hit) return near;
  const own = view.curves.find((c) => c[0] === hit.L && c[1] === hit.i && c[2] === hit.j);
  const tie = 1.5 / (view.scale || 1);      // a pixel and a half: the same line to an eye
  return own && Math.sqrt(curveDistance2(p[0], p[1], own.slice(3))) <= Math.sqrt(curveDistance2(p[0], p[1],
    view.curves.find((c) => c[0] === near.L && c[1] === near.i && c[2] === near.j).slice(3))) + tie ? hit : near;
}

const key = (sel) => (sel.kind === "node" ? `n${sel.L}-${sel.i}` : `e${sel.L}-${sel.i}-${sel.j}`);

/** mark as "near" the units and weights of `items` (selections) and what touches them: a unit's
 *  weights in and out, a weight's two units; in a dots layout the near units' names show, and the
 *  one pointed at says its value */
export function setNear(view, items, pointed = null) {
  const want = new Set();
  const unit = (L, i) => want.add(`n${L}-${i}`);
  const edge = (L, i, j) => want.add(`e${L}-${i}-${j}`);
  for (const s of items.filter(Boolean)) {
    if (s.kind === "node") {
      unit(s.L, s.i);
      if (view.edgesDrawn) {
        if (s.L >= 1) view.nodes[s.L - 1].forEach((_, m) => edge(s.L, m, s.i));
        if (s.L < view.last) view.nodes[s.L + 1].forEach((_, m) => edge(s.L + 1, s.i, m));
      }
    } else {
      edge(s.L, s.i, s.j);
      unit(s.L - 1, s.i);
      unit(s.L, s.j);
    }
  }
  const had = view.near ?? new Set();
  for (const k of had) if (!want.has(k)) toggle(view, k, false);
  for (const k of want) if (!had.has(k)) toggle(view, k, true);
  view.near = want;
  peek(view, pointed && pointed.kind === "node" ? pointed : null);
}

function toggle(view, k, on) {
  const [L, i, j] = k.slice(1).split("-").map(Number);
  if (k[0] === "n") {
    const n = view.nodes[L]?.[i];
    if (!n) return;
    n.g.classList.toggle("near", on);
    n.name.classList.toggle("near", on);
    n.grad.classList.toggle("near", on);
  } else {
    view.edges[L]?.[i]?.[j]?.g.classList.toggle("near", on);
  }
}

/** a dot's name and value beside it while it is pointed at (a dot has no room for them) */
function peek(view, sel) {
  const t = view.peek;
  if (!t) return;
  const n = sel && view.nodes[sel.L]?.[sel.i]?.tier === "dots" ? view.nodes[sel.L][sel.i] : null;
  if (view.peeked && view.peeked !== n) view.peeked.name.classList.remove("peeked");
  view.peeked = n;
  if (!n) { t.textContent = ""; return; }
  n.name.classList.add("peeked");           // the peek says the name already
  const cx = Number(n.body.getAttribute("cx")), cy = Number(n.body.getAttribute("cy"));
  const v = n.shown;
  t.textContent = `${n.name.textContent}${v === null || v === undefined ? "" : ` = ${fmt(v, 3)}`}`;
  const right = cx > view.natural.width - 130;          // near the right edge: on the dot's left
  t.setAttribute("text-anchor", right ? "end" : "start");
  t.setAttribute("x", String(right ? cx - n.r - 4 : cx + n.r + 4));
  t.setAttribute("y", String(cy - n.r - 2));
}

export { key as selectionKey };
