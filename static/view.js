// what the session store holds, on screen: the network, the data plot, the loss and the inspector
// after every answer; it only draws (the store asks the server)
import { CLASS_TEXT_COLORS } from "./core/colors.js";
import { fmt } from "./core/format.js";
import { renderGuide } from "./inspector/guide.js";
import { setInputNames } from "./core/names.js";
import { renderNodePanel } from "./inspector/nodepanel.js";
import { isMinibatch } from "./core/store.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const CLASS_MARKS = ["●", "■", "▲"];
const CLASS_WORDS = ["blue", "orange", "green", "red", "purple", "brown", "pink", "grey", "olive", "cyan"];

/** draws each state of the store's session, and the node or weight it has selected */
export class SessionView {
  constructor(doc, { store, network, plot, predict, drive, chain, messages, conv, convChain, attention, attentionChain }) {
    this.doc = doc;
    this.store = store;
    // conv: a CNN session's view and images (conv/convpage.js); convChain: its panels
    // attention: a sequence session's view and sequences (attention/attnpage.js); attentionChain: its panels
    this.parts = { network, plot, predict, drive, chain, messages, conv, convChain, attention, attentionChain };
    const $ = (id) => doc.getElementById(id);
    this.el = {
      inspector: $("inspector"), loss: $("loss-text"), accuracy: $("accuracy-text"),
      dataCaption: $("data-caption"), addModes: $("add-modes"), clickMode: $("click-mode"),
      sampleInput: $("sample-index"), test: $("test-text"), testToggle: $("test-toggle"),
      showTest: $("show-test"), testToggleText: $("test-toggle-text"),
    };
    this.el.showTest.addEventListener("change", () => plot.setTest(this.testPoints, this.el.showTest.checked));
    this.el.clickMode.addEventListener("change", (e) => {
      if (e.target.name === "click-mode") store.setClickMode(e.target.value);
    });
    this.el.sampleInput.addEventListener("change", () => {
      const n = Math.round(Number(this.el.sampleInput.value));
      const state = store.state;
      if (Number.isInteger(n) && n >= 0 && state && n < state.points) store.follow(n);
      else {
        this.el.sampleInput.value = store.sample;
        messages.say(`Pick a sample between 0 and ${state ? state.points - 1 : 0}.`);
      }
    });
    this.el.sampleInput.addEventListener("keydown", (e) => {
      // Enter on the sample already shown fires no change: it is still the learner's pick
      if (e.key === "Enter" && Number(this.el.sampleInput.value) === store.sample) store.follow(store.sample);
    });
    store.on("load", (state, data) => this.load(state, data));
    store.on("state", (state, how) => this.show(state, how));
    store.on("select", (sel) => this.select(sel));
    store.on("pictures", (pred) => { network.setPictures(pred); plot.setPredictions(pred); });
    store.on("batch", (indices) => { plot.setBatch(indices); conv.setBatch(indices); attention.setBatch(indices); });
    store.on("clickMode", (mode) => this.setClickMode(mode));
    store.on("running", (what) => {
      network.setBusy(what === "play");
      if (what === "play") network.stopAnimation();
    });
  }

  /** a session just adopted: its data (its state follows) */
  load(state, data) {
    if (this.parts.conv.load(state, data)) return;      // a CNN: its images, not the plot
    if (this.parts.attention.load(state, data)) return; // a sequence session: its sequences
    // the plot's points are the training points (a sample's index is theirs); the test points
    // are drawn apart, hollow, on demand
    const test = data.test ?? data.X.map(() => false);
    const pick = (rows, held) => rows.filter((_, k) => test[k] === held);
    this.testPoints = test.some(Boolean) ? { X: pick(data.X, true), Y: pick(data.Y, true) } : null;
    const { plot } = this.parts;
    plot.setData(pick(data.X, false), pick(data.Y, false), data.task, this.store.extent, data.bounds);
    plot.setTest(this.testPoints, this.el.showTest.checked);
    this.el.testToggle.hidden = !this.testPoints;
    if (this.testPoints) this.el.testToggleText.textContent = `show the ${this.testPoints.X.length} test points (hollow), which the network never trains on`;
    this.renderAddModes(data.task, data.X[0].length);
  }

