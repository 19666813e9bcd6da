// the drive: forward, backward, step, reset one at a time, and the Play and Train loops
import { api } from "./api.js";
import { fmt } from "./format.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ACTION_NEWS = {
  forward: (s) => `Forward: ${s.batch_size} point${s.batch_size === 1 ? "" : "s"} went through the network; loss ${fmt(s.loss, 5)}.`,
  backward: (s, hidden) => s.diverged
    ? "Backward: the loss is not a finite number (the network diverged), so neither are the gradients. Lower the learning rate, then Reset."
    : hidden
      ? "Backward: every weight has its gradient dW now, but the highlighted weight’s stays hidden: predict it first."
      : "Backward: every weight has its gradient dW now. Click a weight to see its chain rule.",
  step: (s) => `Step ${s.step}: every weight moved by −lr·dW (the loss ${fmt(s.loss, 5)} is from before this update).`,
  reset: () => "Reset: back to the starting weights, step 0, a fresh optimiser.",
};
const KEYS = { f: "forward", b: "backward", s: "step", r: "reset" };

/** runs the learner's actions against the session on screen; `app` holds the pictures and the other parts */
export class Runner {
  constructor(app, { maxTrain }) {
    this.app = app;
    this.maxTrain = maxTrain;
    this.playing = false;
    this.training = false;
    this.stopAsked = null;
  }

  /** whether Play or Train is running */
  get busy() {
    return this.playing || this.training;
  }

  /** forward, backward, step, reset, play, train from a button or a key */
  action(name) {
    const { app } = this;
    const blocked = app.teacher.blocked(name);
    if (blocked) {
      app.messages.say(blocked);
      return undefined;
    }
    if (name === "play") return this.togglePlay();
    if (name === "train") return this.trainSteps();
    if (name === "reset") this.stopRunning();
    return app.session.enqueue(async () => {
      if (!app.state) return;
      const [ok, why] = app.drive.allowed(name, app.state.phase);
      if (!ok) {
        app.messages.say(why);
        return;
      }
      const state = await api.act(app.state.id, name, app.view.sample);
      app.messages.clearError();
      if (name === "step") app.chart.add(state.step, [state.loss]);
      if (name === "reset") app.chart.clear();
      app.view.show(state, name);
      const news = ACTION_NEWS[name](state, app.predict.concealed() !== null);
      app.messages.say(name === "step" ? news + this.lossWarning() : news);
    });
  }

  /** " The loss has grown …" when it is ten times what it was at the start (a learning rate
   *  too large, before any number overflows), else "" */
  lossWarning() {
    const { chart } = this.app;
    const first = chart.losses.find((l) => Number.isFinite(l));
    const last = chart.losses[chart.losses.length - 1];
    if (!(first > 0) || !Number.isFinite(last) || last < 10 * first) return "";
    return ` The loss has grown from ${fmt(first, 3)} to ${fmt(last, 3)}: the learning rate ` +
      `${this.app.state.optimizer.lr} is probably too large. Lower it (a new session), or Reset.`;
  }

