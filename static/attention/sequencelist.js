// the training sequences of a sequence session, in place of the data plot: each one's tokens and
// target, a click follows it; the followed one is marked, those outside the minibatch faded
import { sampleName } from "../core/names.js";
import { tokenCount, tokensOf } from "./attnmath.js";
import { classOf } from "./attndense.js";

const SHOWN = 300;           // more would be a list no one scrolls through; the sample box picks any

/** The list in `root` (its <ol> is rebuilt per dataset, restyled per state); `onPick(n)` follows n. */
export class SequenceList {
  constructor(root, { onPick }) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.list = root.querySelector("ol");
    this.caption = root.querySelector("figcaption");
    this.items = [];
    this.selected = -1;
    this.list.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-sequence]");
      if (b) onPick(Number(b.dataset.sequence));
    });
  }

  /** the training sequences X (n, T, d_in) and their targets Y (n, T, classes) */
  setData(X, Y, name, held) {
    const doc = this.doc;
    const [T, dIn] = [X[0].length, X[0][0].length];
    const tokens = tokenCount(T, dIn);
    this.items = X.slice(0, SHOWN).map((x, n) => {
      const li = doc.createElement("li");
      const b = doc.createElement("button");
      b.type = "button";
      b.className = "attn-seq";
      b.dataset.sequence = String(n);
      // single-digit tokens written together (3 2 2 1 1 as 32211), so that a line fits a column
      const ids = tokensOf(x, tokens), out = Y[n].map(classOf);
      const gap = [...ids, ...out].every((v) => v < 10) ? "" : " ";
      b.textContent = `${sampleName(n)}: ${ids.join(gap)} → ${out.join(gap)}`;
      b.setAttribute("aria-pressed", "false");
      li.append(b);
      return b;
    });
    this.list.replaceChildren(...this.items.map((b) => b.parentElement));
    this.caption.textContent = `${name ?? "your own sequences"}: ${X.length} training sequences${held ? ` (${held} more held out as test sequences)` : ""}`
      + `${X.length > SHOWN ? `, the first ${SHOWN} here` : ""}. Each: its tokens → the target at each position. Click one to follow it; those of the current minibatch are in bold.`;
    this.selected = -1;
    this.setBatch(this.batch ?? null);
  }

  setSelected(n) {
    if (n === this.selected) return;
    const old = this.items[this.selected];
    if (old) old.setAttribute("aria-pressed", "false");
    this.selected = n;
    const now = this.items[n];
    if (now) {
      now.setAttribute("aria-pressed", "true");
      const box = this.list.getBoundingClientRect(), item = now.getBoundingClientRect();
      if (item.top < box.top || item.bottom > box.bottom) this.list.scrollTop += item.top - box.top - box.height / 2;
    }
  }

  /** the indices of the current minibatch (null: every sequence) */
  setBatch(indices) {
    this.batch = indices;
    const inBatch = indices ? new Set(indices) : null;
    this.items.forEach((b, n) => b.classList.toggle("faded", Boolean(inBatch && !inBatch.has(n))));
  }
}