  select(sel) {
    this.parts.network.setSelected(sel);
    this.parts.conv.select(sel);
    this.parts.attention.select(sel);
    this.renderInspector();
    if (sel) bringIntoView(this.el.inspector, true);
  }

  /** the panel's numbers arrived: on a phone, where the panel is below the network, its top
   *  comes into view again (the page had scrolled to it while it said "Loading…") */
  keepInView() {
    if (this.store.selection) bringIntoView(this.el.inspector, true);
  }

  /** the learner's prediction is in: show the weight's real dW and open its chain rule */
  reveal(edge) {
    if (!this.store.state) return;
    this.store.redraw("reveal");
    this.store.select(edge);
    this.parts.messages.say("The real dW is on screen now; its chain rule is open: compare each factor with your own.");
  }

  setClickMode(mode) {
    this.parts.plot.setMode(mode);
    const radio = this.el.clickMode.querySelector(`input[value="${mode}"]`);
    if (radio) radio.checked = true;
  }

  // -- drawing ------------------------------------------------------------------------------

  show(state, how) {
    const { predict, drive, plot, messages } = this.parts;
    const c = state.config;
    const body = this.doc.body;
    body.dataset.session = state.id;
    body.dataset.phase = state.phase;
    body.dataset.step = String(state.step);
    predict.update(state, how);
    // the conv page first: the attention page keeps the dense parts hidden for a CNN
    const conv = this.parts.conv.show(state, this.store.selection, how);
    const attention = this.parts.attention.show(state, this.store.selection);
    if (!conv && !attention) this.showNetwork(state, how);
    drive.setPhase(state.phase, state.diverged);
    // the loss is of the last Forward: after a Step (or a Train) that is the weights before it
    this.el.loss.textContent = state.loss === null
      ? (state.diverged ? "loss: not a finite number (diverged)" : "loss: none yet (run Forward)")
      : state.phase === "updated"
        ? `loss ${fmt(state.loss, 5)}, of the weights before step ${state.step}`
        : `loss ${fmt(state.loss, 5)} at step ${state.step}`;
    this.el.loss.dataset.value = state.loss === null ? "" : String(state.loss);
    // classes right: for a classification, once a Forward has run (a regression has no classes)
    const classes = c.task !== "regression" && state.accuracy !== null && (state.loss !== null || state.step > 0);
    const things = conv ? "images" : attention ? "positions (of every sequence)" : "points";
    this.el.accuracy.textContent = classes ? `${Math.round(state.accuracy * 100)}% of ${state.test_points ? "the training" : "all"} ${things} ${attention ? "predicted" : "classified"} right by the current weights` : "";
    const testText = state.test_points
      ? `· test points: loss ${state.test_loss === null ? "— (run Forward)" : fmt(state.test_loss, 4)}${state.test_accuracy === null ? "" : `, ${Math.round(state.test_accuracy * 100)}% right`}`
      : "";
    if (this.el.test.textContent !== testText) this.el.test.textContent = testText;
    this.el.test.dataset.value = state.test_loss === null || state.test_loss === undefined ? "" : String(state.test_loss);
    this.el.sampleInput.max = String(state.points - 1);
    this.el.sampleInput.value = String(this.store.sample);
    if (!conv && !attention) {
      plot.setSelected(this.store.sample);
      this.describeData(state);
    }
    if (state.diverged && how !== "train") {
      messages.showProblem("The loss or a weight is no longer a finite number: the network diverged. Lower the learning rate, then Reset.");
    }
    this.renderInspector();
  }

