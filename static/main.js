// wires the pictures to the server: one session at a time, every request in turn
import { api, reasons } from "./api.js";
import { Builder, describeChange } from "./builder.js";
import { ChainPanel } from "./chain.js";
import { CLASS_COLORS } from "./colors.js";
import { DataPlot } from "./dataplot.js";
import { DriveBar } from "./drive.js";
import { SessionFiles } from "./files.js";
import { fmt } from "./format.js";
import { renderGuide } from "./guide.js";
import { LossChart } from "./losschart.js";
import { NetworkView } from "./network.js";
import { renderNodePanel } from "./nodepanel.js";
import { PredictExercise } from "./predict.js";
import { LessonBox, PresetMenu, ShareLink, codeFromHash } from "./scenarios.js";
import { TeacherControls } from "./teacher.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const CLASS_MARKS = ["●", "■", "▲"];
const CLASS_WORDS = ["blue", "orange", "green"];
const OWN_POINTS_EXTENT = 1.5;     // own points: the plot covers at least ±1.5, room to click
const ACTION_NEWS = {
  forward: (s) => `Forward: ${s.batch_size} point${s.batch_size === 1 ? "" : "s"} went through the network; loss ${fmt(s.loss, 5)}.`,
  backward: (s, hidden) => hidden
    ? "Backward: every weight has its gradient dW now, but the highlighted weight’s stays hidden: predict it first."
    : "Backward: every weight has its gradient dW now. Click a weight to see its chain rule.",
  step: (s) => `Step ${s.step}: every weight moved by −lr·dW (the loss ${fmt(s.loss, 5)} is from before this update).`,
  reset: () => "Reset: back to the starting weights, step 0, a fresh optimiser.",
};

