// SessionStore against a fake server: the events it emits and the requests it makes
import assert from "node:assert/strict";
import { test } from "node:test";

import { SessionStore, fitsNetwork, isMinibatch, storedId } from "../../static/core/store.js";

const reply = (status, body) => ({ status, ok: status < 300, json: async () => body });
const HISTORY = { steps: [], losses: [], grad_norms: [] };

/** `fetch` answers from `routes` ("GET /api/sessions/abc/data": a body, or a function of the
 *  query returning one or a promise of one), and any session's history; returns the requests
 *  made, as "GET /path?query" */
function serve(routes) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push(`${init.method} ${url}`);
    const u = new URL(url, "http://test");
    const route = routes[`${init.method} ${u.pathname}`] ?? (u.pathname.endsWith("/history") ? HISTORY : undefined);
    if (route === undefined) return reply(404, { detail: "no such session" });
    const body = typeof route === "function" ? await route(Object.fromEntries(u.searchParams), init) : route;
    return reply(200, body);
  };
  return calls;
}

/** a promise and the function that resolves it */
function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

function fakeStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v) };
}

/** every event of `store`, in order, as short strings */
function record(store) {
  const log = [];
  store.on("load", (state) => log.push(`load ${state.id}`));
  store.on("state", (state, how) => log.push(`state ${how} ${state.id}`));
  store.on("pictures", (pred) => log.push(`pictures ${pred.n}`));
  store.on("batch", (indices) => log.push(`batch ${JSON.stringify(indices)}`));
  store.on("notice", (text) => log.push(`notice ${text}`));
  store.on("error", (err) => log.push(`error ${err.message}`));
  return log;
}

/** the requests to paths ending in `tail` */
const to = (calls, tail) => calls.filter((c) => c.split("?")[0].endsWith(tail));

/** after every answer the fake server has given is handled */
const settle = () => new Promise((r) => setTimeout(r, 0));

function stateOf(id, { phase = "fresh", sample = 3, inBatch = true, batchSize = null, dataset = "moons", inputs = 2 } = {}) {
  return {
    id, phase, points: 10,
    config: { layers: [inputs, 3, 1], batch_size: batchSize, dataset: { name: dataset } },
    sample: { index: sample, in_batch: inBatch, input: [0.5, -1], target: [1] },
  };
}

const DATA = { X: [[0, 0]], Y: [[1]], task: "binary", bounds: [[-1, 1], [-1, 1]] };

test("adopt: stores the id, emits load then state (how = new) and follows the state's sample", async () => {
  const calls = serve({ "GET /api/sessions/abc/data": DATA, "GET /api/sessions/abc/predictions": { n: 1 } });
  const storage = fakeStorage();
  const store = new SessionStore({ storage });
  const log = record(store);
  let loaded;
  store.on("load", (state, data, history) => { loaded = { data, history }; });
  await store.adopt(stateOf("abc", { sample: 3 }), { history: [0.7] });
  await settle();
  assert.deepEqual(log, ["load abc", "state new abc", "batch null", "pictures 1"]);
  assert.deepEqual(loaded, { data: DATA, history: [0.7] });
  assert.equal(store.id, "abc");
  assert.equal(store.sample, 3);
  assert.equal(storedId(storage), "abc");
  assert.deepEqual(to(calls, "/data"), ["GET /api/sessions/abc/data"]);
  assert.deepEqual(to(calls, "/predictions"), ["GET /api/sessions/abc/predictions?resolution=50&units=true&unit_resolution=16"]);
});

test("adopt: given data, nothing is fetched but the pictures; a storage that throws is no error", async () => {
  const calls = serve({ "GET /api/sessions/abc/predictions": { n: 1 } });
  const broken = { getItem() { throw new Error("off"); }, setItem() { throw new Error("off"); } };
  const store = new SessionStore({ storage: broken });
  const log = record(store);
  await store.adopt(stateOf("abc"), { data: DATA });
  await settle();
  assert.equal(store.data, DATA);
  assert.deepEqual(to(calls, "/data"), []);
  assert.equal(to(calls, "/predictions").length, 1);
  assert.ok(!log.some((e) => e.startsWith("error")));
  assert.equal(storedId(broken), null);
});

