// the session's lifecycle: create, replace, recover, open from a link, preset or file; one request
// at a time, through the store
import { api, reasons } from "./api.js";
import { lossWords } from "./catalog.js";
import { describeChange } from "../controls/buildspec.js";
import { fmt, sentence } from "./format.js";
import { codeFromHash } from "../controls/scenarios.js";
import { storedId } from "./store.js";
import { describeLayers, isConvConfig } from "../conv/convmath.js";
import { describeHead, isSequenceConfig } from "../attention/attnmath.js";
import { className, sampleName } from "./names.js";
import { deriveNote } from "../inspector/derive.js";

/** "a 2–4–1 network (tanh, sigmoid), bce loss, sgd with learning rate 0.3[, on 200 points]" */
function describeNet(state, points = true) {
  const c = state.config;
  const shape = isConvConfig(c) ? `convolutional network on ${c.input_shape.join("×")} images (${describeLayers(c.layers)})`
    : isSequenceConfig(c) ? `network of ${describeHead(c.layers[0])} and ${c.layers.length - 1} dense layer${c.layers.length > 2 ? "s" : ""} at each position, on sequences of ${c.input_shape[0]} positions`
      : `${c.layers.join("–")} network (${c.activations.join(", ")})`;
  const net = `a ${shape}, ${lossWords(c.loss)} loss, ${c.optimizer.name} with learning rate ${c.optimizer.lr}`;
  const what = isSequenceConfig(c) ? "sequence" : "point";
  return points ? `${net}, on ${state.points} ${what}${state.points === 1 ? "" : "s"}` : net;
}

/** which session the store holds, and what the Build panel, the lesson box and the teacher's
 *  mode say about it; says what changed */
export class Session {
  constructor({ store, builder, teacher, predict, lesson, messages, share, presets, runner, maxPoints }) {
    this.store = store;
    this.builder = builder;
    this.teacher = teacher;
    this.predict = predict;
    this.lesson = lesson;
    this.messages = messages;
    this.share = share;
    this.presets = presets;
    this.runner = runner;
    this.maxPoints = maxPoints;
    this.opened = null;         // the scenario last opened: {code, title, description, spec}
  }

  start() {
    const presets = this.presets.load().catch((err) => this.messages.showProblem(`The presets menu could not be filled: ${reasons(err)}`));
    const code = codeFromHash(window.location.hash);
    const stored = storedId();
    if (stored) this.reopen(stored, code);
    else if (code) this.openLink(code);
    else this.rebuild(this.builder.spec, null);
    return presets;
  }

  /** after a reload: this tab's session as it was, if the server still has it (with the
   *  lesson of the link in the address bar); else what the page opens without one */
  reopen(id, code) {
    const { store, builder, teacher, predict, lesson, messages } = this;
    let gone = false;
    return store.enqueue(async () => {
      const opened = await store.open(id);
      if (!opened) {
        gone = true;
        return;
      }
      const { state, data } = opened;
      let scenario = null;
      if (code) scenario = await store.decode(code).catch(() => null);
      const given = state.config.dataset.points ? { dataset: { X: data.X, Y: data.Y } } : state.config;
      const spec = builder.want(builder.fromConfig(state.config, given));
      if (scenario) {
        teacher.set(scenario.teacher);
        if (teacher.how("points")) store.setClickMode("pick");
        predict.set(scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
        lesson.show(scenario.title, scenario.description, this.teacherNote());
        const linked = builder.want(builder.fromConfig(state.config, scenario.config));
        this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(linked) };
        builder.want(spec);
      }
      const history = await store.history(id).catch(() => null);
      builder.accept(spec);
      await store.adopt(state, { history, data });
      if (this.opened) lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      messages.say(`Reopened this tab’s session: ${describeNet(state)}, at step ${state.step}.`);
    }).then(() => {
      if (!gone) return undefined;
      return code ? this.openLink(code) : this.rebuild(builder.spec, null);
    });
  }