class App {
  constructor(doc) {
    this.doc = doc;
    this.body = doc.body;
    this.state = null;
    this.data = null;           // {X, Y, task} of the session
    this.sample = 0;            // the dataset index every per-sample number follows
    this.selection = null;      // {kind: "node" | "edge", ...} shown in the inspector
    this.queue = Promise.resolve();
    this.playing = false;
    this.training = false;
    this.errorCount = 0;
    this.maxPoints = Number(this.body.dataset.maxPoints);
    this.maxTrain = Number(this.body.dataset.maxTrain);
    const $ = (id) => doc.getElementById(id);
    this.el = {
      status: $("status"), error: $("error"), errorText: $("error-text"), recover: $("error-recover"),
      errorClose: $("error-close"), inspector: $("inspector"), loss: $("loss-text"),
      accuracy: $("accuracy-text"), dataCaption: $("data-caption"), addModes: $("add-modes"),
      clickMode: $("click-mode"), sampleInput: $("sample-index"),
    };

    this.builder = new Builder(doc, {
      onChange: (spec, what) => this.rebuild(spec, what),
      maxUnits: Number(this.body.dataset.maxUnits),
      maxHidden: Number(this.body.dataset.maxHidden),
    });
    this.teacher = new TeacherControls(doc);
    this.drive = new DriveBar(doc, { onAction: (name) => this.action(name), teacher: this.teacher });
    this.network = new NetworkView($("network"), {
      caption: $("animation-caption"),
      skipButton: $("skip-animation"),
      onSelect: (sel) => this.select(sel),
    });
    this.plot = new DataPlot($("data-plot"), {
      onPick: (n) => this.pickSample(n),
      onAdd: (point, mode) => this.addPoint(point, mode),
      onRemove: (n) => this.removePoint(n),
    });
    this.chart = new LossChart($("loss-chart"));
    this.chain = new ChainPanel(doc, {
      fetchChain: (layer, i, j) => api.chain(this.state.id, layer, i, j, this.sample),
      fetchCheck: (layer, i, j) => api.gradcheck(this.state.id, layer, i, j),
      concealed: (L, i, j) => sameEdge(this.predict.concealed(), { L, i, j }),
    });
    this.predict = new PredictExercise(doc, { onReveal: (edge) => this.reveal(edge) });
    this.lesson = new LessonBox(doc);
    this.opened = null;         // the scenario last opened: {code, title, description, spec}
    this.presets = new PresetMenu(doc, { onOpen: (preset) => this.openPreset(preset) });
    this.share = new ShareLink(doc, {
      scenario: (withWeights) => this.currentScenario(withWeights),
      onShared: (code, link, copied, scenario) => this.shared(code, copied, scenario),
      onError: (err) => this.showProblem(`No link was made: ${reasons(err)}`),
    });
    this.files = new SessionFiles(doc, {
      exportFile: () => this.exportFile(),
      onExported: (name) => this.say(`Exported: ${name} has this session’s configuration, weights and loss history. Import it to carry on from step ${this.state.step}.`),
      onImport: (text, body, name) => this.importFile(text, body, name),
      onProblem: (text) => this.showProblem(text),
    });

    $("preset-single").addEventListener("click", () => {
      const preset = this.presets.find("single-neuron");
      if (preset) this.openPreset(preset);
      else this.rebuild(this.builder.singleNeuron(), "the single-neuron example: x = 0.5, y = 1, w = 0.2, b = 0.1, sigmoid, mse, learning rate 0.01");
    });
    window.addEventListener("hashchange", () => {
      // a link pasted into this tab changes only the fragment
      const code = codeFromHash(window.location.hash);
      if (code && (!this.opened || code !== this.opened.code)) this.openLink(code);
    });
    this.el.errorClose.addEventListener("click", () => this.clearError());
    this.el.recover.addEventListener("click", () => {
      this.clearError();
      this.rebuild(this.builder.spec, "a new session with the same settings");
    });
    this.el.clickMode.addEventListener("change", (e) => {
      if (e.target.name === "click-mode") this.plot.setMode(e.target.value);
    });
    this.el.sampleInput.addEventListener("change", () => {
      const n = Math.round(Number(this.el.sampleInput.value));
      if (Number.isInteger(n) && n >= 0 && this.state && n < this.state.points) this.pickSample(n);
      else {
        this.el.sampleInput.value = this.sample;
        this.say(`Pick a sample between 0 and ${this.state ? this.state.points - 1 : 0}.`);
      }
    });
    doc.addEventListener("keydown", (e) => this.key(e));
  }

  start() {
    const presets = this.presets.load().catch((err) => this.showProblem(`The presets menu could not be filled: ${reasons(err)}`));
    const code = codeFromHash(window.location.hash);
    if (code) this.openLink(code);
    else this.rebuild(this.builder.spec, null);
    return presets;
  }

  // -- requests, one at a time ------------------------------------------------------------

  /** run `task` after every request before it; errors are shown, never thrown */
  enqueue(task) {
    const run = this.queue.then(task).catch((err) => this.showError(err));
    this.queue = run;
    return run;
  }

  /** a new session for `spec`; the old one is deleted once the new one exists */
  rebuild(spec, what) {
    this.stopRunning();
    return this.enqueue(async () => {
      const before = this.builder.spec;
      let state;
      try {
        state = await api.create(this.builder.config(spec), this.sample);   // the server clamps it
      } catch (err) {
        this.builder.revert();
        this.builder.markInvalid(err.fields ?? []);
        throw err;
      }
      await this.adopt(state, spec);
      if (this.opened) this.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      const c = state.config;
      if (what === null) {
        this.say(`Ready: ${describeNet(state)}. Press Forward (f) to begin.`);
      } else {
        this.say(`New network: ${what || describeChange(before, spec)}. It is ${describeNet(state, false)}, starting from fresh weights (seed ${c.seed}) at step 0.`);
      }
    });
  }

