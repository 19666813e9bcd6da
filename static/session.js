// the session's lifecycle: create, replace, recover, open from a link, preset or file; one request at a time
import { api, reasons } from "./api.js";
import { describeChange } from "./builder.js";
import { fmt, sentence } from "./format.js";
import { codeFromHash } from "./scenarios.js";

/** "a 2–4–1 network (tanh, sigmoid), bce loss, sgd with learning rate 0.3[, on 200 points]" */
function describeNet(state, points = true) {
  const c = state.config;
  const net = `a ${c.layers.join("–")} network (${c.activations.join(", ")}), ${c.loss} loss, ${c.optimizer.name} with learning rate ${c.optimizer.lr}`;
  return points ? `${net}, on ${state.points} point${state.points === 1 ? "" : "s"}` : net;
}

const STORED = "manualgrad.session";   // sessionStorage: this tab's session, reopened on a reload

function storedId() {
  try { return window.sessionStorage.getItem(STORED); } catch (err) { return null; }
}

function storeId(id) {
  try { window.sessionStorage.setItem(STORED, id); } catch (err) { /* storage off: a reload starts anew */ }
}

/** keeps one session on the server for the page and says what changed; `app` holds the pictures and the other parts */
export class Session {
  constructor(app, { maxPoints }) {
    this.app = app;
    this.maxPoints = maxPoints;
    this.queue = Promise.resolve();
    this.opened = null;         // the scenario last opened: {code, title, description, spec}
  }

  start() {
    const { app } = this;
    const presets = app.presets.load().catch((err) => app.messages.showProblem(`The presets menu could not be filled: ${reasons(err)}`));
    const code = codeFromHash(window.location.hash);
    const stored = storedId();
    if (stored) this.reopen(stored, code);
    else if (code) this.openLink(code);
    else this.rebuild(app.builder.spec, null);
    return presets;
  }

  /** after a reload: this tab's session as it was, if the server still has it (with the
   *  lesson of the link in the address bar); else what the page opens without one */
  reopen(id, code) {
    const { app } = this;
    let gone = false;
    return this.enqueue(async () => {
      let state, data;
      try {
        state = await api.get(id, 0);
        data = await api.data(id);
      } catch (err) {
        if (!err.expired) throw err;
        gone = true;
        return;
      }
      let scenario = null;
      if (code) scenario = await api.decode(code).catch(() => null);
      const given = state.config.dataset.points ? { dataset: { X: data.X, Y: data.Y } } : state.config;
      const spec = app.builder.want(app.builder.fromConfig(state.config, given));
      if (scenario) {
        app.teacher.set(scenario.teacher);
        if (app.teacher.how("points")) app.view.setClickMode("pick");
        app.predict.set(scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
        app.lesson.show(scenario.title, scenario.description, this.teacherNote());
        const linked = app.builder.want(app.builder.fromConfig(state.config, scenario.config));
        this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(linked) };
        app.builder.want(spec);
      }
      const history = await api.history(id).catch(() => null);
      app.builder.accept(spec);
      app.view.load(state, data, history);
      if (this.opened) app.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      app.messages.say(`Reopened this tab’s session: ${describeNet(state)}, at step ${state.step}.`);
    }).then(() => {
      if (!gone) return undefined;
      return code ? this.openLink(code) : this.rebuild(app.builder.spec, null);
    });
  }

  /** a link pasted into this tab changes only the fragment */
  hashChanged() {
    const code = codeFromHash(window.location.hash);
    if (code && (!this.opened || code !== this.opened.code)) this.openLink(code);
  }

  /** run `task` after every request before it; errors are shown, never thrown */
  enqueue(task) {
    const run = this.queue.then(task).catch((err) => this.app.messages.showError(err));
    this.queue = run;
    return run;
  }

