// the drive: forward, backward, step, reset one at a time, and the Play and Train loops
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

/** runs the learner's actions against the store's session, and says what they did */
export class Runner {
  constructor({ store, drive, teacher, messages, chart, predict, maxTrain }) {
    this.store = store;
    this.drive = drive;
    this.teacher = teacher;
    this.messages = messages;
    this.chart = chart;
    this.predict = predict;
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
    const { store, messages } = this;
    const blocked = this.teacher.blocked(name);
    if (blocked) {
      messages.say(blocked);
      return undefined;
    }
    if (name === "play") return this.togglePlay();
    if (name === "train") return this.trainSteps();
    if (name === "reset") this.stopRunning();
    const back = store.past ? store.past.step : null;      // looking back: to now first, said so
    if (back !== null) store.leavePast();
    return store.enqueue(async () => {
      if (!store.state) return;
      const [ok, why] = this.drive.allowed(name, store.state.phase);
      if (!ok) {
        messages.say(why);
        return;
      }
      const state = await store.act(name);      // the chart and the pictures follow the store
      messages.clearError();
      const news = ACTION_NEWS[name](state, this.predict.concealed() !== null);
      const first = back === null ? "" : `Back from step ${back} to now, then: `;
      messages.say(first + (name === "step" ? news + this.lossWarning() : news));
    });
  }

  /** " The loss has grown …" when it is ten times what it was at the start (a learning rate
   *  too large, before any number overflows), else "" */
  lossWarning() {
    const { chart } = this;
    const first = chart.losses.find((l) => Number.isFinite(l));
    const last = chart.losses[chart.losses.length - 1];
    if (!(first > 0) || !Number.isFinite(last) || last < 10 * first) return "";
    return ` The loss has grown from ${fmt(first, 3)} to ${fmt(last, 3)}: the learning rate ` +
      `${this.store.state.optimizer.lr} is probably too large. Lower it (a new session), or Reset.`;
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
    const { drive } = this;
    if (this.playing) {
      this.playing = false;
      drive.setPlaying(false);
    }
    if (this.training) {
      this.training = false;
      drive.setTraining(false);
    }
    this.store.setRunning(null);     // what the store shows next is not a Play tick's
  }

  /** the session is gone: the loops end after the request in flight and reset their buttons themselves */
  halt() {
    this.playing = false;
    this.training = false;
    this.store.setRunning(null);
  }

  async togglePlay() {
    const { store, drive, messages } = this;
    if (this.playing) {
      this.playing = false;
      drive.setPlaying(false);
      store.setRunning(null);
      this.pausedAt = messages.said;   // "Paused" unless something else is said before the loop ends
      return;
    }
    if (!store.state || this.training) return;
    this.playing = true;
    const run = (this.playRun = (this.playRun ?? 0) + 1);   // a Play pressed again while the last tick is out is a new loop
    const mine = () => this.playing && this.playRun === run;
    this.pausedAt = null;
    drive.setPlaying(true);
    store.setRunning("play");
    const id = store.state.id;
    const errors = messages.errorCount;
    const startStep = store.state.step;
    messages.say("Playing: a few training steps at a time, again and again; watch the loss and the "
      + "weights. Pause (space) stops it.");
    while (mine() && store.state && store.state.id === id) {
      const speed = drive.speed();
      let stopped = null;
      await store.enqueue(async () => {
        if (!mine() || store.id !== id) return;
        const state = await store.train(id, speed.steps, { withPictures: true });
        drive.showWait(state.waited ?? 0);
        stopped = this.afterTrain(state);
      });
      if (stopped || !store.state || store.state.id !== id) break;
      if (messages.errorCount !== errors) break;
      await sleep(speed.pause);
    }
    if (this.playRun !== run) return;      // a newer Play runs: it owns the buttons and the status
    this.playing = false;
    drive.setPlaying(false);
    store.setRunning(null);
    if (store.state && store.state.id === id && this.pausedAt === messages.said && messages.errorCount === errors) {
      messages.say(`Paused at step ${store.state.step} (${store.state.step - startStep} steps played). The node `
        + "values are from the last forward pass; run Forward to recompute them with the new weights."
        + this.lossWarning());
    }
  }

  async trainSteps() {
    const { store, drive, messages } = this;
    if (this.training) {
      this.training = false;   // the Stop button
      store.setRunning(null);
      this.stopAsked = messages.said;   // "Stopped after" unless something else is said first
      return;
    }
    if (!store.state || this.playing) {
      if (this.playing) messages.say("Pause first: Play is running.");
      return;
    }
    const total = drive.trainSteps();
    if (!Number.isInteger(total) || total < 1 || total > this.maxTrain) {
      messages.showProblem(`Train takes between 1 and ${this.maxTrain} steps at a time; you asked for ${drive.trainText() || "nothing"}.`);
      return;
    }
    const id = store.state.id;
    const errors = messages.errorCount;
    this.stopAsked = null;
    this.training = true;
    store.setRunning("train");
    drive.setTraining(true);
    messages.say(`Training: ${total} step${total === 1 ? "" : "s"} of Forward, Backward and Step from step ${store.state.step}…`);
    // about twenty requests, so the progress bar moves without costing much
    const chunk = Math.max(Math.min(total, 20), Math.min(1000, Math.ceil(total / 20)));
    let done = 0;
    let stopped = null;
    const startStep = store.state.step;
    while (this.training && done < total && !stopped) {
      const steps = Math.min(chunk, total - done);
      let ok = false;
      await store.enqueue(async () => {
        if (store.id !== id) return;
        const state = await store.train(id, steps, { withPictures: true });
        done += state.steps_run;
        stopped = this.afterTrain(state);
        ok = true;
      });
      if (!ok) break;
      drive.progress(done, total);
      if (done >= total || stopped) break;
    }
    const cancelled = !this.training && done < total;
    this.training = false;
    store.setRunning(null);
    drive.setTraining(false);
    if (store.state && store.state.id === id && (!cancelled || this.stopAsked === messages.said)) {
      if (!stopped && messages.errorCount === errors) {
        messages.say(`${cancelled ? "Stopped after" : "Trained"} ${done} steps (step ${startStep} → ${store.state.step}). The node values are from the last forward pass; run Forward to recompute them with the new weights.${this.lossWarning()}`);
      }
    }
  }

  /** a train answer (the store has shown it): returns why it stopped early, if it did */
  afterTrain(state) {
    const { messages } = this;
    if (state.stopped) {
      messages.showProblem(state.stopped === "diverged"
        ? `Training stopped at step ${state.step}: the loss is no longer a finite number (it diverged). Lower the learning rate, then Reset.`
        : `Training stopped after ${state.steps_run} steps: the server’s ${state.stopped}.`);
    }
    return state.stopped;
  }
}
