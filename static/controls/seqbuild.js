// the Build panel's part for sequences: the sequence datasets in the dataset menu, and the one
// attention head before the dense layers (its d_k, d_v and causal mask)
import { sequenceDatasets } from "../core/catalog.js";

export const MAX_HEAD = 16;                  // d_k and d_v: 1 … 16 (the API's bounds)

/** the head a sequence dataset opens with: d_k = d_v = 8, not causal */
export const DEFAULT_HEAD = { type: "attention", d_k: 8, d_v: 8, causal: false };

/** the sequence datasets as the Build panel's dataset infos: {name: {inputs: [T, d_in], …, sequence}} */
export function sequenceInfos() {
  return Object.fromEntries(sequenceDatasets().map((d) => [d.name, { inputs: d.shape, outputs: d.outputs, task: d.task,
                                                                     description: d.description, sequence: true }]));
}

/** the sequence datasets as a group of the dataset menu */
export function addSequenceOptions(select) {
  const list = sequenceDatasets();
  if (!list.length) return;
  const group = select.ownerDocument.createElement("optgroup");
  group.label = "sequences (one attention head)";
  for (const d of list) group.append(new Option(`${d.name} (sequences)`, d.name));
  select.append(group);
}

/** The head's row of the Build panel: d_k, d_v, causal; `onEdit(change)` as the Builder's edit() takes. */
export class HeadEditor {
  constructor(doc, after, { onEdit }) {
    this.doc = doc;
    this.box = doc.createElement("div");
    this.box.className = "layer-row head-build";
    this.box.dataset.control = "layers";
    const name = doc.createElement("span");
    name.className = "layer-name";
    name.textContent = "Attention head";
    this.inputs = {};
    const number = (key, text, title) => {
      const label = doc.createElement("label");
      label.className = "inline";
      label.title = title;
      const input = doc.createElement("input");
      Object.assign(input, { type: "number", min: "1", max: String(MAX_HEAD), step: "1" });
      input.dataset.head = key;
      input.setAttribute("aria-label", `${text} of the attention head`);
      label.append(`${text} `, input);
      this.inputs[key] = input;
      return label;
    };
    const causal = doc.createElement("label");
    causal.className = "inline";
    causal.title = "a position attends only to itself and the positions before it";
    this.inputs.causal = doc.createElement("input");
    this.inputs.causal.type = "checkbox";
    this.inputs.causal.dataset.head = "causal";
    causal.append(this.inputs.causal, " causal");
    this.box.append(name, number("d_k", "d_k", "the size of a query and of a key"),
                    number("d_v", "d_v", "the size of a value, and of the head’s output at each position"), causal);
    after.after(this.box);
    this.box.addEventListener("change", (e) => {
      const key = e.target.dataset.head;
      if (!key) return;
      const value = key === "causal" ? e.target.checked
        : Math.max(1, Math.min(MAX_HEAD, Math.round(Number(e.target.value)) || 1));
      onEdit((s) => {
        const before = s.head[key];
        s.head[key] = value;
        return key === "causal" ? `attention head: ${value ? "causal" : "not causal"}` : `attention head: ${key} ${before} → ${value}`;
      });
    });
  }

  /** show the head of `spec` (hidden for other data) */
  render(spec, info) {
    this.box.hidden = !info.sequence;
    if (!info.sequence || !spec.head) return;
    for (const key of ["d_k", "d_v"]) {
      if (this.doc.activeElement !== this.inputs[key]) this.inputs[key].value = String(spec.head[key]);
    }
    this.inputs.causal.checked = Boolean(spec.head.causal);
  }
}