test("predictions: a line of 100 for one input, a grid of 50 otherwise; own points get extent 1.5", async () => {
  const calls = serve({ "GET /api/sessions/abc/predictions": { n: 1 } });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc", { inputs: 1, dataset: null }), { data: { ...DATA, X: [[0]] } });   // points of one input
  await settle();
  assert.deepEqual(to(calls, "/predictions"), ["GET /api/sessions/abc/predictions?resolution=100&units=true&unit_resolution=16&extent=1.5"]);
});

test("act: posts the action for the followed sample and emits state with how = the action", async () => {
  const calls = serve({
    "POST /api/sessions/abc/step": stateOf("abc", { phase: "updated" }),
    "GET /api/sessions/abc/predictions": { n: 1 },
  });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc", { phase: "backward", sample: 4 }), { data: DATA });
  await settle();
  const log = record(store);
  const state = await store.act("step");
  await settle();
  assert.equal(state.phase, "updated");
  assert.equal(store.state, state);
  assert.deepEqual(log, ["state step abc", "pictures 1"]);         // new weights, new pictures; no new batch
  assert.deepEqual(to(calls, "/step"), ["POST /api/sessions/abc/step?sample=4"]);
});

test("refreshPictures: three calls while one request is out make two requests, the latest shown last", async () => {
  const answers = [];
  const calls = serve({ "GET /api/sessions/abc/predictions": () => { const d = deferred(); answers.push(d); return d.promise; } });
  const store = new SessionStore({ storage: fakeStorage() });
  store.setRunning("play");                                          // no pictures of its own on adopt
  await store.adopt(stateOf("abc"), { data: DATA });
  const log = record(store);
  const runs = [store.refreshPictures(), store.refreshPictures(), store.refreshPictures()];
  await settle();
  assert.equal(answers.length, 1);
  answers[0].resolve({ n: 1 });
  await settle();
  assert.equal(answers.length, 2);                                   // asked again, once
  answers[1].resolve({ n: 2 });
  await Promise.all(runs);
  assert.deepEqual(log, ["pictures 1", "pictures 2"]);
  assert.equal(to(calls, "/predictions").length, 2);
});

test("refreshPictures: the pictures of a session no longer on screen are not shown", async () => {
  const answer = deferred();
  serve({ "GET /api/sessions/abc/predictions": () => answer.promise });
  const store = new SessionStore({ storage: fakeStorage() });
  store.setRunning("play");
  await store.adopt(stateOf("abc"), { data: DATA });
  const log = record(store);
  const run = store.refreshPictures();
  await store.adopt(stateOf("def"), { data: DATA });
  answer.resolve({ n: 1 });
  await run;
  assert.deepEqual(log, ["load def", "state new def", "batch null"]);
});

test("enqueue: tasks run one after another; an error is emitted and the next task still runs", async () => {
  const store = new SessionStore({ storage: fakeStorage() });
  const order = [];
  store.on("error", (err) => order.push(`error: ${err.message}`));
  store.enqueue(async () => { await settle(); order.push("first"); });   // slow: a later task must wait
  const failed = store.enqueue(async () => { throw new Error("second failed"); });
  const last = store.enqueue(async () => { order.push("third"); });
  await failed;                                                      // resolves: errors are emitted, not thrown
  await last;
  assert.deepEqual(order, ["first", "error: second failed", "third"]);
});