  /** session `id`, just made by joining a class, as this tab's session, on the class's lesson
   *  (its link code, or null: the default network); `joined` says so. The tab's previous
   *  session goes. */
  openJoined(id, code, joined) {
    const { store, builder, teacher, predict, lesson, messages } = this;
    this.runner.stopRunning();
    const before = store.id;
    return store.enqueue(async () => {
      const opened = await store.open(id);
      if (!opened) throw { message: "The class’s session was gone at once (the server restarted?): join again." };
      const { state, data } = opened;
      const scenario = code ? await store.decode(code).catch(() => null) : null;
      const given = scenario ? scenario.config : state.config.dataset.points ? { dataset: { X: data.X, Y: data.Y } } : state.config;
      const spec = builder.want(builder.fromConfig(state.config, given));
      teacher.set(scenario ? scenario.teacher : null);
      if (teacher.how("points")) store.setClickMode("pick");
      const problem = predict.set(scenario && scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
      lesson.show(scenario ? scenario.title : "", scenario ? scenario.description : "", this.teacherNote());
      this.opened = scenario ? { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(spec) } : null;
      await this.adopt(state, spec, { unselect: true });
      if (before && before !== id) api.remove(before).catch(() => {});
      messages.say(`${joined} It is ${describeNet(state)}. Press Forward (f) to begin.`);
      if (problem) messages.showProblem(problem);
    });
  }

  /** a link pasted into this tab changes only the fragment */
  hashChanged() {
    const code = codeFromHash(window.location.hash);
    if (code && (!this.opened || code !== this.opened.code)) this.openLink(code);
  }

  /** a new session for `spec`; the old one is deleted once the new one exists */
  rebuild(spec, what) {
    const { store, builder, teacher, messages } = this;
    this.runner.stopRunning();
    return store.enqueue(async () => {
      const before = builder.spec;
      let state;
      try {
        state = await store.create(builder.config(spec));
      } catch (err) {
        builder.revert();
        if (builder.markInvalid(err.fields ?? [])) {
          err.message += " The marked field is back to the value in use: type another to try again.";
        }
        throw err;
      }
      await this.adopt(state, spec);
      if (this.opened) this.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      // a link in the address bar no longer says what is on screen: it goes, unless it carries
      // a teacher's lesson (whose mode stays on, and a reload keeps)
      if (!teacher.active && codeFromHash(window.location.hash)) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      const c = state.config;
      if (what === null) {
        messages.say(`Ready: ${describeNet(state)}. Press Forward (f) to begin.`);
      } else {
        const start = spec.params ? "carrying on from the weights it was given" : `starting from fresh weights (seed ${c.seed})`;
        messages.say(`New network: ${what || describeChange(before, spec)}. It is ${describeNet(state, false)}, ${start} at step 0.`);
      }
    });
  }

  /** the example of one neuron: the preset when the menu has it */
  openSingle() {
    const preset = this.presets.find("single-neuron");
    if (preset) this.openPreset(preset);
    else this.rebuild(this.builder.singleNeuron(), "the single-neuron example: x = 0.5, y = 1, w = 0.2, b = 0.1, sigmoid, mse, learning rate 0.01");
  }

  /** make `state` the page's session, shown with `spec` in the Build panel (the server has
   *  deleted the one it replaced); `unselect`: the inspector goes back to its guide */
  async adopt(state, spec, { history = null, unselect = false } = {}) {
    this.messages.clearError();
    this.share.hide();
    this.builder.accept(spec);
    await this.store.adopt(state, { history, unselect });
  }

  // -- scenarios: links, presets, files ------------------------------------------------------

  /** open the scenario of a link's code; a damaged one falls back to the network on screen */
  async openLink(code) {
    let scenario;
    try {
      scenario = await this.store.decode(code);
    } catch (err) {
      return this.linkFailed(err);
    }
    return this.openScenario(scenario, code);
  }

  async linkFailed(err) {
    const kept = this.store.state !== null;
    if (!kept) await this.rebuild(this.builder.spec, null);
    this.messages.showProblem(`${sentence(`This link does not open a network: ${reasons(err)}`)} ${kept ? "The network on screen stays as it was." : "Here is the default network instead."}`);
  }

  openPreset(preset) {
    return this.openLink(preset.code);
  }

  /** a scenario ({title, description, config, teacher}) as a new session, with its teacher's mode */
  openScenario(scenario, code) {
    const { store, builder, teacher, predict, lesson, messages } = this;
    this.runner.stopRunning();
    let failed = null;
    const run = store.enqueue(async () => {
      let state;
      try {
        state = await store.create(scenario.config, 0);
      } catch (err) {
        failed = err;
        return;
      }
      const spec = builder.want(builder.fromConfig(state.config, scenario.config));
      teacher.set(scenario.teacher);
      if (teacher.how("points")) store.setClickMode("pick");
      const problem = predict.set(scenario.teacher ? scenario.teacher.predict : null, state.config.layers);
      lesson.show(scenario.title, scenario.description, this.teacherNote());
      this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(spec) };
      if (code) window.history.replaceState(null, "", `#s=${code}`);
      await this.adopt(state, spec, { unselect: true });
      const name = scenario.title ? `“${scenario.title}”` : "the network of the link";
      messages.say(`Opened ${name}: ${describeNet(state)}. Press Forward (f) to begin.`);
      if (problem) messages.showProblem(problem);
    });
    return run.then(() => (failed ? this.linkFailed(failed) : undefined));
  }

