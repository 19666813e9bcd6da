// the page's session: its id, latest state, data and followed sample, the request queue and every
// call to the server; views subscribe to what changed and only draw
import { api } from "./api.js";
import { fmt } from "./format.js";
import { fitsConv, isConvConfig } from "../conv/convmath.js";
import { fitsAttention, isSequenceConfig } from "../attention/attnmath.js";
import { sampleName } from "./names.js";

const STORED = "manualgrad.session";   // sessionStorage: this tab's session, reopened on a reload
const OWN_POINTS_EXTENT = 1.5;         // own points: the plot covers at least ±1.5, room to click

/** this tab's session id from the last visit, or null */
export function storedId(storage = globalThis.sessionStorage) {
  try { return storage.getItem(STORED); } catch (err) { return null; }
}

function storeId(id, storage = globalThis.sessionStorage) {
  try { storage.setItem(STORED, id); } catch (err) { /* storage off: a reload starts anew */ }
}

/** whether a minibatch is drawn each Forward (else the batch is every point) */
export function isMinibatch(state) {
  return state.config.batch_size !== null && state.config.batch_size < state.points;
}

/** whether `sel` ({kind: "node" | "edge", L, i[, j]}) names a node or a weight of `state`'s network */
export function fitsNetwork(sel, state) {
  if (isConvConfig(state.config)) return fitsConv(sel, state.config);    // a kernel weight, a pixel …
  if (isSequenceConfig(state.config)) return fitsAttention(sel, state.config);   // a score, a weight of Wq …
  if (sel.kind !== "node" && sel.kind !== "edge") return false;
  const sizes = state.config.layers;
  return sel.kind === "node"
    ? sel.L < sizes.length && sel.i < sizes[sel.L]
    : sel.L >= 1 && sel.L < sizes.length && sel.i < sizes[sel.L - 1] && sel.j < sizes[sel.L];
}

/** whether the session's inputs are points of a plane (or a line) whose outputs can be pictured:
 *  not images, not sequences */
function hasPlane(config) {
  return !isConvConfig(config) && !isSequenceConfig(config);
}

/** the answers after which the pictures of the outputs change (the weights moved or were replaced) */
const NEW_WEIGHTS = ["new", "step", "train", "reset", "rewind", "edit"];
/** the answers after which the batch may be another */
const NEW_BATCH = ["new", "forward", "train", "reset", "rewind"];

/**
 * One session on the server for the page. Events (`on(name, fn)`):
 *   load (state, data, history)   a session was adopted: its data and loss history come with it
 *   state (state, how)            a new answer: how = new, forward, backward, step, reset, train, sample, reveal
 *   select (selection)            the node or weight the inspector shows, or null (it changes only
 *                                 here: select(), or quietly in adopt() and show(), whose "state" draws it)
 *   pictures (predictions)        the unit pictures and the decision boundary of the current weights
 *   batch (indices | null)        the points of the current minibatch (null: all of them)
 *   running (null | "play" | "train")
 *   clickMode (mode)              what a click on the data plot does
 *   history (history)             the loss and gradient-norm history ({steps, losses, past_steps, grad_norms})
 *   past (null | {step, layers, pictures})   an earlier update looked at (the session stays as it is)
 *   notice (text)                 something the store did on its own that the learner should hear
 *   error (err)                   a request failed
 */
export class SessionStore {
  constructor({ storage = globalThis.sessionStorage } = {}) {
    this.storage = storage;
    this.state = null;          // the latest answer for the session on screen
    this.data = null;           // {X, Y, task, bounds} of the session
    this.sample = 0;            // the dataset index every per-sample number follows
    this.picks = 0;             // the learner's own picks of a sample so far: one wins over the page's own move
    this.selection = null;      // {kind: "node" | "edge", L, i[, j]} shown in the inspector
    this.running = null;
    this.clickMode = "pick";
    this.queue = Promise.resolve();
    this.listeners = new Map();
    this.runs = new Map();      // event -> the refresh out for it (see latest())
    this.past = null;           // {step, layers, pictures} of an earlier update on screen, or null
    this.pastWanted = null;
  }