test("train with pictures: state, then pictures, in the same turn", async () => {
  let body;
  const calls = serve({
    "POST /api/sessions/abc/train": (query, init) => { body = JSON.parse(init.body); return stateOf("abc", { phase: "updated" }); },
    "GET /api/sessions/abc/predictions": { n: 7 },
  });
  const store = new SessionStore({ storage: fakeStorage() });
  store.setRunning("play");                                          // as during Play: one request per picture
  await store.adopt(stateOf("abc", { sample: 2 }), { data: DATA });
  const log = record(store);
  // a microtask queued by the state listener runs only after the turn that emitted state
  store.on("state", () => queueMicrotask(() => log.push("next turn")));
  await store.train("abc", 5, { withPictures: true });
  assert.deepEqual(log, ["state train abc", "batch null", "pictures 7", "next turn"]);
  assert.deepEqual(to(calls, "/train"), ["POST /api/sessions/abc/train?sample=2"]);
  assert.equal(to(calls, "/predictions").length, 1);                 // the pictures came with the answer
  assert.deepEqual(body, { steps: 5 });
});

test("train: an answer for a session no longer on screen is returned but not shown", async () => {
  const answer = deferred();
  const calls = serve({
    "POST /api/sessions/abc/train": () => answer.promise,
    "GET /api/sessions/abc/predictions": { n: 1 },
  });
  const store = new SessionStore({ storage: fakeStorage() });
  store.setRunning("play");
  await store.adopt(stateOf("abc"), { data: DATA });
  const training = store.train("abc", 5, { withPictures: true });
  await store.adopt(stateOf("def"), { data: DATA });                // a new network meanwhile
  const log = record(store);
  answer.resolve(stateOf("abc", { phase: "updated" }));
  const state = await training;
  assert.equal(state.id, "abc");
  assert.equal(store.id, "def");
  assert.deepEqual(log, []);
  assert.deepEqual(to(calls, "/predictions"), []);                   // nor its pictures fetched
});

test("follow: the state of sample n, shown as how = sample, and a notice of it as people count (from 1)", async () => {
  const calls = serve({ "GET /api/sessions/abc": (q) => stateOf("abc", { sample: Number(q.sample) }) });
  const store = new SessionStore({ storage: fakeStorage() });
  store.setRunning("play");
  await store.adopt(stateOf("abc"), { data: DATA });
  const log = record(store);
  await store.follow(6);
  assert.equal(store.sample, 6);
  assert.deepEqual(to(calls, "/abc").slice(-1), ["GET /api/sessions/abc?sample=6"]);
  assert.deepEqual(log, ["state sample abc", "notice Following sample #7: x = (0.5, −1), y = (1)."]);
});

test("after a Forward, a followed sample outside the minibatch gives way to the batch's first", async () => {
  const calls = serve({
    "POST /api/sessions/abc/forward": stateOf("abc", { phase: "forward", batchSize: 2, sample: 3, inBatch: false }),
    "GET /api/sessions/abc/batch": (q) => (q.offset === "0" ? { indices: [5], next_offset: 1 } : { indices: [7], next_offset: null }),
    "GET /api/sessions/abc": (q) => stateOf("abc", { phase: "forward", batchSize: 2, sample: Number(q.sample) }),
    "GET /api/sessions/abc/predictions": { n: 1 },
  });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc", { batchSize: 2, sample: 3 }), { data: DATA });   // fresh: no batch yet
  await settle();
  const log = record(store);
  await store.act("forward");
  await settle();
  await store.queue;
  assert.deepEqual(log, ["state forward abc", "batch [5,7]", "state sample abc",
    "notice Now following sample #6, the first of this minibatch: sample #4 is not in it, so it has no values this step."]);
  assert.equal(store.sample, 5);
  assert.ok(calls.includes("GET /api/sessions/abc/batch?offset=1&limit=500&arrays=false"));
});