  teacherNote() {
    const parts = [this.teacher.summary()];
    if (this.predict.edge && this.predict.mode === "teacher") parts.push("Exercise: predict the highlighted weight’s gradient before the page shows it.");
    if (this.teacher.derive) parts.push(deriveNote(this.teacher.derive));
    return parts.filter(Boolean).join(" ");
  }

  /** what Copy link encodes: the configuration on screen, its title while it is unchanged, the teacher's mode */
  currentScenario(withWeights) {
    const { builder, teacher } = this;
    if (!this.store.state) return null;
    const config = builder.config(builder.spec);
    if (withWeights) {
      const weights = this.weightsOnScreen();
      if (!weights) {
        this.messages.showProblem("The current weights are not all finite numbers (the network diverged), so they cannot go into a link. Reset, or untick “with current weights”.");
        return null;
      }
      config.params = weights;
    }
    const scenario = { config };
    if (this.opened && this.opened.spec === JSON.stringify(builder.spec)) {
      if (this.opened.title) scenario.title = this.opened.title;
      if (this.opened.description) scenario.description = this.opened.description;
    }
    // the exercise goes along only while this network still has its weight
    if (teacher.active) scenario.teacher = { ...teacher.mode(), predict: this.predict.mode === "teacher" ? this.predict.weight : null };
    return scenario;
  }

  /** the link on screen now opens `scenario`: the lesson box follows it */
  shared(code, copied, scenario, notice = "") {
    this.opened = { code, title: scenario.title, description: scenario.description, spec: JSON.stringify(this.builder.spec) };
    this.lesson.show(scenario.title, scenario.description, this.teacherNote());
    const weights = this.share.withWeights ? `, starting from the weights of step ${this.store.state.step}` : "";
    const fresh = notice ? " with fresh weights; to pass on these weights, use Export" : "";
    this.messages.say(notice + (copied
      ? `Link copied (it is in the address bar too): it opens this network${fresh || `, fresh${weights}`}, for anyone who has it.`
      : `Here is the link: it opens this network${fresh || `, fresh${weights}`}. It is in the address bar too.`));
  }

  exportFile() {
    const { store } = this;
    let file = null;
    return store.enqueue(async () => {
      if (!store.state) return;
      try {
        file = await store.exportFile();
      } catch (err) {
        if (err.expired) throw err;
        throw { message: `Export failed: ${reasons(err)}` };
      }
    }).then(() => file);
  }