  get id() {
    return this.state ? this.state.id : null;
  }

  /** how far the plot and its pictures reach beyond the data: own points get room to click */
  get extent() {
    return this.state && !this.state.config.dataset.name ? OWN_POINTS_EXTENT : null;
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(fn);
    return () => this.listeners.set(event, this.listeners.get(event).filter((f) => f !== fn));
  }

  emit(event, ...args) {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }

  /** an error of a request for session `asked`: nothing to say if another session replaced it
   *  meanwhile (a quick second edit), else emitted */
  staleOr(asked, err) {
    if (this.id !== asked) return;
    this.emit("error", err);
  }

  /** run `task` after every request before it; its errors are emitted, never thrown */
  enqueue(task) {
    const run = this.queue.then(task).catch((err) => this.emit("error", err));
    this.queue = run;
    return run;
  }

  // -- sessions: made, opened, adopted -----------------------------------------------------

  /** a new session on the server, replacing the one on screen once it exists (not adopted yet) */
  create(config, sample = this.sample) {
    return api.create(config, sample, this.id);     // the server clamps the sample
  }

  /** a session file's text as a new session (not adopted yet) */
  importFile(text) {
    return api.importFile(text, this.id);
  }

  /** the state and data of session `id` from an earlier visit; null if the server no longer has it */
  async open(id) {
    try {
      const state = await api.get(id, 0);
      return { state, data: await api.data(id) };
    } catch (err) {
      if (err.expired) return null;
      throw err;
    }
  }

  /** make `state` the page's session: its data (fetched unless given), its sample, its history;
   *  the selection goes with `unselect` (a scenario or a file opened) or a network of another
   *  shape, with no "select": the "state" below draws the page without it */
  async adopt(state, { history = null, data = null, unselect = false } = {}) {
    if (unselect) this.selection = null;
    storeId(state.id, this.storage);
    data = data ?? await api.data(state.id);
    const sameShape = this.state && JSON.stringify(this.state.config.layers) === JSON.stringify(state.config.layers);
    if (!sameShape) this.selection = null;
    this.data = data;
    this.sample = state.sample.index;
    this.state = state;
    this.emit("load", state, data, history);
    this.show(state, "new");
    if (history) this.emit("history", history);
    else this.refreshHistory();
  }

  history(id = this.id) {
    return api.history(id);
  }

  /** the session's history again, emitted as "history" (after a Step, a Reset, the end of a
   *  Play or a Train: not per Play tick); the latest request wins */
  refreshHistory() {
    return this.latest("history", (id) => api.history(id));
  }

  /** `fetch(id)` for the session on screen, emitted as `event`; called again while one is out,
   *  it fetches once more when that one is back (the latest wins, and requests never pile up) */
  latest(event, fetch) {
    const running = this.runs.get(event);
    if (running) {
      running.again = true;
      return running.promise;
    }
    const entry = { again: false, promise: null };
    this.runs.set(event, entry);
    const asked = this.id;
    entry.promise = (async () => {
      do {
        entry.again = false;
        if (!this.state) return;
        const id = this.id;
        const answer = await fetch(id);
        if (this.id === id) this.emit(event, answer);
      } while (entry.again);
    })().catch((err) => this.staleOr(asked, err)).finally(() => this.runs.delete(event));
    return entry.promise;
  }

  exportFile() {
    return api.exportFile(this.id);
  }

  // -- the drive ----------------------------------------------------------------------------

  /** forward, backward, step or reset on the session on screen */
  async act(name) {
    const state = await api.act(this.id, name, this.sample);
    this.show(state, name);
    return state;
  }

  /** `steps` training steps of session `id` (a Play or a Train started on it); `withPictures`:
   *  the pictures of the new weights are fetched before either is shown, so that one frame
   *  draws both (two would paint the network twice per Play tick) */
  async train(id, steps, { withPictures = false } = {}) {
    const state = await api.train(id, steps, this.sample);
    const pred = withPictures && this.id === id ? await this.predictions(id) : null;
    if (this.id !== id) return state;
    this.show(state, "train");
    if (pred) this.emit("pictures", pred);
    return state;
  }

