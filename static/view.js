// the followed sample and the pictures of each state: restyle after every answer, never rebuild per step
import { api } from "./api.js";
import { CLASS_TEXT_COLORS } from "./colors.js";
import { fmt } from "./format.js";
import { renderGuide } from "./guide.js";
import { renderNodePanel } from "./nodepanel.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const CLASS_MARKS = ["●", "■", "▲"];
const CLASS_WORDS = ["blue", "orange", "green"];
const OWN_POINTS_EXTENT = 1.5;     // own points: the plot covers at least ±1.5, room to click

/** shows each state of the session; `app` holds the pictures and the other parts */
export class SessionView {
  constructor(doc, app) {
    this.doc = doc;
    this.app = app;
    this.data = null;           // {X, Y, task} of the session
    this.sample = 0;            // the dataset index every per-sample number follows
    this.selection = null;      // {kind: "node" | "edge", ...} shown in the inspector
    const $ = (id) => doc.getElementById(id);
    this.el = {
      inspector: $("inspector"), loss: $("loss-text"), accuracy: $("accuracy-text"),
      dataCaption: $("data-caption"), addModes: $("add-modes"), clickMode: $("click-mode"),
      sampleInput: $("sample-index"),
    };
    this.el.clickMode.addEventListener("change", (e) => {
      if (e.target.name === "click-mode") app.plot.setMode(e.target.value);
    });
    this.el.sampleInput.addEventListener("change", () => {
      const n = Math.round(Number(this.el.sampleInput.value));
      if (Number.isInteger(n) && n >= 0 && app.state && n < app.state.points) this.pickSample(n);
      else {
        this.el.sampleInput.value = this.sample;
        app.messages.say(`Pick a sample between 0 and ${app.state ? app.state.points - 1 : 0}.`);
      }
    });
  }

  /** a session just adopted: its data, its sample, its loss history, then its state */
  load(state, data, history) {
    const { app } = this;
    this.data = data;
    this.sample = state.sample.index;
    const sameShape = app.state && JSON.stringify(app.state.config.layers) === JSON.stringify(state.config.layers);
    if (!sameShape) this.selection = null;
    app.plot.setData(data.X, data.Y, data.task, this.extent(), data.bounds);
    this.renderAddModes(data.task, data.X[0].length);
    if (history) app.chart.load(history.steps, history.losses);
    else app.chart.clear();
    this.show(state, "new");
  }

  /** how far the plot and its pictures reach beyond the data: own points get room to click */
  extent() {
    return this.app.builder.spec.dataset === "custom" ? OWN_POINTS_EXTENT : null;
  }

  pickSample(n) {
    const { app } = this;
    return app.session.enqueue(async () => {
      if (!app.state) return;
      this.sample = n;
      const state = await api.get(app.state.id, n);
      this.show(state, "sample");
      const s = state.sample;
      app.messages.say(`Following sample #${n}: x = (${s.input.map((v) => fmt(v, 3)).join(", ")}), y = (${s.target.map((v) => fmt(v, 3)).join(", ")}).`);
    });
  }

  /** follow sample `n` of the current batch instead of `old`, which is not in it */
  followInBatch(n, old) {
    const { app } = this;
    return app.session.enqueue(async () => {
      if (!app.state || this.sample !== old) return;       // the learner picked another meanwhile
      this.sample = n;
      const state = await api.get(app.state.id, n);
      this.show(state, "sample");
      app.messages.say(`Now following sample #${n}, the first of this minibatch: sample #${old} is not in it, so it has no values this step.`);
    });
  }

  /** point `n` is going: the followed sample keeps its point where it can */
  followRemoved(n) {
    if (this.sample >= n && this.sample > 0) this.sample -= 1;
  }

  select(sel) {
    this.selection = sel;
    this.app.network.setSelected(sel);
    this.renderInspector();
    if (sel) bringIntoView(this.el.inspector, true);
  }

  /** the panel's numbers arrived: on a phone, where the panel is below the network, its top
   *  comes into view again (the page had scrolled to it while it said "Loading…") */
  keepInView() {
    if (this.selection) bringIntoView(this.el.inspector, true);
  }