test("after a Forward, the learner's own pick wins over the move to the batch's first, even of the same sample", async () => {
  const batchAnswer = deferred();
  const calls = serve({
    "POST /api/sessions/abc/forward": stateOf("abc", { phase: "forward", batchSize: 2, sample: 3, inBatch: false }),
    "GET /api/sessions/abc/batch": () => batchAnswer.promise,
    "GET /api/sessions/abc": (q) => stateOf("abc", { phase: "forward", batchSize: 2, sample: Number(q.sample), inBatch: false }),
    "GET /api/sessions/abc/predictions": { n: 1 },
  });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc", { batchSize: 2, sample: 3 }), { data: DATA });
  await settle();
  await store.act("forward");
  await settle();                       // the batch is being fetched: the learner picks #3 again
  await store.follow(3);
  batchAnswer.resolve({ indices: [5, 7], next_offset: null });
  await settle();
  await store.queue;
  assert.equal(store.sample, 3);
  assert.deepEqual(to(calls, "/abc").filter((c) => c.includes("sample=5")), []);
});

test("select: the inspector's node or weight, emitted; one the network lacks is none", async () => {
  serve({ "GET /api/sessions/abc/data": DATA });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc"));          // a 2–3–1 network
  const seen = [];
  store.on("select", (sel) => seen.push(sel));
  store.select({ kind: "edge", L: 1, i: 1, j: 2 });
  store.select({ kind: "node", L: 1, i: 3 });
  store.select(null);
  assert.deepEqual(seen, [{ kind: "edge", L: 1, i: 1, j: 2 }, null, null]);
  assert.equal(store.selection, null);
});

test("adopt with unselect: the selection goes before the data arrive, with no select event", async () => {
  const data = deferred();
  serve({ "GET /api/sessions/abc/data": DATA, "GET /api/sessions/def/data": () => data.promise });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc"));
  store.select({ kind: "node", L: 1, i: 0 });
  const seen = [];
  store.on("select", (sel) => seen.push(sel));
  const drawn = [];
  store.on("state", () => drawn.push(store.selection));
  const adopted = store.adopt(stateOf("def"), { unselect: true });    // the same shape
  assert.equal(store.selection, null);
  data.resolve(DATA);
  await adopted;
  assert.deepEqual(seen, []);
  assert.deepEqual(drawn, [null]);
});

test("a new answer drops a selection its network lacks, with no select event; one it has stays", async () => {
  serve({ "GET /api/sessions/abc/data": DATA });
  const store = new SessionStore({ storage: fakeStorage() });
  await store.adopt(stateOf("abc"));
  const seen = [];
  store.on("select", (sel) => seen.push(sel));
  store.select({ kind: "node", L: 1, i: 2 });
  store.show(stateOf("abc"), "sample");
  assert.deepEqual(store.selection, { kind: "node", L: 1, i: 2 });
  store.show({ ...stateOf("abc"), config: { ...stateOf("abc").config, layers: [2, 2, 1] } }, "sample");
  assert.equal(store.selection, null);
  assert.deepEqual(seen, [{ kind: "node", L: 1, i: 2 }]);
});

test("fitsNetwork: nodes of each layer, weights between neighbours", () => {
  const state = { config: { layers: [2, 3, 1] } };
  assert.equal(fitsNetwork({ kind: "node", L: 0, i: 1 }, state), true);
  assert.equal(fitsNetwork({ kind: "node", L: 2, i: 1 }, state), false);
  assert.equal(fitsNetwork({ kind: "node", L: 3, i: 0 }, state), false);
  assert.equal(fitsNetwork({ kind: "edge", L: 2, i: 2, j: 0 }, state), true);
  assert.equal(fitsNetwork({ kind: "edge", L: 0, i: 0, j: 0 }, state), false);
  assert.equal(fitsNetwork({ kind: "edge", L: 1, i: 2, j: 0 }, state), false);
});

test("open: a session the server no longer has is null", async () => {
  serve({});
  const store = new SessionStore({ storage: fakeStorage() });
  assert.equal(await store.open("gone"), null);
});

test("isMinibatch: a batch size below the number of points", () => {
  const with_ = (batchSize) => ({ config: { batch_size: batchSize }, points: 10 });
  assert.equal(isMinibatch(with_(4)), true);
  assert.equal(isMinibatch(with_(10)), false);
  assert.equal(isMinibatch(with_(null)), false);
});