  setRunning(what) {
    if (this.running === what) return;
    this.running = what;
    this.emit("running", what);
    if (!what) this.refreshHistory();       // a Play or a Train ended: its norms are in the history
  }

  // -- looking back ---------------------------------------------------------------------------

  /** show the kept update nearest to `step` (its weights and pictures) without changing the
   *  session; the latest asked for wins */
  async viewPast(step) {
    this.pastWanted = step;
    const id = this.id;
    try {
      const [weights, pictures] = await Promise.all([api.weights(id, step),
        this.predictions(id, step)]);
      if (this.id !== id || this.pastWanted !== step) return;
      this.past = { step: weights.step, layers: weights.layers, pictures };
      this.emit("past", this.past);
    } catch (err) {
      this.emit("error", err);
    }
  }

  /** back to the session as it is */
  leavePast() {
    if (!this.past && this.pastWanted === null) return;
    this.past = null;
    this.pastWanted = null;
    this.emit("past", null);
    this.redraw("sample");
    this.refreshPictures();
  }

  /** set one weight or bias by hand ({layer, param, i, j, value}); the phase is fresh again */
  editWeight(edit) {
    return this.enqueue(async () => {
      const state = await api.editWeight(this.id, edit, this.sample);
      this.show(state, "edit");
      return state;
    });
  }

  /** carry on from the update on screen: the session goes back to it (the history after it goes) */
  rewind(step) {
    return this.enqueue(async () => {
      const state = await api.rewind(this.id, step, this.sample);
      this.past = null;
      this.pastWanted = null;
      this.emit("past", null);
      this.show(state, "rewind");
      this.refreshHistory();
      return state;
    });
  }

  // -- what the page follows ----------------------------------------------------------------

  /** follow sample `n`: every per-sample number is then its own */
  follow(n) {
    this.picks += 1;
    return this.enqueue(async () => {
      if (!this.state) return;
      this.sample = n;
      const state = await api.get(this.id, n);
      this.show(state, "sample");
      const s = state.sample;
      if (isSequenceConfig(state.config)) {
        this.emit("notice", `Following sequence ${sampleName(n)}: its ${s.input.length} positions, their tokens and targets are in the view.`);
        return;
      }
      const x = Array.isArray(s.input[0]) ? `an image of ${state.config.input_shape.join("×")}` : `x = (${s.input.map((v) => fmt(v, 3)).join(", ")})`;
      this.emit("notice", `Following sample ${sampleName(n)}: ${x}, y = (${s.target.map((v) => fmt(v, 3)).join(", ")}).`);
    });
  }

  /** point `n` is going: the followed sample keeps its point where it can */
  followRemoved(n) {
    if (this.sample >= n && this.sample > 0) this.sample -= 1;
  }

  /** show `selection` in the inspector (null: the guide); one the network lacks is none */
  select(selection) {
    this.selection = selection && this.state && !fitsNetwork(selection, this.state) ? null : selection;
    this.emit("select", this.selection);
  }

  setClickMode(mode) {
    this.clickMode = mode;
    this.emit("clickMode", mode);
  }

  /** show the state on screen again, as `how` says (a prediction was revealed) */
  redraw(how) {
    if (this.state) this.show(this.state, how);
  }

  // -- the weight panels' numbers ---------------------------------------------------------

  chain(layer, i, j) {
    return api.chain(this.id, layer, i, j, this.sample);
  }

  /** the learner's formula for one sample's term of W[layer][i][j], checked on every sample */
  derive(layer, i, j, formula) {
    return api.derive(this.id, { layer, i, j, formula }, this.sample);
  }

  /** rows offset … offset + limit of the current batch, with every layer's Z, A, dZ, dA */
  batchPage(offset, limit) {
    return api.batch(this.id, offset, limit, true);
  }

  /** the learner's guess {layer, i, j, value, sample?} judged by the server: {value, truth, verdict} */
  predict(guess) {
    return api.predict(this.id, guess);
  }

  gradcheck(layer, i, j) {
    return api.gradcheck(this.id, layer, i, j);
  }