  /** a dense session: the network's SVG, built once per architecture, restyled, animated */
  showNetwork(state, how) {
    const { network, predict } = this.parts;
    const c = state.config;
    const own = !c.features || (c.features.length === 2 && c.features[0] === "x1" && c.features[1] === "x2");
    setInputNames(own ? null : c.features);
    network.build(c.layers, c.activations, c.loss, this.store.data ? this.store.data.X[0].length === 2 : c.layers[0] === 2,
                  own ? null : c.features);
    network.setExercise(predict.edge, predict.concealed() !== null);
    network.update(state);
    network.setSelected(this.store.selection);
    if (how === "backward") network.playBackward(reducedMotion.matches);
    else if (how === "forward") network.playForward(reducedMotion.matches);
    else if (how === "new" || how === "reset") network.clearLit();
  }

  describeData(state) {
    const task = state.config.task;
    const ds = state.config.dataset;
    const name = ds.name ? ds.name : "your own points";
    const parts = [`${name}: ${state.points} point${state.points === 1 ? "" : "s"}`];
    if (task === "regression") {
      parts.push(state.config.layers[0] === 1 ? "grey dots: the data (x, y); orange line: the network’s output" : "");
    } else {
      const classes = task === "multiclass" ? state.config.layers[state.config.layers.length - 1] : 2;
      const marks = Array.from({ length: classes }, (_, k) => `${CLASS_MARKS[k % 3]} class ${k} (${CLASS_WORDS[k]})`).join(", ");
      parts.push(marks);
      parts.push(task === "multiclass" ? "shading: the most likely class" : "shading: the network’s output, black line: where it is 0.5");
    }
    if (isMinibatch(state)) {
      parts.push(state.phase === "fresh" ? `each Forward draws a minibatch of ${state.config.batch_size} points; the others fade`
        : "faded points are not in the current minibatch");
    }
    parts.push(`ringed: sample #${this.store.sample}${state.sample.in_batch || state.phase === "fresh" ? "" : " (not in this minibatch)"}`);
    if ((state.config.layer_options ?? []).some((o) => o.batch_norm || o.dropout)) {
      parts.push("the shading and the unit pictures are predictions: inference mode (batch norm’s running statistics, no dropout)");
    }
    this.el.dataCaption.textContent = parts.filter(Boolean).join(" · ");
  }

  renderAddModes(task, dims) {
    const labels = [];
    if (task === "regression") {
      if (dims === 1) labels.push(["add", "adds a point (x, y)"]);
    } else {
      const classes = task === "multiclass" ? this.store.state.config.layers[this.store.state.config.layers.length - 1] : 2;
      for (let k = 0; k < classes; k++) labels.push([`add-${k}`, `adds class ${k} ${CLASS_MARKS[k % 3]}`, CLASS_TEXT_COLORS[k]]);
    }
    const current = this.store.clickMode;
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
    if (current.startsWith("add") && !labels.some(([v]) => v === current)) this.store.setClickMode("pick");
  }

  renderInspector() {
    const { store } = this;
    const { predict, chain } = this.parts;
    const root = this.el.inspector;
    const state = store.state;
    if (!state) return;
    const sel = store.selection;          // the store keeps it to a node or weight of this network
    if (!sel && this.parts.conv.active) {
      root.replaceChildren(this.parts.convChain.guide(state));
      return;
    }
    if (!sel && this.parts.attention.active) {
      root.replaceChildren(this.parts.attentionChain.guide(state));
      return;
    }
    if (!sel) {
      root.replaceChildren(renderGuide(this.doc, { single: state.config.dataset.name === "single",
                                                   concealed: predict.concealed() !== null }));
      return;
    }
    const panel = sel.kind === "node"
      ? renderNodePanel(this.doc, sel, state, { onEdge: (edge) => store.select(edge), concealed: predict.concealed() })
      : sel.kind === "edge" ? chain.render(sel, state)
        : this.parts.attention.active ? this.parts.attentionChain.render(sel, state)     // a sequence session's
          : this.parts.convChain.render(sel, state);   // a CNN's
    const close = this.doc.createElement("button");
    close.type = "button";
    close.className = "small close";
    close.textContent = "× close";
    close.setAttribute("aria-label", "Close this panel and show the guide");
    close.addEventListener("click", () => store.select(null));
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
