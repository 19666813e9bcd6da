// the Build panel: dataset, layers, activations, loss, optimiser; every change becomes a new
// session config (buildspec.js) plus a sentence saying what changed

import { defaultLoss, defaultOutput, hiddenActivations, lossWords, outputActivations, requiredOutput, settingDefault } from "../core/catalog.js";
import { DEFAULT_CONV, STARTER, SINGLE_NEURON, clone, lossFits, specConfig, specFromConfig, specInfo } from "./buildspec.js";
import { ConvStackEditor, addImageOptions, imageInfos } from "./convbuild.js";
import { DEFAULT_HEAD, HeadEditor, addSequenceOptions, sequenceInfos } from "./seqbuild.js";

/** The Build controls; `onChange(spec, what)` fires for every edit the learner makes. */
export class Builder {
  constructor(doc, { onChange, maxUnits, maxHidden }) {
    this.doc = doc;
    this.onChange = onChange;
    this.maxUnits = maxUnits;
    this.maxHidden = maxHidden;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      dataset: $("dataset"), points: $("points"), noise: $("noise"), hidden: $("hidden-layers"),
      addLayer: $("add-layer"), inputRow: $("input-row"), outputLabel: $("output-label"),
      output: $("output-activation"), loss: $("loss"), optimizer: $("optimizer"), lr: $("lr"),
      batch: $("batch-size"), seed: $("seed"), preset: $("preset-single"), hint: $("dataset-hint"),
      regKind: $("reg-kind"), regRate: $("reg-rate"), features: $("features"), testRatio: $("test-ratio"),
    };
    this.datasets = {};
    for (const opt of this.el.dataset.options) {
      this.datasets[opt.value] = { inputs: Number(opt.dataset.inputs), outputs: Number(opt.dataset.outputs),
                                   task: opt.dataset.task, description: opt.dataset.description };
    }
    // the image datasets (a CNN) and their conv and pool layers (convbuild.js)
    Object.assign(this.datasets, imageInfos());
    addImageOptions(this.el.dataset);
    this.convEditor = new ConvStackEditor(doc, this.el.inputRow, { onEdit: (change) => this.edit(change) });
    // the sequence datasets (an attention head) and the head's settings (seqbuild.js)
    Object.assign(this.datasets, sequenceInfos());
    addSequenceOptions(this.el.dataset);
    this.headEditor = new HeadEditor(doc, this.el.inputRow, { onEdit: (change) => this.edit(change) });
    this.spec = {
      dataset: "xor", n: 200, noise: 0.1, points: null,
      hidden: [{ units: 4, activation: "tanh" }], output: "sigmoid", loss: "bce",
      optimizer: "sgd", lr: settingDefault("lr"), batch: null, seed: 0, params: null, extra: null, reg: null, features: null, test: 0,
    };
    this.wanted = this.spec;
    this.wire();
    this.render();
  }

  wire() {
    const e = this.el;
    for (const input of [e.lr, e.batch, e.seed, e.points, e.noise]) {   // typing anew clears a refusal
      input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
    }
    e.dataset.addEventListener("change", () => this.edit((s) => this.chooseDataset(s, e.dataset.value)));
    e.points.addEventListener("change", () => this.edit((s) => {
      s.n = Math.round(Number(e.points.value));
      return `points: ${this.wanted.n} → ${s.n}`;
    }));
    e.noise.addEventListener("change", () => this.edit((s) => {
      s.noise = Number(e.noise.value);
      return `noise: ${this.wanted.noise} → ${s.noise}`;
    }));
    e.addLayer.addEventListener("click", () => this.edit((s) => {
      const units = s.hidden.length ? s.hidden[s.hidden.length - 1].units : 4;
      s.hidden.push({ units, activation: s.hidden.length ? s.hidden[s.hidden.length - 1].activation : "tanh" });
      return `added hidden layer ${s.hidden.length} (${units} units)`;
    }));
    e.output.addEventListener("change", () => this.edit((s) => {
      s.output = e.output.value;
      return `output activation: ${this.wanted.output} → ${s.output}`;
    }));
    e.loss.addEventListener("change", () => this.edit((s) => {
      s.loss = e.loss.value;
      let what = `loss: ${lossWords(this.wanted.loss)} → ${lossWords(s.loss)}`;
      const needed = requiredOutput(s.loss);
      if (needed && s.output !== needed) {
        s.output = needed;
        what += ` (which needs a ${needed} output, so the output activation changed too)`;
      } else if (!needed && s.output === "softmax") {
        s.output = defaultOutput(s.loss);
        what += ` (softmax goes with cross-entropy only, so the output became ${s.output})`;
      }
      return what;
    }));
    e.optimizer.addEventListener("change", () => this.edit((s) => {
      s.optimizer = e.optimizer.value;
      return `optimiser: ${this.wanted.optimizer} → ${s.optimizer}`;
    }));
    // a weight penalty: none, or l1 / l2 with its rate
    const regChanged = () => this.edit((s) => {
      const kind = e.regKind.value;
      const rate = e.regRate.value === "" ? NaN : Number(e.regRate.value);
      s.reg = kind ? { kind, rate } : null;
      const was = this.wanted.reg ? `${this.wanted.reg.kind} ${this.wanted.reg.rate}` : "none";
      return `regularisation: ${was} → ${kind ? `${kind} ${e.regRate.value}` : "none"}`;
    });
    e.regKind.addEventListener("change", regChanged);
    e.testRatio.addEventListener("change", () => this.edit((s) => {
      s.test = e.testRatio.value === "" ? 0 : Number(e.testRatio.value);
      return `test points: ${this.wanted.test ?? 0} → ${s.test} of the data held out`;
    }));
    // the network's inputs: features of each point (x₁², sin x₂ …), at least one
    e.features.addEventListener("change", (ev) => {
      const chosen = [...e.features.querySelectorAll("input[name=feature]:checked")].map((c) => c.value);
      if (!chosen.length) {
        ev.target.checked = true;
        return;
      }
      this.edit((s) => {
        const was = (s.features ?? ["x1", "x2"]).join(", ");
        s.features = chosen.join() === "x1,x2" ? null : chosen;
        return `input features: ${was} → ${chosen.join(", ")}`;
      });
    });
    e.regRate.addEventListener("change", () => { if (e.regKind.value) regChanged(); });
    e.lr.addEventListener("change", () => this.edit((s) => {
      s.lr = e.lr.value === "" ? NaN : Number(e.lr.value);
      return `learning rate: ${this.wanted.lr} → ${e.lr.value}`;
    }));
    e.batch.addEventListener("change", () => this.edit((s) => {
      s.batch = e.batch.value === "" ? null : Math.round(Number(e.batch.value));
      return `batch size: ${this.wanted.batch ?? "all points"} → ${s.batch ?? "all points"}`;
    }));
    e.seed.addEventListener("change", () => this.edit((s) => {
      s.seed = Math.round(Number(e.seed.value));
      return `seed: ${this.wanted.seed} → ${s.seed} (new starting weights)`;
    }));
    e.hidden.addEventListener("click", (ev) => {
      const button = ev.target.closest("button[data-op]");
      if (!button) return;
      const k = Number(button.dataset.layer);
      const op = button.dataset.op;
      this.edit((s) => {
        if (op === "remove") {
          s.hidden.splice(k, 1);
          return `removed hidden layer ${k + 1}`;
        }
        const before = s.hidden[k].units;
        s.hidden[k].units = Math.max(1, Math.min(this.maxUnits, before + (op === "more" ? 1 : -1)));
        return `hidden layer ${k + 1}: ${before} → ${s.hidden[k].units} units`;
      });
    });
    e.hidden.addEventListener("change", (ev) => {
      const option = ev.target.closest("input[data-option]");
      if (option) {
        const k = Number(option.dataset.layer);
        this.edit((s) => {
          const h = s.hidden[k];
          if (option.dataset.option === "batch_norm") {
            h.batchNorm = option.checked;
            return `hidden layer ${k + 1}: batch norm ${h.batchNorm ? "on" : "off"}`;
          }
          const rate = Math.max(0, Math.min(MAX_DROPOUT, Number(option.value) || 0));
          const before = h.dropout ?? 0;
          h.dropout = rate;
          return `hidden layer ${k + 1}: dropout ${before} → ${rate}`;
        });
        return;
      }
      const select = ev.target.closest("select[data-layer]");
      if (!select) return;
      const k = Number(select.dataset.layer);
      this.edit((s) => {
        s.hidden[k].activation = select.value;
        return `hidden layer ${k + 1} activation: ${this.wanted.hidden[k].activation} → ${select.value}`;
      });
    });
  }

  /** a hidden layer's batch-norm box and dropout rate */
  optionControls(h, k) {
    const doc = this.doc;
    const box = doc.createElement("span");
    box.className = "layer-options";
    box.dataset.control = "layer_options";
    const bn = doc.createElement("label");
    const check = doc.createElement("input");
    Object.assign(check, { type: "checkbox", checked: !!h.batchNorm });
    Object.assign(check.dataset, { option: "batch_norm", layer: String(k) });
    check.setAttribute("aria-label", `batch norm in hidden layer ${k + 1}`);
    bn.title = "normalise z over the batch, then γ·ẑ + β, before the activation (needs 2 or more points a batch)";
    bn.append(check, " batch norm");
    const drop = doc.createElement("label");
    const rate = doc.createElement("input");
    Object.assign(rate, { type: "number", min: "0", max: String(MAX_DROPOUT), step: "0.05", value: String(h.dropout ?? 0) });
    Object.assign(rate.dataset, { option: "dropout", layer: String(k) });
    rate.setAttribute("aria-label", `dropout rate of hidden layer ${k + 1}`);
    drop.title = "the share of this layer's units switched off in each training step (none in predictions)";
    drop.append("dropout ", rate);
    box.append(bn, drop);
    return box;
  }

  /** apply `change` to a copy of the spec; it returns the sentence saying what it did */
  edit(change) {
    // start from the latest edit, not the last accepted one: a quick second edit keeps the first
    const next = clone(this.wanted);
    next.params = null;             // explicit weights belong to the preset only
    const what = change(next);
    this.wanted = next;
    this.onChange(next, what);
  }

  info(spec = this.spec) { return specInfo(spec, this.datasets); }

  task(spec = this.spec) { return this.info(spec).task; }

  chooseDataset(s, name, points = null) {
    const before = this.info(s);
    s.dataset = name;
    if (name === "custom") s.points = clone(points ?? STARTER);
    else s.points = null;
    const after = this.info(s);
    if (after.image && !before.image) {            // images: the default CNN, its dense output only
      s.conv = clone(DEFAULT_CONV);
      delete s.head;
      s.hidden = [];
      s.features = null;
    } else if (after.sequence && !before.sequence) {   // sequences: one head, a dense output per position
      s.head = { d_k: DEFAULT_HEAD.d_k, d_v: DEFAULT_HEAD.d_v, causal: DEFAULT_HEAD.causal };
      delete s.conv;
      s.hidden = [];
      s.features = null;
    } else if (!after.image && !after.sequence && (before.image || before.sequence)) {   // points again: the usual hidden layer
      delete s.conv;
      delete s.head;
      if (!s.hidden.length) s.hidden = [{ units: 4, activation: "tanh" }];
    }
    let what = name === "custom" ? `data: your own points (${s.points.X.length} to start; click the plot to add more)`
                                 : `data: ${name} (${after.description})`;
    if (before.task !== after.task || !lossFits(s.loss, after.task)) {
      s.loss = defaultLoss(after.task);
      s.output = defaultOutput(s.loss);
      what += `; loss ${lossWords(s.loss)} with a ${s.output} output, as suits ${after.task === "regression" ? "a regression" : after.task === "multiclass" ? `${after.outputs} classes` : "two classes"}`;
    }
    return what;
  }

  /** the spec with these points as its data; `weights` (the ones on screen) carry on when the
   *  network keeps its shape and loss, so a point added to a trained network does not undo it */
  withPoints(X, Y, what, weights = null) {
    const next = clone(this.wanted);
    const wasNamed = next.dataset !== "custom";
    const before = this.info(next);
    next.dataset = "custom";
    next.points = { X, Y };
    const after = this.info(next);
    if (!lossFits(next.loss, after.task) || after.task !== before.task) {   // new data of another kind: its usual loss
      next.loss = defaultLoss(after.task);
      next.output = defaultOutput(next.loss);
    }
    const sameNetwork = next.loss === this.wanted.loss && after.outputs === before.outputs
      && JSON.stringify(after.inputs) === JSON.stringify(before.inputs);     // an image's shape too
    next.params = weights && sameNetwork ? clone(weights) : null;
    this.wanted = next;
    // a new network from them: say what that means for the step, the chart and Reset
    const kept = next.params ? "; the weights on screen carry on as its starting weights (so the step "
      + "count starts again at 0, the loss chart starts anew, and Reset now goes back to these weights)" : "";
    return [next, (wasNamed ? `${what}; the data are now your own ${X.length} ${after.image ? "images" : after.sequence ? "sequences" : "points"}` : what) + kept];
  }

  /** the SessionConfig of a spec */
  config(spec = this.spec) { return specConfig(spec, this.info(spec)); }

  /** the spec of a session opened from a scenario or a file (specFromConfig) */
  fromConfig(normal, given) { return specFromConfig(normal, given, this.spec); }

  /** the spec of the single-neuron preset */
  singleNeuron() {
    return this.want({
      dataset: "single", n: 1, noise: 0, points: null, hidden: [], output: "sigmoid", loss: "mse",
      optimizer: "sgd", lr: 0.01, batch: null, seed: 0, params: clone(SINGLE_NEURON.params),
    });
  }

  want(spec) {
    this.wanted = spec;
    return spec;
  }

  /** adopt a spec the server accepted, and show it */
  accept(spec) {
    this.spec = clone(spec);
    if (spec === this.wanted) this.render();   // later edits are already on screen
  }

  /** back to the settings in use, in every field (a refused value is replaced even in the
   *  field that has the focus: the learner committed it, and the message says why it went) */
  revert() {
    this.wanted = clone(this.spec);
    this.render(true);
  }

  render(everyField = false) {
    const s = this.spec, e = this.el;
    const info = this.info();
    e.dataset.value = s.dataset;
    e.hint.textContent = s.dataset === "custom"
      ? `${info.description}${info.sequence ? "" : `: ${info.image ? "draw one under the images to add more" : "click the data plot to add or remove points"}`}.`
      : `${info.description} (${info.task === "regression" ? "regression" : info.task === "multiclass" ? `${info.outputs} classes` : "2 classes"}).`;
    // never overwrite what the learner is typing, unless reverting
    const put = (input, value) => { if (everyField || this.doc.activeElement !== input) input.value = value; };
    const named = s.dataset !== "custom" && s.dataset !== "single";
    // the points a fixed dataset has, and no noise: it is not generated
    put(e.points, s.dataset === "custom" ? s.points.X.length : s.dataset === "single" ? 1 : s.n);
    put(e.noise, named ? s.noise : "");
    e.points.disabled = e.noise.disabled = !named;
    e.points.title = e.noise.title = named ? "" : "fixed for this dataset";
    const features = info.inputs === 2 ? s.features : null;
    e.inputRow.textContent = info.image ? `Input: images of ${info.inputs.join("×")} (channels × height × width)`
      : info.sequence ? `Input: sequences of ${info.inputs[0]} positions × ${info.inputs[1]} features (token and position one-hot)`
      : features ? `Inputs: ${features.length} (the features chosen below)` : `Inputs: ${info.inputs} (set by the data)`;
    this.convEditor.render(s, info);
    this.headEditor.render(s, info);
    e.features.hidden = info.inputs !== 2;
    const on = new Set(features ?? ["x1", "x2"]);
    for (const box of e.features.querySelectorAll("input[name=feature]")) box.checked = on.has(box.value);
    e.outputLabel.textContent = `Output: ${info.outputs} unit${info.outputs > 1 ? "s" : ""}${info.sequence ? " at each position" : ""}`;

    const rows = s.hidden.map((h, k) => {
      const li = this.doc.createElement("li");
      li.className = "layer-row";
      const name = this.doc.createElement("span");
      name.className = "layer-name";
      name.textContent = `Hidden ${k + 1}`;
      const less = button(this.doc, "−", { op: "less", layer: k }, `fewer units in hidden layer ${k + 1}`);
      less.disabled = h.units <= 1;
      const units = this.doc.createElement("output");
      units.className = "units";
      units.textContent = `${h.units}`;
      units.setAttribute("aria-label", `hidden layer ${k + 1} has ${h.units} units`);
      const more = button(this.doc, "+", { op: "more", layer: k }, `more units in hidden layer ${k + 1}`);
      more.disabled = h.units >= this.maxUnits;
      if (more.disabled) more.title = `at most ${this.maxUnits} units per layer`;
      const select = this.doc.createElement("select");
      select.dataset.layer = String(k);
      select.setAttribute("aria-label", `activation of hidden layer ${k + 1}`);
      for (const a of hiddenActivations()) select.append(new Option(a, a, false, a === h.activation));
      const remove = button(this.doc, "×", { op: "remove", layer: k }, `remove hidden layer ${k + 1}`);
      remove.classList.add("remove");
      select.dataset.control = "activations";
      select.dataset.note = "none";
      li.append(name, control(this.doc, "layers", less), units, control(this.doc, "layers", more), select,
                control(this.doc, "layers", remove), this.optionControls(h, k));
      return li;
    });
    e.hidden.replaceChildren(...rows);
    e.addLayer.disabled = s.hidden.length >= this.maxHidden;
    e.addLayer.title = e.addLayer.disabled ? `at most ${this.maxHidden} hidden layers` : "add a hidden layer before the output";

    e.output.replaceChildren(...outputActivations().map((a) => {
      const opt = new Option(a, a, false, a === s.output);
      const needed = requiredOutput(s.loss);
      opt.disabled = needed ? a !== needed : a === "softmax";
      return opt;
    }));
    const forced = requiredOutput(s.loss);
    e.output.title = forced ? `${lossWords(s.loss)} needs a ${forced} output` : "softmax goes with cross-entropy only";
    for (const opt of e.loss.options) {
      opt.disabled = !lossFits(opt.value, info.task);
    }
    e.loss.value = s.loss;
    e.loss.title = info.task === "regression" ? "regression targets are not probabilities: mse"
      : info.task === "binary" ? "cross-entropy needs one-hot targets of several classes" : "";
    put(e.optimizer, s.optimizer);
    put(e.lr, Number.isNaN(s.lr) ? "" : s.lr);
    put(e.batch, s.batch ?? "");
    put(e.seed, s.seed);
    put(e.regKind, s.reg ? s.reg.kind : "");
    put(e.testRatio, s.test ?? 0);
    if (s.reg) put(e.regRate, Number.isNaN(s.reg.rate) ? "" : s.reg.rate);
    for (const input of [e.lr, e.batch, e.seed, e.points, e.noise, e.regRate]) input.removeAttribute("aria-invalid");
  }

  /** mark the controls the server complained about; true if any was */
  markInvalid(fields) {
    const map = { "optimizer.lr": this.el.lr, batch_size: this.el.batch, seed: this.el.seed,
                  "regularization.rate": this.el.regRate, test_ratio: this.el.testRatio,
                  "dataset.n": this.el.points, "dataset.noise": this.el.noise };
    const marked = fields.filter((f) => map[f]);
    for (const f of marked) map[f].setAttribute("aria-invalid", "true");
    return marked.length > 0;
  }
}

/** a bare fieldset around `child`, so a teacher's lock disables it whatever its own state */
function control(doc, name, child) {
  const box = doc.createElement("fieldset");
  box.className = "control inline";
  box.dataset.control = name;
  box.dataset.note = "none";
  box.append(child);
  return box;
}

const MAX_DROPOUT = 0.9;

function button(doc, text, data, label) {
  const b = doc.createElement("button");
  b.type = "button";
  b.className = "small";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.title = label;
  for (const [k, v] of Object.entries(data)) b.dataset[k] = String(v);
  return b;
}
