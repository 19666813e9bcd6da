// the teacher's mode from a lesson link: controls hidden or locked for a lesson on one idea.
// Every control that can be restricted carries data-control="name" (the names of the API's
// teacher mode); this module alone decides what that means, also for elements drawn later.

export const LOCK_NOTE = "locked by your teacher for this lesson";

import { controlLabel } from "../core/catalog.js";

const FORM = new Set(["BUTTON", "INPUT", "SELECT", "TEXTAREA", "FIELDSET"]);
const BUILD_CONTROLS = ["dataset", "points", "layers", "activations", "loss", "optimizer", "batch_size", "seed",
                        "regularization", "layer_options"];

/** Hide or lock the [data-control] elements of `doc` as the current teacher's mode says. */
export class TeacherControls {
  constructor(doc) {
    this.doc = doc;
    this.hide = new Set();
    this.lock = new Set();
    this.predict = null;
    this.derive = null;          // {layer, i, j}: the weight whose formula the lesson asks for
    // panels drawn later (a layer row, the chain panel's check button) follow the same mode
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) this.applyWithin(n);
    }).observe(doc.body, { childList: true, subtree: true });
  }

  /** a scenario's teacher mode ({hide, lock, predict, derive}), or null for none */
  set(mode) {
    this.hide = new Set(mode?.hide ?? []);
    this.lock = new Set((mode?.lock ?? []).filter((name) => !this.hide.has(name)));
    this.predict = mode?.predict ?? null;
    this.derive = mode?.derive ?? null;
    for (const note of this.doc.querySelectorAll(".lock-note")) note.remove();
    this.applyWithin(this.doc.body);
    // "any change here builds a new network": not when the lesson leaves nothing here to change
    const hint = this.doc.getElementById("rebuild-hint");
    if (hint) hint.hidden = BUILD_CONTROLS.every((name) => this.how(name) !== null);
  }

  /** "hide", "lock" or null for control `name` */
  how(name) {
    return this.hide.has(name) ? "hide" : this.lock.has(name) ? "lock" : null;
  }

  get active() { return this.hide.size > 0 || this.lock.size > 0 || this.predict !== null || this.derive !== null; }

  /** the derive exercise's weight as an edge selection {kind, L, i, j}, or null */
  get deriveEdge() {
    return this.derive && { kind: "edge", L: this.derive.layer + 1, i: this.derive.i, j: this.derive.j };
  }

  /** the mode as the API takes it, for a link that keeps it */
  mode() {
    return { hide: [...this.hide], lock: [...this.lock], predict: this.predict, derive: this.derive };
  }

  /** why control `name` cannot be used now, or "" if it can */
  blocked(name) {
    const how = this.how(name);
    if (!how) return "";
    const label = controlLabel(name);
    return `${label[0].toUpperCase()}${label.slice(1)} is ${how === "hide" ? "turned off" : "locked"} by your teacher for this lesson.`;
  }

  /** one sentence for the lesson box: what is locked and what is hidden */
  summary() {
    const names = (set) => [...set].map((n) => controlLabel(n)).join(", ");
    const parts = [];
    if (this.lock.size) parts.push(`locked: ${names(this.lock)}`);
    if (this.hide.size) parts.push(`hidden: ${names(this.hide)}`);
    return parts.length ? `Set by your teacher for this lesson: ${parts.join("; ")}.` : "";
  }

  applyWithin(root) {
    if (root.matches("[data-control]")) this.apply(root);
    for (const el of root.querySelectorAll("[data-control]")) this.apply(el);
  }

  /** hide the element, or disable it (a fieldset or form control) or the form controls inside it */
  apply(el) {
    const hows = el.dataset.control.split(/\s+/).map((name) => this.how(name));
    const how = hows.includes("hide") ? "hide" : hows.includes("lock") ? "lock" : null;
    el.classList.toggle("teacher-hidden", how === "hide");
    const targets = FORM.has(el.tagName) ? [el] : [...el.querySelectorAll("button, input, select, textarea")];
    for (const t of targets) {
      if (how === "lock") {
        if (!t.dataset.locked) {
          t.dataset.locked = "true";
          t.dataset.titleBefore = t.title;
        }
        t.disabled = true;
        t.title = LOCK_NOTE;
      } else if (t.dataset.locked) {
        t.disabled = false;           // its owner's next render disables it again if it should be
        t.title = t.dataset.titleBefore ?? "";
        delete t.dataset.locked;
        delete t.dataset.titleBefore;
      }
    }
    const name = el.dataset.control.split(/\s+/)[0];
    if (how === "lock" && el.dataset.note !== "none" && !this.doc.querySelector(`.lock-note[data-for="${name}"]`)) {
      const note = this.doc.createElement("p");
      note.className = "lock-note";
      note.dataset.for = name;
      note.textContent = `${controlLabel(name)}: ${LOCK_NOTE}`;
      el.after(note);
    }
  }
}