  /** the keyboard: f, b, s, r and space for Play, unless the learner is typing or on a button */
  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, textarea")) return;
    const k = e.key.toLowerCase();
    if (e.key === " ") {
      // space activates those, and opens a menu
      if (t.closest && t.closest("button, [role=button], a, summary, select")) return;
      e.preventDefault();
      this.action("play");
      return;
    }
    if (KEYS[k]) {
      e.preventDefault();   // in a menu too: "b" would otherwise pick the dataset "blobs"
      this.action(KEYS[k]);
    }
  }

  /** end Play and Train now; their loops notice after the request in flight */
  stopRunning() {
    const { drive } = this.app;
    if (this.playing) {
      this.playing = false;
      drive.setPlaying(false);
    }
    if (this.training) {
      this.training = false;
      drive.setTraining(false);
    }
  }

  /** the session is gone: the loops end after the request in flight and reset their buttons themselves */
  halt() {
    this.playing = false;
    this.training = false;
  }

  async togglePlay() {
    const { app } = this;
    if (this.playing) {
      this.playing = false;
      app.drive.setPlaying(false);
      this.pausedAt = app.messages.said;   // "Paused" unless something else is said before the loop ends
      return;
    }
    if (!app.state || this.training) return;
    this.playing = true;
    this.pausedAt = null;
    app.drive.setPlaying(true);
    app.network.setBusy(true);
    app.network.stopAnimation();
    const id = app.state.id;
    const errors = app.messages.errorCount;
    const startStep = app.state.step;
    app.messages.say("Playing: a few training steps at a time, again and again; watch the loss and the "
      + "weights. Pause (space) stops it.");
    while (this.playing && app.state && app.state.id === id) {
      const speed = app.drive.speed();
      let stopped = null;
      await app.session.enqueue(async () => {
        if (!this.playing || app.state.id !== id) return;
        const state = await api.train(id, speed.steps, app.view.sample);
        stopped = this.afterTrain(state);
      }).then(() => app.view.refreshPictures());
      if (stopped || !app.state || app.state.id !== id) break;
      if (app.messages.errorCount !== errors) break;
      await sleep(speed.pause);
    }
    this.playing = false;
    app.drive.setPlaying(false);
    app.network.setBusy(false);
    if (app.state && app.state.id === id && this.pausedAt === app.messages.said && app.messages.errorCount === errors) {
      app.messages.say(`Paused at step ${app.state.step} (${app.state.step - startStep} steps played). The node `
        + "values are from the last forward pass; run Forward to recompute them with the new weights."
        + this.lossWarning());
    }
  }

  async trainSteps() {
    const { app } = this;
    if (this.training) {
      this.training = false;   // the Stop button
      this.stopAsked = app.messages.said;   // "Stopped after" unless something else is said first
      return;
    }
    if (!app.state || this.playing) {
      if (this.playing) app.messages.say("Pause first: Play is running.");
      return;
    }
    const total = app.drive.trainSteps();
    if (!Number.isInteger(total) || total < 1 || total > this.maxTrain) {
      app.messages.showProblem(`Train takes between 1 and ${this.maxTrain} steps at a time; you asked for ${app.drive.trainText() || "nothing"}.`);
      return;
    }
    const id = app.state.id;
    const errors = app.messages.errorCount;
    this.stopAsked = null;
    this.training = true;
    app.drive.setTraining(true);
    app.messages.say(`Training: ${total} step${total === 1 ? "" : "s"} of Forward, Backward and Step from step ${app.state.step}…`);
    // about twenty requests, so the progress bar moves without costing much
    const chunk = Math.max(Math.min(total, 20), Math.min(1000, Math.ceil(total / 20)));
    let done = 0;
    let stopped = null;
    const startStep = app.state.step;
    while (this.training && done < total && !stopped) {
      const steps = Math.min(chunk, total - done);
      let ok = false;
      await app.session.enqueue(async () => {
        if (app.state.id !== id) return;
        const state = await api.train(id, steps, app.view.sample);
        done += state.steps_run;
        stopped = this.afterTrain(state);
        ok = true;
      });
      if (!ok) break;
      app.drive.progress(done, total);
      if (done >= total || stopped) break;
      await app.view.refreshPictures();
    }
    const cancelled = !this.training && done < total;
    this.training = false;
    app.drive.setTraining(false);
    app.view.refreshPictures();
    if (app.state && app.state.id === id && (!cancelled || this.stopAsked === app.messages.said)) {
      if (!stopped && app.messages.errorCount === errors) {
        app.messages.say(`${cancelled ? "Stopped after" : "Trained"} ${done} steps (step ${startStep} → ${app.state.step}). The node values are from the last forward pass; run Forward to recompute them with the new weights.${this.lossWarning()}`);
      }
    }
  }

  /** show a train answer; returns why it stopped early, if it did */
  afterTrain(state) {
    const { app } = this;
    if (state.steps_run) app.chart.add(state.step - state.steps_run + 1, state.losses);
    app.view.show(state, "train");
    if (state.stopped) {
      app.messages.showProblem(state.stopped === "diverged"
        ? `Training stopped at step ${state.step}: the loss is no longer a finite number (it diverged). Lower the learning rate, then Reset.`
        : `Training stopped after ${state.steps_run} steps: the server’s ${state.stopped}.`);
    }
    return state.stopped;
  }
}