  /** make `state` the page's session, shown with `spec` in the Build panel; the old one is deleted */
  async adopt(state, spec, history = null) {
    const old = this.state ? this.state.id : null;
    if (old && old !== state.id) api.remove(old).catch(() => {});
    this.clearError();
    this.share.hide();
    this.builder.accept(spec);
    const data = await api.data(state.id);
    this.data = data;
    this.sample = state.sample.index;
    const sameShape = this.state && JSON.stringify(this.state.config.layers) === JSON.stringify(state.config.layers);
    if (!sameShape) this.selection = null;
    this.plot.setData(data.X, data.Y, data.task, this.extent());
    this.renderAddModes(data.task, data.X[0].length);
    if (history) this.chart.load(history.steps, history.losses);
    else this.chart.clear();
    this.show(state, "new");
  }

  /** how far the plot and its pictures reach beyond the data: own points get room to click */
  extent() {
    return this.builder.spec.dataset === "custom" ? OWN_POINTS_EXTENT : null;
  }

  // -- scenarios: links, presets, files ------------------------------------------------------

  /** open the scenario of a link's code; a damaged one falls back to the network on screen */
  async openLink(code) {
    let scenario;
    try {
      scenario = await api.decode(code);
    } catch (err) {
      return this.linkFailed(err);
    }
    return this.openScenario(scenario, code);
  }

  async linkFailed(err) {
    const kept = this.state !== null;
    if (!kept) await this.rebuild(this.builder.spec, null);
    this.showProblem(`This link does not open a network: ${reasons(err)}. ${kept ? "The network on screen stays as it was." : "Here is the default network instead."}`);
  }

  openPreset(preset) {
    return this.openLink(preset.code);
  }

  /** a scenario ({title, description, config, teacher}) as a new session, with its teacher's mode */
  openScenario(scenario, code) {
    this.stopRunning();
    let failed = null;
    const run = this.enqueue(async () => {
      let state;
      try {
        state = await api.create(scenario.config, 0);
      } catch (err) {
        failed = err;
        return;
      }
      const spec = this.builder.want(this.builder.fromConfig(state.config, scenario.config));
      this.teacher.set(scenario.teacher);
      if (this.teacher.how("points")) this.setClickMode("pick");
      const problem = this.predict.set(scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
      this.lesson.show(scenario.title, scenario.description, this.teacherNote());
      this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(spec) };
      this.selection = null;
      if (code) window.history.replaceState(null, "", `#s=${code}`);
      await this.adopt(state, spec);
      const name = scenario.title ? `“${scenario.title}”` : "the network of the link";
      this.say(`Opened ${name}: ${describeNet(state)}. Press Forward (f) to begin.`);
      if (problem) this.showProblem(problem);
    });
    return run.then(() => (failed ? this.linkFailed(failed) : undefined));
  }

  teacherNote() {
    const parts = [this.teacher.summary()];
    if (this.predict.edge) parts.push("Exercise: predict the highlighted weight’s gradient before the page shows it.");
    return parts.filter(Boolean).join(" ");
  }

  /** what Copy link encodes: the configuration on screen, its title while it is unchanged, the teacher's mode */
  currentScenario(withWeights) {
    if (!this.state) return null;
    const config = this.builder.config(this.builder.spec);
    if (withWeights) {
      if (this.state.layers.some((l) => [...l.W.flat(), ...l.b].some((v) => v === null))) {
        this.showProblem("The current weights are not all finite numbers (the network diverged), so they cannot go into a link. Reset, or untick “with current weights”.");
        return null;
      }
      config.params = this.state.layers.map((l) => ({ W: l.W, b: l.b }));
    }
    const scenario = { config };
    if (this.opened && this.opened.spec === JSON.stringify(this.builder.spec)) {
      if (this.opened.title) scenario.title = this.opened.title;
      if (this.opened.description) scenario.description = this.opened.description;
    }
    // the exercise goes along only while this network still has its weight
    if (this.teacher.active) scenario.teacher = { ...this.teacher.mode(), predict: this.predict.weight };
    return scenario;
  }