  /** the learner's prediction is in: show the weight's real dW and open its chain rule */
  reveal(edge) {
    const { app } = this;
    if (!app.state) return;
    this.show(app.state, "reveal");
    this.select(edge);
    app.messages.say("The real dW is on screen now; its chain rule is open: compare each factor with your own.");
  }

  setClickMode(mode) {
    this.app.plot.setMode(mode);
    const radio = this.el.clickMode.querySelector(`input[value="${mode}"]`);
    if (radio) radio.checked = true;
  }

  // -- drawing ------------------------------------------------------------------------------

  show(state, how) {
    const { app } = this;
    app.state = state;
    const c = state.config;
    const body = this.doc.body;
    body.dataset.session = state.id;
    body.dataset.phase = state.phase;
    body.dataset.step = String(state.step);
    app.network.build(c.layers, c.activations, c.loss, c.layers[0] === 2);
    app.predict.update(state, how);
    app.network.setExercise(app.predict.edge, app.predict.concealed() !== null);
    app.network.update(state);
    app.network.setSelected(this.selection);
    if (how === "backward") app.network.playBackward(reducedMotion.matches);
    else if (how === "new" || how === "reset") app.network.clearLit();
    app.drive.setPhase(state.phase, state.diverged);
    // the loss is of the last Forward: after a Step (or a Train) that is the weights before it
    this.el.loss.textContent = state.loss === null
      ? (state.diverged ? "loss: not a finite number (diverged)" : "loss: none yet (run Forward)")
      : state.phase === "updated"
        ? `loss ${fmt(state.loss, 5)}, of the weights before step ${state.step}`
        : `loss ${fmt(state.loss, 5)} at step ${state.step}`;
    this.el.loss.dataset.value = state.loss === null ? "" : String(state.loss);
    // classes right: for a classification, once a Forward has run (a regression has no classes)
    const classes = c.task !== "regression" && state.accuracy !== null && (state.loss !== null || state.step > 0);
    this.el.accuracy.textContent = classes ? `${Math.round(state.accuracy * 100)}% of all points classified right by the current weights` : "";
    this.el.sampleInput.max = String(state.points - 1);
    this.el.sampleInput.value = String(this.sample);
    app.plot.setSelected(this.sample);
    this.describeData(state);
    if (state.diverged && how !== "train") {
      app.messages.showProblem("The loss or a weight is no longer a finite number: the network diverged. Lower the learning rate, then Reset.");
    }
    if (["new", "step", "train", "reset"].includes(how) && !app.runner.busy) this.refreshPictures();
    if (["new", "forward", "train", "reset"].includes(how)) this.refreshBatch(state, how);
    this.renderInspector();
  }

  /** the output pictures: unit thumbnails and the decision boundary; the latest request wins */
  refreshPictures() {
    const { app } = this;
    if (this.picturesRun) {
      this.picturesAgain = true;
      return this.picturesRun;
    }
    const run = async () => {
      do {
        this.picturesAgain = false;
        if (!app.state) return;
        const id = app.state.id;
        const pred = await api.predictions(id, app.state.config.layers[0] === 1 ? 100 : 50, 16, this.extent());
        if (!app.state || app.state.id !== id) continue;
        app.network.setPictures(pred);
        app.plot.setPredictions(pred);
      } while (this.picturesAgain);
    };
    this.picturesRun = run().catch((err) => app.messages.showError(err)).finally(() => { this.picturesRun = null; });
    return this.picturesRun;
  }

  /** which points the current minibatch holds (the rest fade); after a Forward, or the end of a
   *  Train, a followed sample that is not in the batch gives way to the batch's first one (its
   *  nodes would show no values at all), and the status says which */
  async refreshBatch(state, how) {
    const { app } = this;
    const minibatch = state.config.batch_size !== null && state.config.batch_size < state.points;
    if (!minibatch || state.phase === "fresh") {
      app.plot.setBatch(null);
      return;
    }
    try {
      const indices = [];
      for (let offset = 0; offset !== null;) {
        const page = await api.batch(state.id, offset, 500, false);   // the indices only
        indices.push(...page.indices);
        offset = page.next_offset;
      }
      if (app.state && app.state.id === state.id) app.plot.setBatch(indices);
      const settled = how === "forward" || (how === "train" && !app.runner.busy);
      if (settled && !state.sample.in_batch && indices.length && app.state && app.state.id === state.id) {
        this.followInBatch(indices[0], state.sample.index);
      }
    } catch (err) {
      app.messages.showError(err);
    }
  }