  /** a new session for `spec`; the old one is deleted once the new one exists */
  rebuild(spec, what) {
    const { app } = this;
    app.runner.stopRunning();
    return this.enqueue(async () => {
      const before = app.builder.spec;
      let state;
      try {
        state = await api.create(app.builder.config(spec), app.view.sample, this.currentId());   // the server clamps the sample
      } catch (err) {
        app.builder.revert();
        if (app.builder.markInvalid(err.fields ?? [])) {
          err.message += " The marked field is back to the value in use: type another to try again.";
        }
        throw err;
      }
      await this.adopt(state, spec);
      if (this.opened) app.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      // a link in the address bar no longer says what is on screen: it goes, unless it carries
      // a teacher's lesson (whose mode stays on, and a reload keeps)
      if (!app.teacher.active && codeFromHash(window.location.hash)) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      const c = state.config;
      if (what === null) {
        app.messages.say(`Ready: ${describeNet(state)}. Press Forward (f) to begin.`);
      } else {
        const start = spec.params ? "carrying on from the weights it was given" : `starting from fresh weights (seed ${c.seed})`;
        app.messages.say(`New network: ${what || describeChange(before, spec)}. It is ${describeNet(state, false)}, ${start} at step 0.`);
      }
    });
  }

  /** the example of one neuron: the preset when the menu has it */
  openSingle() {
    const { app } = this;
    const preset = app.presets.find("single-neuron");
    if (preset) this.openPreset(preset);
    else this.rebuild(app.builder.singleNeuron(), "the single-neuron example: x = 0.5, y = 1, w = 0.2, b = 0.1, sigmoid, mse, learning rate 0.01");
  }

  /** the id of the session on screen, for a new one to replace */
  currentId() {
    return this.app.state ? this.app.state.id : null;
  }

  /** make `state` the page's session, shown with `spec` in the Build panel (the server has
   *  deleted the one it replaced) */
  async adopt(state, spec, history = null) {
    const { app } = this;
    storeId(state.id);
    app.messages.clearError();
    app.share.hide();
    app.builder.accept(spec);
    const data = await api.data(state.id);
    app.view.load(state, data, history);
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
    const { app } = this;
    const kept = app.state !== null;
    if (!kept) await this.rebuild(app.builder.spec, null);
    app.messages.showProblem(`${sentence(`This link does not open a network: ${reasons(err)}`)} ${kept ? "The network on screen stays as it was." : "Here is the default network instead."}`);
  }

  openPreset(preset) {
    return this.openLink(preset.code);
  }

  /** a scenario ({title, description, config, teacher}) as a new session, with its teacher's mode */
  openScenario(scenario, code) {
    const { app } = this;
    app.runner.stopRunning();
    let failed = null;
    const run = this.enqueue(async () => {
      let state;
      try {
        state = await api.create(scenario.config, 0, this.currentId());
      } catch (err) {
        failed = err;
        return;
      }
      const spec = app.builder.want(app.builder.fromConfig(state.config, scenario.config));
      app.teacher.set(scenario.teacher);
      if (app.teacher.how("points")) app.view.setClickMode("pick");
      const problem = app.predict.set(scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
      app.lesson.show(scenario.title, scenario.description, this.teacherNote());
      this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(spec) };
      app.view.selection = null;
      if (code) window.history.replaceState(null, "", `#s=${code}`);
      await this.adopt(state, spec);
      const name = scenario.title ? `“${scenario.title}”` : "the network of the link";
      app.messages.say(`Opened ${name}: ${describeNet(state)}. Press Forward (f) to begin.`);
      if (problem) app.messages.showProblem(problem);
    });
    return run.then(() => (failed ? this.linkFailed(failed) : undefined));
  }

  teacherNote() {
    const { app } = this;
    const parts = [app.teacher.summary()];
    if (app.predict.edge) parts.push("Exercise: predict the highlighted weight’s gradient before the page shows it.");
    return parts.filter(Boolean).join(" ");
  }