  /** the link on screen now opens `scenario`: the lesson box follows it */
  shared(code, copied, scenario) {
    this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(this.builder.spec) };
    this.lesson.show(scenario.title, scenario.description, this.teacherNote());
    const weights = this.share.el.weights.checked ? `, starting from the weights of step ${this.state.step}` : "";
    this.say(copied
      ? `Link copied (it is in the address bar too): it opens this network, fresh${weights}, for anyone who has it.`
      : `Here is the link: it opens this network, fresh${weights}. It is in the address bar too.`);
  }

  exportFile() {
    let file = null;
    return this.enqueue(async () => {
      if (!this.state) return;
      try {
        file = await api.exportFile(this.state.id);
      } catch (err) {
        if (err.expired) throw err;
        throw { message: `Export failed: ${reasons(err)}` };
      }
    }).then(() => file);
  }

  importFile(text, body, name) {
    this.stopRunning();
    return this.enqueue(async () => {
      let state;
      try {
        state = await api.importFile(text);
      } catch (err) {
        throw { message: `“${name}” cannot be imported: ${reasons(err)}`, status: err.status };
      }
      const spec = this.builder.want(this.builder.fromConfig(state.config, body.config));
      const history = await api.history(state.id).catch(() => null);
      this.selection = null;
      await this.adopt(state, spec, history);
      if (this.opened) this.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      this.say(`Imported “${name}”: ${describeNet(state, false)}, carrying on at step ${state.step}.`);
    });
  }

  /** the learner's prediction is in: show the weight's real dW and open its chain rule */
  reveal(edge) {
    if (!this.state) return;
    this.show(this.state, "reveal");
    this.select(edge);
    this.say("The real dW is on screen now; its chain rule is open: compare each factor with your own.");
  }

  setClickMode(mode) {
    this.plot.setMode(mode);
    const radio = this.el.clickMode.querySelector(`input[value="${mode}"]`);
    if (radio) radio.checked = true;
  }

  /** forward, backward, step, reset, play, train from a button or a key */
  action(name) {
    const blocked = this.teacher.blocked(name);
    if (blocked) {
      this.say(blocked);
      return undefined;
    }
    if (name === "play") return this.togglePlay();
    if (name === "train") return this.trainSteps();
    if (name === "reset") this.stopRunning();
    return this.enqueue(async () => {
      if (!this.state) return;
      const [ok, why] = this.drive.allowed(name, this.state.phase);
      if (!ok) {
        this.say(why);
        return;
      }
      const state = await api.act(this.state.id, name, this.sample);
      this.clearError();
      if (name === "step") this.chart.add(state.step, [state.loss]);
      if (name === "reset") this.chart.clear();
      this.show(state, name);
      this.say(ACTION_NEWS[name](state, this.predict.concealed() !== null));
    });
  }

  /** end Play and Train now; their loops notice after the request in flight */
  stopRunning() {
    if (this.playing) {
      this.playing = false;
      this.drive.setPlaying(false);
    }
    if (this.training) {
      this.training = false;
      this.drive.setTraining(false);
    }
  }

  async togglePlay() {
    if (this.playing) {
      this.playing = false;
      this.drive.setPlaying(false);
      return;
    }
    if (!this.state || this.training) return;
    this.playing = true;
    this.drive.setPlaying(true);
    this.network.stopAnimation();
    const id = this.state.id;
    const errors = this.errorCount;
    while (this.playing && this.state && this.state.id === id) {
      const speed = this.drive.speed();
      let stopped = null;
      await this.enqueue(async () => {
        if (!this.playing || this.state.id !== id) return;
        const state = await api.train(id, speed.steps, this.sample);
        stopped = this.afterTrain(state);
      }).then(() => this.refreshPictures());
      if (stopped || !this.state || this.state.id !== id) break;
      if (this.errorCount !== errors) break;
      await sleep(speed.pause);
    }
    this.playing = false;
    this.drive.setPlaying(false);
  }

  async trainSteps() {
    if (this.training) {
      this.training = false;   // the Stop button
      this.stopAsked = true;
      return;
    }
    if (!this.state || this.playing) {
      if (this.playing) this.say("Pause first: Play is running.");
      return;
    }
    const total = this.drive.trainSteps();
    if (!Number.isInteger(total) || total < 1 || total > this.maxTrain) {
      this.showProblem(`Train takes between 1 and ${this.maxTrain} steps at a time; you asked for ${this.drive.trainInput.value || "nothing"}.`);
      return;
    }
    const id = this.state.id;
    const errors = this.errorCount;
    this.stopAsked = false;
    this.training = true;
    this.drive.setTraining(true);
    // about twenty requests, so the progress bar moves without costing much
    const chunk = Math.max(Math.min(total, 20), Math.min(1000, Math.ceil(total / 20)));
    let done = 0;
    let stopped = null;
    const startStep = this.state.step;
    while (this.training && done < total && !stopped) {
      const steps = Math.min(chunk, total - done);
      let ok = false;
      await this.enqueue(async () => {
        if (this.state.id !== id) return;
        const state = await api.train(id, steps, this.sample);
        done += state.steps_run;
        stopped = this.afterTrain(state);
        ok = true;
      });
      if (!ok) break;
      this.drive.progress(done, total);
      if (done >= total || stopped) break;
      await this.refreshPictures();
    }
    const cancelled = !this.training && done < total;
    this.training = false;
    this.drive.setTraining(false);
    this.refreshPictures();
    if (this.state && this.state.id === id && (!cancelled || this.stopAsked)) {
      if (!stopped && this.errorCount === errors) {
        this.say(`${cancelled ? "Stopped after" : "Trained"} ${done} steps (step ${startStep} → ${this.state.step}). The node values are from the last forward pass; run Forward to recompute them with the new weights.`);
      }
    }
  }

  /** show a train answer; returns why it stopped early, if it did */
  afterTrain(state) {
    if (state.steps_run) this.chart.add(state.step - state.steps_run + 1, state.losses);
    this.show(state, "train");
    if (state.stopped) {
      this.showProblem(state.stopped === "diverged"
        ? `Training stopped at step ${state.step}: the loss is no longer a finite number (it diverged). Lower the learning rate, then Reset.`
        : `Training stopped after ${state.steps_run} steps: the server’s ${state.stopped}.`);
    }
    return state.stopped;
  }

  pickSample(n) {
    return this.enqueue(async () => {
      if (!this.state) return;
      this.sample = n;
      const state = await api.get(this.state.id, n);
      this.show(state, "sample");
      const s = state.sample;
      this.say(`Following sample #${n}: x = (${s.input.map((v) => fmt(v, 3)).join(", ")}), y = (${s.target.map((v) => fmt(v, 3)).join(", ")}).`);
    });
  }

  /** the points the next edit starts from: those of an edit still on its way, else the session's */
  points() {
    const wanted = this.builder.wanted;
    return wanted.dataset === "custom" ? wanted.points : this.data;
  }

  addPoint(point, mode) {
    if (!this.data || this.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length >= this.maxPoints) {
      this.showProblem(`A dataset holds at most ${this.maxPoints} points.`);
      return;
    }
    let y, what;
    const x = point.x.map((v) => Math.round(v * 1000) / 1000);
    if (point.y) {
      y = point.y;
      what = `added the point (${fmt(x[0], 3)}, ${fmt(y[0], 3)})`;
    } else {
      const k = Number(mode.split("-")[1]);
      y = Y[0].length > 1 ? Y[0].map((_, m) => (m === k ? 1 : 0)) : [k];
      what = `added a class ${k} point at (${fmt(x[0], 3)}, ${fmt(x[1], 3)})`;
    }
    const [spec, text] = this.builder.withPoints([...X, x], [...Y, y], what);
    this.rebuild(spec, text);
  }

  removePoint(n) {
    if (!this.data || this.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length <= 1) {
      this.showProblem("The data need at least one point.");
      return;
    }
    const [spec, text] = this.builder.withPoints(X.filter((_, k) => k !== n), Y.filter((_, k) => k !== n),
      `removed point #${n}`);
    if (this.sample >= n && this.sample > 0) this.sample -= 1;
    this.rebuild(spec, text);
  }

  select(sel) {
    this.selection = sel;
    this.network.setSelected(sel);
    this.renderInspector();
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, select, textarea")) return;
    const k = e.key.toLowerCase();
    if (e.key === " ") {
      if (t.closest && t.closest("button, [role=button], a, summary")) return;   // space activates those
      e.preventDefault();
      this.action("play");
      return;
    }
    const map = { f: "forward", b: "backward", s: "step", r: "reset" };
    if (map[k]) {
      e.preventDefault();
      this.action(map[k]);
    }
  }

  // -- drawing ------------------------------------------------------------------------------

  show(state, how) {
    this.state = state;
    const c = state.config;
    this.body.dataset.session = state.id;
    this.body.dataset.phase = state.phase;
    this.body.dataset.step = String(state.step);
    this.network.build(c.layers, c.activations, c.loss, c.layers[0] === 2);
    this.predict.update(state, how);
    this.network.setExercise(this.predict.edge, this.predict.concealed() !== null);
    this.network.update(state);
    this.network.setSelected(this.selection);
    if (how === "backward") this.network.playBackward(reducedMotion.matches);
    else if (how === "new" || how === "reset") this.network.clearLit();
    this.drive.setPhase(state.phase);
    this.el.loss.textContent = state.loss === null
      ? (state.diverged ? "loss: not a finite number (diverged)" : "loss: none yet (run Forward)")
      : `loss ${fmt(state.loss, 5)}, step ${state.step}`;
    this.el.loss.dataset.value = state.loss === null ? "" : String(state.loss);
    this.el.accuracy.textContent = state.accuracy === null ? "" : `${Math.round(state.accuracy * 100)}% of all points classified right`;
    this.el.sampleInput.max = String(state.points - 1);
    this.el.sampleInput.value = String(this.sample);
    this.plot.setSelected(this.sample);
    this.describeData(state);
    if (state.diverged && how !== "train") {
      this.showProblem("The loss or a weight is no longer a finite number: the network diverged. Lower the learning rate, then Reset.");
    }
    if (["new", "step", "train", "reset"].includes(how) && !this.playing && !this.training) this.refreshPictures();
    if (["new", "forward", "train", "reset"].includes(how)) this.refreshBatch(state);
    this.renderInspector();
  }

  /** the output pictures: unit thumbnails and the decision boundary; the latest request wins */
  refreshPictures() {
    if (this.picturesRun) {
      this.picturesAgain = true;
      return this.picturesRun;
    }
    const run = async () => {
      do {
        this.picturesAgain = false;
        if (!this.state) return;
        const id = this.state.id;
        const pred = await api.predictions(id, this.state.config.layers[0] === 1 ? 100 : 50, 16, this.extent());
        if (!this.state || this.state.id !== id) continue;
        this.network.setPictures(pred);
        this.plot.setPredictions(pred);
      } while (this.picturesAgain);
    };
    this.picturesRun = run().catch((err) => this.showError(err)).finally(() => { this.picturesRun = null; });
    return this.picturesRun;
  }

  /** which points the current minibatch holds (the rest fade) */
  async refreshBatch(state) {
    const minibatch = state.config.batch_size !== null && state.config.batch_size < state.points;
    if (!minibatch || state.phase === "fresh") {
      this.plot.setBatch(null);
      return;
    }
    try {
      const indices = [];
      let total = Infinity;
      for (let offset = 0; offset < total; offset += 500) {
        const page = await api.batch(state.id, offset, 500);
        total = page.total;
        indices.push(...page.indices);
      }
      if (this.state && this.state.id === state.id) this.plot.setBatch(indices);
    } catch (err) {
      this.showError(err);
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
    if (minibatch) parts.push("faded points are not in the current minibatch");
    parts.push(`ringed: sample #${this.sample}${state.sample.in_batch || state.phase === "fresh" ? "" : " (not in this minibatch)"}`);
    this.el.dataCaption.textContent = parts.filter(Boolean).join(" · ");
  }

  renderAddModes(task, dims) {
    const labels = [];
    if (task === "regression") {
      if (dims === 1) labels.push(["add", "adds a point (x, y)"]);
    } else {
      const classes = task === "multiclass" ? 3 : 2;
      for (let k = 0; k < classes; k++) labels.push([`add-${k}`, `adds class ${k} ${CLASS_MARKS[k]}`, CLASS_COLORS[k]]);
    }
    const current = this.plot.mode;
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
      this.plot.setMode("pick");
      this.el.clickMode.querySelector("input[value=pick]").checked = true;
    }
  }

  renderInspector() {
    const root = this.el.inspector;
    const state = this.state;
    if (!state) return;
    const sel = this.selection;
    const valid = sel && (sel.kind === "node"
      ? sel.L < state.config.layers.length && sel.i < state.config.layers[sel.L]
      : sel.L >= 1 && sel.L < state.config.layers.length && sel.i < state.config.layers[sel.L - 1] && sel.j < state.config.layers[sel.L]);
    if (!valid) {
      this.selection = null;
      root.replaceChildren(renderGuide(this.doc, { single: state.config.dataset.name === "single",
                                                   concealed: this.predict.concealed() !== null }));
      return;
    }
    const panel = sel.kind === "node"
      ? renderNodePanel(this.doc, sel, state, { onEdge: (edge) => this.select(edge), concealed: this.predict.concealed() })
      : this.chain.render(sel, state);
    const close = this.doc.createElement("button");
    close.type = "button";
    close.className = "small close";
    close.textContent = "× close";
    close.setAttribute("aria-label", "Close this panel and show the guide");
    close.addEventListener("click", () => this.select(null));
    root.replaceChildren(close, panel);
  }

  // -- messages -------------------------------------------------------------------------------

  say(text) {
    this.el.status.textContent = text;
  }

  /** an error from the server (or the network) in the banner, with a way on when the session is gone */
  showError(err) {
    const message = err && err.message ? err.message : String(err);
    this.el.errorText.textContent = message;
    this.el.recover.hidden = !(err && err.expired);
    this.el.error.hidden = false;
    this.el.error.dataset.status = err && err.status !== undefined ? String(err.status) : "";
    this.errorShown = true;
    this.errorCount += 1;
    if (err && err.expired) {
      this.playing = false;
      this.training = false;
    }
  }

  showProblem(text) {
    this.showError({ message: text });
  }

  clearError() {
    this.el.error.hidden = true;
    this.errorShown = false;
  }
}

/** whether two weight selections name the same weight */
function sameEdge(a, b) {
  return Boolean(a && b && a.L === b.L && a.i === b.i && a.j === b.j);
}

/** "a 2–4–1 network (tanh, sigmoid), bce loss, sgd with learning rate 0.3[, on 200 points]" */
function describeNet(state, points = true) {
  const c = state.config;
  const net = `a ${c.layers.join("–")} network (${c.activations.join(", ")}), ${c.loss} loss, ${c.optimizer.name} with learning rate ${c.optimizer.lr}`;
  return points ? `${net}, on ${state.points} point${state.points === 1 ? "" : "s"}` : net;
}

const app = new App(document);
window.manualgrad = app;      // for poking at it from the console
app.start();
