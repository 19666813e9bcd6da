// the network as one Tab stop (a roving tabindex): the arrow keys move between units and their
// weights, Enter opens the one with the focus; ↑ ↓ along a column, → from a unit to its first
// weight out and on to that weight's unit, ← back the same way
const NAV = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"];

/** where a key takes the focus from `at` ({kind, L, i[, j]}) in a network of `sizes`; `edges`:
 *  whether the weights are drawn (and so can have the focus) */
export function moveFocus(at, key, sizes, edges = true) {
  const last = sizes.length - 1;
  const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
  const unit = (L, i) => ({ kind: "node", L, i: clamp(i, sizes[L]) });
  // the unit of layer L nearest in height to unit i of layer L0 (columns are centred)
  const across = (L0, i, L) => unit(L, Math.round(((i + 0.5) / sizes[L0]) * sizes[L] - 0.5));
  if (at.kind === "node") {
    const { L, i } = at;
    switch (key) {
      case "ArrowUp": return unit(L, i - 1);
      case "ArrowDown": return unit(L, i + 1);
      case "Home": return unit(L, 0);
      case "End": return unit(L, sizes[L] - 1);
      case "ArrowRight":
        if (L === last) return at;
        return edges ? { kind: "edge", L: L + 1, i, j: 0 } : across(L, i, L + 1);
      case "ArrowLeft":
        if (L === 0) return at;
        return edges ? { kind: "edge", L, i: 0, j: i } : across(L, i, L - 1);
      default: return at;
    }
  }
  const { L, i, j } = at;
  const n = sizes[L], count = sizes[L - 1] * n;     // weights of layer L in the order (i, j)
  const edgeAt = (k) => { const c = clamp(k, count); return { kind: "edge", L, i: Math.floor(c / n), j: c % n }; };
  switch (key) {
    case "ArrowUp": return edgeAt(i * n + j - 1);
    case "ArrowDown": return edgeAt(i * n + j + 1);
    case "Home": return edgeAt(0);
    case "End": return edgeAt(count - 1);
    case "ArrowRight": return unit(L, j);
    case "ArrowLeft": return unit(L - 1, i);
    default: return at;
  }
}

/** the roving tabindex of a NetworkView */
export class NetworkKeys {
  constructor(view) {
    this.view = view;
    this.at = null;       // the item that holds the Tab stop
    view.svg.addEventListener("keydown", (e) => {
      if (!NAV.includes(e.key) || !this.at) return;
      e.preventDefault();
      const edges = view.edgesDrawn;
      this.focus(moveFocus(this.at, e.key, view.sizes, edges));
    });
    view.svg.addEventListener("focusin", (e) => {
      const hit = e.target.closest && e.target.closest("[data-node],[data-edge]");
      if (hit) this.hold(itemOf(hit));
    });
  }

  element(sel) {
    const q = sel.kind === "node" ? `[data-node="${sel.L}-${sel.i}"]` : `[data-edge="${sel.L}-${sel.i}-${sel.j}"]`;
    return this.view.svg.querySelector(q);
  }

  /** make `sel` the network's one Tab stop */
  hold(sel) {
    const el = sel && this.element(sel);
    if (!el) return;
    if (this.at) { const old = this.element(this.at); if (old && old !== el) old.setAttribute("tabindex", "-1"); }
    el.setAttribute("tabindex", "0");
    this.at = sel;
    this.view.onFocusMove?.();
  }

  focus(sel) {
    this.hold(sel);
    const el = this.element(sel);
    if (el) el.focus();
  }

  /** the element with the Tab stop, or null */
  current() {
    return this.at ? this.element(this.at) : null;
  }

  /** a new network: the Tab stop goes to its first input (or the selection) */
  forget() {
    this.at = null;
  }

  built() {
    const sel = this.at && this.element(this.at) ? this.at : this.view.selected ?? { kind: "node", L: 0, i: 0 };
    this.at = null;
    this.hold(this.element(sel) ? sel : { kind: "node", L: 0, i: 0 });
  }
}

function itemOf(el) {
  if (el.dataset.node) { const [L, i] = el.dataset.node.split("-").map(Number); return { kind: "node", L, i }; }
  const [L, i, j] = el.dataset.edge.split("-").map(Number);
  return { kind: "edge", L, i, j };
}