  /** what Copy link encodes: the configuration on screen, its title while it is unchanged, the teacher's mode */
  currentScenario(withWeights) {
    const { app } = this;
    if (!app.state) return null;
    const config = app.builder.config(app.builder.spec);
    if (withWeights) {
      const weights = this.weightsOnScreen();
      if (!weights) {
        app.messages.showProblem("The current weights are not all finite numbers (the network diverged), so they cannot go into a link. Reset, or untick “with current weights”.");
        return null;
      }
      config.params = weights;
    }
    const scenario = { config };
    if (this.opened && this.opened.spec === JSON.stringify(app.builder.spec)) {
      if (this.opened.title) scenario.title = this.opened.title;
      if (this.opened.description) scenario.description = this.opened.description;
    }
    // the exercise goes along only while this network still has its weight
    if (app.teacher.active) scenario.teacher = { ...app.teacher.mode(), predict: app.predict.weight };
    return scenario;
  }

  /** the link on screen now opens `scenario`: the lesson box follows it */
  shared(code, copied, scenario, notice = "") {
    const { app } = this;
    this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(app.builder.spec) };
    app.lesson.show(scenario.title, scenario.description, this.teacherNote());
    const weights = app.share.withWeights ? `, starting from the weights of step ${app.state.step}` : "";
    const fresh = notice ? " with fresh weights; to pass on these weights, use Export" : "";
    app.messages.say(notice + (copied
      ? `Link copied (it is in the address bar too): it opens this network${fresh || `, fresh${weights}`}, for anyone who has it.`
      : `Here is the link: it opens this network${fresh || `, fresh${weights}`}. It is in the address bar too.`));
  }

  exportFile() {
    const { app } = this;
    let file = null;
    return this.enqueue(async () => {
      if (!app.state) return;
      try {
        file = await api.exportFile(app.state.id);
      } catch (err) {
        if (err.expired) throw err;
        throw { message: `Export failed: ${reasons(err)}` };
      }
    }).then(() => file);
  }

  exported(name) {
    this.app.messages.say(`Exported: ${name} has this session’s configuration, weights and loss history. Import it to carry on from step ${this.app.state.step}.`);
  }

  importFile(text, body, name) {
    const { app } = this;
    app.runner.stopRunning();
    return this.enqueue(async () => {
      let state;
      try {
        state = await api.importFile(text, this.currentId());
      } catch (err) {
        throw { message: `“${name}” cannot be imported: ${reasons(err)}`, status: err.status };
      }
      const spec = app.builder.want(app.builder.fromConfig(state.config, body.config));
      const history = await api.history(state.id).catch(() => null);
      app.view.selection = null;
      await this.adopt(state, spec, history);
      if (this.opened) app.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      app.messages.say(`Imported “${name}”: ${describeNet(state, false)}, carrying on at step ${state.step}.`);
    });
  }

  // -- own points: each edit is a new session ------------------------------------------------

  /** the points the next edit starts from: those of an edit still on its way, else the session's */
  points() {
    const wanted = this.app.builder.wanted;
    return wanted.dataset === "custom" ? wanted.points : this.app.view.data;
  }

  addPoint(point, mode) {
    const { app } = this;
    if (!app.view.data || app.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length >= this.maxPoints) {
      app.messages.showProblem(`A dataset holds at most ${this.maxPoints} points.`);
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
    const [spec, text] = app.builder.withPoints([...X, x], [...Y, y], what, this.weightsOnScreen());
    this.rebuild(spec, text);
  }

  /** every W and b on screen, or null if any is not a finite number (a diverged network) */
  weightsOnScreen() {
    const layers = this.app.state ? this.app.state.layers : [];
    if (!layers.length || layers.some((l) => [...l.W.flat(), ...l.b].some((v) => v === null))) return null;
    return layers.map((l) => ({ W: l.W, b: l.b }));
  }

  removePoint(n) {
    const { app } = this;
    if (!app.view.data || app.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length <= 1) {
      app.messages.showProblem("The data need at least one point.");
      return;
    }
    const [spec, text] = app.builder.withPoints(X.filter((_, k) => k !== n), Y.filter((_, k) => k !== n),
      `removed point #${n}`, this.weightsOnScreen());
    app.view.followRemoved(n);
    this.rebuild(spec, text);
  }
}