  describeData(state) {
    const task = state.config.task;
    const ds = state.config.dataset;
    const name = ds.name ? ds.name : "your own points";
    const parts = [`${name}: ${state.points} point${state.points === 1 ? "" : "s"}`];
    if (task === "regression") {
      parts.push(state.config.layers[0] === 1 ? "grey dots: the data (x, y); orange line: the network’s output" : "");
    } else {
      const classes = task === "multiclass" ? 3 : 2;
      const marks = Array.from({ length: classes }, (_, k) => `${CLASS_MARKS[k]} class ${k} (${CLASS_WORDS[k]})`).join(", ");
      parts.push(marks);
      parts.push(task === "multiclass" ? "shading: the most likely class" : "shading: the network’s output, black line: where it is 0.5");
    }
    const minibatch = state.config.batch_size !== null && state.config.batch_size < state.points;
    if (minibatch) {
      parts.push(state.phase === "fresh" ? `each Forward draws a minibatch of ${state.config.batch_size} points; the others fade`
        : "faded points are not in the current minibatch");
    }
    parts.push(`ringed: sample #${this.sample}${state.sample.in_batch || state.phase === "fresh" ? "" : " (not in this minibatch)"}`);
    this.el.dataCaption.textContent = parts.filter(Boolean).join(" · ");
  }

  renderAddModes(task, dims) {
    const { plot } = this.app;
    const labels = [];
    if (task === "regression") {
      if (dims === 1) labels.push(["add", "adds a point (x, y)"]);
    } else {
      const classes = task === "multiclass" ? 3 : 2;
      for (let k = 0; k < classes; k++) labels.push([`add-${k}`, `adds class ${k} ${CLASS_MARKS[k]}`, CLASS_TEXT_COLORS[k]]);
    }
    const current = plot.mode;
    const nodes = labels.map(([value, text, color]) => {
      const label = this.doc.createElement("label");
      const input = this.doc.createElement("input");
      input.type = "radio";
      input.name = "click-mode";
      input.value = value;
      input.checked = value === current;
      label.append(input, ` ${text}`);
      if (color) label.style.color = color;
      return label;
    });
    this.el.addModes.replaceChildren(...nodes);
    if (current.startsWith("add") && !labels.some(([v]) => v === current)) {
      plot.setMode("pick");
      this.el.clickMode.querySelector("input[value=pick]").checked = true;
    }
  }

  renderInspector() {
    const { app } = this;
    const root = this.el.inspector;
    const state = app.state;
    if (!state) return;
    const sel = this.selection;
    const valid = sel && (sel.kind === "node"
      ? sel.L < state.config.layers.length && sel.i < state.config.layers[sel.L]
      : sel.L >= 1 && sel.L < state.config.layers.length && sel.i < state.config.layers[sel.L - 1] && sel.j < state.config.layers[sel.L]);
    if (!valid) {
      this.selection = null;
      root.replaceChildren(renderGuide(this.doc, { single: state.config.dataset.name === "single",
                                                   concealed: app.predict.concealed() !== null }));
      return;
    }
    const panel = sel.kind === "node"
      ? renderNodePanel(this.doc, sel, state, { onEdge: (edge) => this.select(edge), concealed: app.predict.concealed() })
      : app.chain.render(sel, state);
    const close = this.doc.createElement("button");
    close.type = "button";
    close.className = "small close";
    close.textContent = "× close";
    close.setAttribute("aria-label", "Close this panel and show the guide");
    close.addEventListener("click", () => this.select(null));
    root.replaceChildren(close, panel);
  }
}

/** Scroll `el` into sight when a click opened it off screen (on a phone the panel sits below
 *  the network); on a wide screen, where it is beside the network, nothing moves. */
function bringIntoView(el, toTop = false) {
  const view = el.ownerDocument.defaultView;
  if (view.innerWidth > 1100) return;                 // beside the network: already in sight
  const box = el.getBoundingClientRect();
  if (box.top >= view.innerHeight - 40 || box.bottom <= 40 || (toTop && Math.abs(box.top) > 8)) {
    el.scrollIntoView({ block: "start" });
  }
}