  exported(name) {
    this.messages.say(`Exported: ${name} has this session’s configuration, weights and loss history. Import it to carry on from step ${this.store.state.step}.`);
  }

  importFile(text, body, name) {
    const { store, builder } = this;
    this.runner.stopRunning();
    return store.enqueue(async () => {
      let state;
      try {
        state = await store.importFile(text);
      } catch (err) {
        throw { message: `“${name}” cannot be imported: ${reasons(err)}`, status: err.status };
      }
      const spec = builder.want(builder.fromConfig(state.config, body.config));
      const history = await store.history(state.id).catch(() => null);
      await this.adopt(state, spec, { history, unselect: true });
      if (this.opened) this.lesson.setChanged(JSON.stringify(spec) !== this.opened.spec);
      this.messages.say(`Imported “${name}”: ${describeNet(state, false)}, carrying on at step ${state.step}.`);
    });
  }

  // -- own points: each edit is a new session ------------------------------------------------

  /** the points the next edit starts from: those of an edit still on its way, else the session's */
  points() {
    const wanted = this.builder.wanted;
    return wanted.dataset === "custom" ? wanted.points : this.store.data;
  }

  addPoint(point, mode) {
    if (!this.store.data || this.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length >= this.maxPoints) {
      this.messages.showProblem(`A dataset holds at most ${this.maxPoints} points.`);
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
      what = `added a point with ${className(k, Y[0].length > 1 ? "multiclass" : "binary")} at (${fmt(x[0], 3)}, ${fmt(x[1], 3)})`;
    }
    const [spec, text] = this.builder.withPoints([...X, x], [...Y, y], what, this.weightsOnScreen());
    this.rebuild(spec, text);
  }

  /** a drawn image (C, H, W) of class k (`name`) joins the images: a new session with the
   *  weights on screen, which then follows it (unless the test split held it out) */
  addImage(image, k, name) {
    if (!this.store.data || this.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length >= this.maxPoints) {
      this.messages.showProblem(`A dataset holds at most ${this.maxPoints} images.`);
      return;
    }
    const y = Y[0].length > 1 ? Y[0].map((_, m) => (m === k ? 1 : 0)) : [k];
    const [spec, text] = this.builder.withPoints([...X, image], [...Y, y], `added your drawing of a ${name}`, this.weightsOnScreen());
    return this.rebuild(spec, text).then(() => {
      const test = this.store.data && this.store.data.test;
      if (!test || test.length !== X.length + 1) return undefined;
      if (test[X.length]) {
        this.messages.say(`Your drawing of a ${name} went to the held-out test images, which the network never trains on: it is scored in the test loss.`);
        return undefined;
      }
      return this.store.follow(test.filter((held) => !held).length - 1);   // the last training image
    });
  }

  /** every W and b on screen, or null if any is not a finite number (a diverged network) */
  weightsOnScreen() {
    const layers = this.store.state ? this.store.state.layers : [];
    // a CNN's pool and flatten layers have no weights: null in their place
    if (!layers.length || layers.some((l) => l.W && [...l.W.flat(3), ...l.b].some((v) => v === null))) return null;
    return layers.map((l) => (l.W ? { W: l.W, b: l.b } : null));
  }

  removePoint(n) {
    if (!this.store.data || this.teacher.how("points")) return;
    const { X, Y } = this.points();
    if (X.length <= 1) {
      this.messages.showProblem("The data need at least one point.");
      return;
    }
    // the plot's point n is the n-th training point; among all the points (test ones too) it is
    const test = this.store.data.test && this.store.data.test.length === X.length ? this.store.data.test : null;
    const at = test ? test.map((held, k) => (held ? -1 : k)).filter((k) => k >= 0)[n] : n;
    const [spec, text] = this.builder.withPoints(X.filter((_, k) => k !== at), Y.filter((_, k) => k !== at),
      `removed point ${sampleName(n)}`, this.weightsOnScreen());
    this.store.followRemoved(n);
    this.rebuild(spec, text);
  }
}