  /** a CNN's chain of `at`: {layer, o, c, u, v} a kernel weight, {layer, input: "c,r,s"} an input */
  convChain(at) {
    return api.convChain(this.id, at, this.sample);
  }

  /** the finite-difference check of a kernel weight or an input (of the followed sample) */
  convCheck(at) {
    return api.convCheck(this.id, at, this.sample);
  }

  /** an attention head's chain of `at`: {layer, score: "t,t2"} a score, {layer, param, i, j} a
   *  weight of Wq, Wk or Wv, {layer, i, j} a dense weight after the head (its terms per position) */
  attentionChain(at) {
    return api.convChain(this.id, at, this.sample);
  }

  /** the finite-difference check of a score (of the followed sample) or a weight */
  attentionCheck(at) {
    return api.convCheck(this.id, at, this.sample);
  }

  // -- scenarios (no session needed) --------------------------------------------------------

  decode(code) {
    return api.decode(code);
  }

  encode(scenario) {
    return api.encode(scenario);
  }

  presets() {
    return api.presets().then((answer) => answer.presets);
  }

  // -- after each answer ------------------------------------------------------------------

  show(state, how) {
    this.state = state;
    // a node or weight this network lacks is no longer selected: the views draw the guide
    if (this.selection && !fitsNetwork(this.selection, state)) this.selection = null;
    this.emit("state", state, how);
    if (NEW_WEIGHTS.includes(how) && !this.running) this.refreshPictures();
    if ((how === "step" || how === "reset") && !this.running) this.refreshHistory();
    if (NEW_BATCH.includes(how)) this.refreshBatch(state, how);
  }

  /** the grid (or line) of outputs the pictures are drawn from, for the weights of session `id` */
  predictions(id, step = null) {
    if (this.state && !hasPlane(this.state.config)) return Promise.resolve(null);   // no plane to picture
    return api.predictions(id, this.lineOfPoints ? 100 : 50, 16, this.extent, step);
  }

  /** whether the points have one input (a line of 100 outputs), not two (a 50 × 50 grid); with
   *  input features the network's own inputs may be fewer or more than the points' */
  get lineOfPoints() {
    return this.data ? this.data.X[0].length === 1 : this.state.config.layers[0] === 1;
  }

  /** the output pictures: unit thumbnails and the decision boundary; the latest request wins */
  refreshPictures() {
    if (this.state && !hasPlane(this.state.config)) return Promise.resolve();
    return this.latest("pictures", (id) => this.predictions(id));
  }

  /** which points the current minibatch holds; after a Forward, or the end of a Train, a
   *  followed sample that is not in the batch gives way to the batch's first one (its nodes
   *  would show no values at all) */
  async refreshBatch(state, how) {
    const picks = this.picks;
    if (!isMinibatch(state) || state.phase === "fresh") {
      this.emit("batch", null);
      return;
    }
    try {
      const indices = [];
      for (let offset = 0; offset !== null;) {
        const page = await api.batch(state.id, offset, 500, false);   // the indices only
        indices.push(...page.indices);
        offset = page.next_offset;
      }
      if (this.id !== state.id) return;
      this.emit("batch", indices);
      const settled = how === "forward" || (how === "train" && !this.running);
      if (settled && !state.sample.in_batch && indices.length) this.followInBatch(indices[0], state.sample.index, picks);
    } catch (err) {
      this.staleOr(state.id, err);
    }
  }

  /** follow sample `n` of the current batch instead of `old`, which is not in it, unless the
   *  learner has picked a sample since `picks` (even `old` again: their pick wins) */
  followInBatch(n, old, picks) {
    return this.enqueue(async () => {
      if (!this.state || this.sample !== old || this.picks !== picks) return;
      this.sample = n;
      const state = await api.get(this.id, n);
      this.show(state, "sample");
      const what = isSequenceConfig(state.config) ? "sequence" : "sample";
      this.emit("notice", `Now following ${what} ${sampleName(n)}, the first of this minibatch: ${what} ${sampleName(old)} is not in it, so it has no values this step.`);
    });
  }
}
