// the Build panel's part for images: the image datasets in the dataset menu, and the stack of
// convolution and pooling layers before flatten (each with the settings the catalog's layer
// kinds allow, and the shape it gives)
import { hiddenActivations, imageDatasets, layerKinds } from "../core/catalog.js";
import { layerShapes, shapeText } from "../conv/convmath.js";

export const MAX_CONV_LAYERS = 6;      // with flatten and a dense output: the 8 layer objects allowed

/** the image datasets as the Build panel's dataset infos: {name: {inputs: [C, H, W], …, image}} */
export function imageInfos() {
  return Object.fromEntries(imageDatasets().map((d) => [d.name, { inputs: d.shape, outputs: d.outputs, task: d.task,
                                                                  description: d.description, image: true }]));
}

/** the image datasets as a group of the dataset menu (before "your own points") */
export function addImageOptions(select) {
  const group = select.ownerDocument.createElement("optgroup");
  group.label = "images (a small convolutional network)";
  for (const d of imageDatasets()) group.append(new Option(`${d.name} (images)`, d.name));
  select.append(group);
}

/** a new layer of `kind` with the catalog's defaults (a conv: 4 kernels of 3×3, relu) */
export function newLayer(kind) {
  if (kind === "conv2d") return { type: "conv2d", channels: 4, kernel: 3, stride: 1, padding: 0, activation: "relu" };
  return { type: kind, size: 2 };
}

/** each layer's output shape, or where the stack stops fitting: {shapes, bad} (bad: the first
 *  layer whose output would be empty, or -1) */
export function stackShapes(inputShape, stack) {
  const shapes = layerShapes(inputShape, stack);
  const bad = shapes.findIndex((s) => s[1] < 1 || s[2] < 1);
  return { shapes, bad };
}

/** the choices the catalog gives a layer kind's setting, e.g. conv2d's kernel: [1, 3, 5, 7] */
function choices(kind, setting) {
  return layerKinds().find((k) => k.name === kind)?.settings?.[setting]?.choices ?? [];
}

const LABELS = { channels: "kernels", kernel: "size", stride: "stride", padding: "padding", size: "window" };

/** The list of conv and pool layers; `onEdit(change)` gets a function that edits a spec copy
 *  and returns what it did, as the Builder's edit() takes. */
export class ConvStackEditor {
  constructor(doc, after, { onEdit }) {
    this.doc = doc;
    this.box = doc.createElement("div");
    this.box.className = "conv-build";
    this.box.dataset.control = "layers";
    this.list = doc.createElement("ol");
    this.list.className = "hidden-layers conv-layers";
    this.list.setAttribute("aria-label", "Convolution and pooling layers");
    const add = doc.createElement("div");
    add.className = "conv-add";
    this.addButtons = ["conv2d", "maxpool2d", "avgpool2d"].map((kind) => {
      const b = doc.createElement("button");
      b.type = "button";
      b.className = "small";
      b.dataset.add = kind;
      b.textContent = kind === "conv2d" ? "+ convolution" : kind === "maxpool2d" ? "+ max pool" : "+ average pool";
      add.append(b);
      return b;
    });
    this.flat = doc.createElement("p");
    this.flat.className = "layer-row fixed";
    this.box.append(this.list, add, this.flat);
    after.after(this.box);
    add.addEventListener("click", (e) => {
      const kind = e.target.closest("button[data-add]")?.dataset.add;
      if (kind) onEdit((s) => { s.conv.push(newLayer(kind)); return `added a ${kind === "conv2d" ? "convolution" : "pool"} layer`; });
    });
    this.list.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-remove]");
      if (!b) return;
      const k = Number(b.dataset.remove);
      onEdit((s) => { s.conv.splice(k, 1); return `removed layer ${k}`; });
    });
    this.list.addEventListener("change", (e) => {
      const sel = e.target.closest("select[data-setting]");
      if (!sel) return;
      const k = Number(sel.dataset.layer), key = sel.dataset.setting;
      const value = key === "activation" || key === "type" ? sel.value : Number(sel.value);
      onEdit((s) => {
        const before = s.conv[k][key];
        s.conv[k][key] = value;
        return `layer ${k}: ${LABELS[key] ?? key} ${before} → ${value}`;
      });
    });
  }

  /** show the stack of `spec` (hidden for point data) */
  render(spec, info) {
    this.box.hidden = !info.image;
    if (!info.image) return;
    const { shapes, bad } = stackShapes(info.inputs, spec.conv);
    const rows = spec.conv.map((layer, k) => this.row(layer, k, shapes[k], bad === k));
    this.list.replaceChildren(...rows);
    const last = spec.conv.length ? shapes[spec.conv.length - 1] : info.inputs;
    this.flat.textContent = `Flatten: ${shapeText(last)} → ${last.reduce((p, n) => p * n, 1)} values, then the dense layers below`;
    for (const b of this.addButtons) {
      b.disabled = spec.conv.length >= MAX_CONV_LAYERS;
      b.title = b.disabled ? `at most ${MAX_CONV_LAYERS} convolution and pooling layers` : "";
    }
  }

  row(layer, k, shape, bad) {
    const doc = this.doc;
    const li = doc.createElement("li");
    li.className = "layer-row conv-row";
    li.dataset.kind = layer.type;
    const name = doc.createElement("span");
    name.className = "layer-name";
    name.textContent = layer.type === "conv2d" ? `Conv ${k}` : layer.type === "maxpool2d" ? `Max pool ${k}` : `Avg pool ${k}`;
    const settings = layer.type === "conv2d" ? ["channels", "kernel", "stride", "padding"] : ["size"];
    const selects = settings.map((key) => this.select(k, key, choices(layer.type, key), layer[key]));
    if (layer.type === "conv2d") selects.push(this.select(k, "activation", hiddenActivations(), layer.activation));
    const out = doc.createElement("span");
    out.className = bad ? "conv-shape bad" : "conv-shape";
    out.textContent = bad ? "→ too small: remove or shrink" : `→ ${shapeText(shape)}`;
    const remove = doc.createElement("button");
    Object.assign(remove, { type: "button", className: "small remove", textContent: "×" });
    remove.dataset.remove = String(k);
    remove.setAttribute("aria-label", `remove layer ${k}`);
    li.append(name, ...selects, out, remove);
    return li;
  }

  select(k, key, values, current) {
    const label = this.doc.createElement("label");
    label.className = "inline";
    const sel = this.doc.createElement("select");
    sel.dataset.layer = String(k);
    sel.dataset.setting = key;
    sel.setAttribute("aria-label", `${key === "activation" ? "activation" : LABELS[key]} of layer ${k}`);
    for (const v of values) sel.append(new Option(String(v), String(v), false, v === current));
    label.append(`${LABELS[key] ?? ""} `, sel);
    return label;
  }
}
