// what the session store holds, on screen: the network, the data plot, the loss and the inspector
// after every answer; it only draws (the store asks the server)
import { CLASS_TEXT_COLORS } from "./core/colors.js";
import { fmt, rightOf } from "./core/format.js";
import { keepFitted } from "./inspector/fitmath.js";
import { renderGuide } from "./inspector/guide.js";
import { className, sampleName, setInputNames, setLayerSizes } from "./core/names.js";
import { renderNodePanel } from "./inspector/nodepanel.js";
import { isMinibatch } from "./core/store.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const CLASS_MARKS = ["●", "■", "▲"];
const CLASS_WORDS = ["blue", "orange", "green", "red", "purple", "brown", "pink", "grey", "olive", "cyan"];

/** draws each state of the store's session, and the node or weight it has selected */
export class SessionView {
  constructor(doc, { store, network, plot, predict, drive, chain, messages, chart, conv, convChain, attention, attentionChain }) {
    this.doc = doc;
    this.store = store;
    // conv: a CNN session's view and images (conv/convpage.js); convChain: its panels
    // attention: a sequence session's view and sequences (attention/attnpage.js); attentionChain: its panels
    this.parts = { network, plot, predict, drive, chain, messages, chart, conv, convChain, attention, attentionChain };
    const $ = (id) => doc.getElementById(id);
    this.el = {
      inspector: $("inspector"), loss: $("loss-text"), accuracy: $("accuracy-text"),
      dataCaption: $("data-caption"), addModes: $("add-modes"), clickMode: $("click-mode"),
      sampleInput: $("sample-index"), test: $("test-text"), testToggle: $("test-toggle"),
      showTest: $("show-test"), testToggleText: $("test-toggle-text"),
    };
    keepFitted(this.el.inspector);        // formulas break at their operators to fit the panel
    this.el.inspector.addEventListener("keydown", (e) => {       // Escape closes the panel
      if (e.key === "Escape" && store.selection) { e.preventDefault(); store.select(null); }
    });
    this.el.showTest.addEventListener("change", () => plot.setTest(this.testPoints, this.el.showTest.checked));
    this.el.clickMode.addEventListener("change", (e) => {
      if (e.target.name === "click-mode") store.setClickMode(e.target.value);
    });
    this.el.sampleInput.addEventListener("change", () => {
      const n = Math.round(Number(this.el.sampleInput.value)) - 1;        // people count from 1
      const state = store.state;
      if (Number.isInteger(n) && n >= 0 && state && n < state.points) store.follow(n);
      else {
        this.el.sampleInput.value = store.sample + 1;
        messages.say(`Pick a sample between 1 and ${state ? state.points : 1}.`);
      }
    });
    this.el.sampleInput.addEventListener("keydown", (e) => {
      // Enter on the sample already shown fires no change: it is still the learner's pick
      if (e.key === "Enter" && Number(this.el.sampleInput.value) - 1 === store.sample) store.follow(store.sample);
    });
    store.on("load", (state, data) => this.load(state, data));
    store.on("state", (state, how) => this.show(state, how));
    store.on("select", (sel) => this.select(sel));
    store.on("past", (past) => { if (past) this.showPast(past); });   // back to now: the state is drawn again
    store.on("pictures", (pred) => { network.setPictures(pred); plot.setPredictions(pred); });
    store.on("batch", (indices) => { plot.setBatch(indices); conv.setBatch(indices); attention.setBatch(indices); });
    store.on("clickMode", (mode) => this.setClickMode(mode));
    store.on("running", (what) => {
      network.setBusy(what === "play");
      if (what === "play") network.stopAnimation();
      attention.setRunning(what);
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
    // an open panel gets the side column's room: the data plot shrinks beside its caption
    this.el.inspector.closest(".side").classList.toggle("inspecting", Boolean(sel));
    const from = this.doc.activeElement;
    this.renderInspector();
    this.el.inspector.scrollTop = 0;           // a new panel opens at its top
    if (sel) bringIntoView(this.el.inspector, true);
    // a panel opened says so: the focus goes to its heading, which a screen reader reads (and
    // Tab goes on to its actions); closed, the focus goes back to the network
    const heading = this.el.inspector.querySelector(".panel h2");
    if (sel && heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    } else if (!sel && (from === this.doc.body || this.el.inspector.contains(from) || !from || !from.isConnected)) {
      this.parts.network.focus();
    }
  }

  /** an earlier update looked at, as one state of the whole page: its loss, no accuracy of it,
   *  the Drive bar saying what a phase does now, and the inspector saying what it can show */
  showPast(past) {
    const state = this.store.state;
    const loss = this.pastLoss(past.step);
    this.el.loss.textContent = loss === null ? `looking back at step ${past.step}: its loss was not kept`
      : `loss ${fmt(loss, 5)} of the weights at step ${past.step} (looking back)`;
    this.el.loss.dataset.value = loss === null ? "" : String(loss);
    this.el.accuracy.textContent = `the session stays at step ${state.step} until “Continue from here”`;
    this.el.test.textContent = "";
    this.parts.drive.setLookingBack(past.step, state.step);
    this.renderInspector();
  }

  /** the loss of the weights at update `step` (the loss of the next update's forward), or null */
  pastLoss(step) {
    const chart = this.parts.chart;
    const k = chart ? chart.steps.indexOf(step + 1) : -1;
    return k >= 0 && Number.isFinite(chart.losses[k]) ? chart.losses[k] : null;
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
    const attention = this.parts.attention.show(state, this.store.selection, how);
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
    const right = (share, total, what = "") => { const r = rightOf(share, total); return `${r.percent} % right (${r.count} of ${total}${what})`; };
    // the accuracy is of the weights now (after a Step the loss is of those before it); a sequence
    // session's share is of its positions (each predicts a token)
    const things = conv ? "images" : attention ? "positions" : "points";
    const T = attention ? state.config.input_shape[0] : 1;
    const total = state.points * T;
    this.el.accuracy.textContent = classes ? `now ${right(state.accuracy, total, state.test_points ? ` training ${things}` : ` ${things}`)}` : "";
    const testText = state.test_points
      ? `- - test, right scale: loss ${state.test_loss === null ? "— (run Forward)" : fmt(state.test_loss, 4)}${state.test_accuracy === null ? "" : `, ${right(state.test_accuracy, state.test_points * T)}`}`
      : "";
    if (this.el.test.textContent !== testText) this.el.test.textContent = testText;
    this.el.test.dataset.value = state.test_loss === null || state.test_loss === undefined ? "" : String(state.test_loss);
    this.el.sampleInput.max = String(state.points);
    this.el.sampleInput.value = String(this.store.sample + 1);
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
    setLayerSizes(c.layers);
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
      const marks = Array.from({ length: classes }, (_, k) => `${CLASS_MARKS[k % 3]} ${className(k, task)} (${CLASS_WORDS[k]})`).join(", ");
      parts.push(marks);
      parts.push(task === "multiclass" ? "shading: the most likely class" : "shading: the network’s output, black line: where it is 0.5");
    }
    if (isMinibatch(state)) {
      parts.push(state.phase === "fresh" ? `each Forward draws a minibatch of ${state.config.batch_size} points; the others fade`
        : "faded points are not in the current minibatch");
    }
    parts.push(`ringed: sample ${sampleName(this.store.sample)}${state.sample.in_batch || state.phase === "fresh" ? "" : " (not in this minibatch)"}`);
    const options = state.config.layer_options ?? [];
    const bn = options.some((o) => o && o.batch_norm), dropout = options.some((o) => o && o.dropout);
    if (bn || dropout) {
      const how = [bn && "batch norm’s running statistics", dropout && "no dropout: every unit on"].filter(Boolean).join(", ");
      parts.push(`the shading and the unit pictures are predictions: inference mode (${how})`);
    }
    this.el.dataCaption.textContent = parts.filter(Boolean).join(" · ");
  }

  renderAddModes(task, dims) {
    const labels = [];
    if (task === "regression") {
      if (dims === 1) labels.push(["add", "adds a point (x, y)"]);
    } else {
      const classes = task === "multiclass" ? this.store.state.config.layers[this.store.state.config.layers.length - 1] : 2;
      for (let k = 0; k < classes; k++) labels.push([`add-${k}`, `adds ${className(k, task)} ${CLASS_MARKS[k % 3]}`, CLASS_TEXT_COLORS[k]]);
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
    if (store.past) {              // looking back: the panels' numbers are of now, not of that step
      const p = this.doc.createElement("p");
      p.className = "note";
      p.dataset.role = "looking-back";
      p.textContent = `Looking back at step ${store.past.step}: the network shows its weights then. A unit’s values and a weight’s gradient need a Forward and a Backward on those weights: press “Continue from here” to carry on from step ${store.past.step}, or “Back to now” (step ${state.step}).`;
      root.replaceChildren(p);
      return;
    }
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
                                                   concealed: predict.concealed() !== null,
                                                   phase: state.phase, step: state.step }));
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
    const actions = panel.querySelector(".actions");
    if (actions) actions.append(close);
    else panel.prepend(close);
    root.replaceChildren(panel);
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
