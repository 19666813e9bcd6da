// talking to the server: every non-2xx answer becomes an ApiError with a sentence a learner can read
import { sentence } from "./format.js";

/** An HTTP failure, with a readable message and the status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(status, message, fields = [], detail = null) {
    super(message);
    this.status = status;
    this.fields = fields;        // names of the request fields at fault, from a 422
    this.detail = detail;        // the server's own words: a string, or a 422's [{field, msg}]
  }
  get expired() { return this.status === 404; }
}

const FIELD_NAMES = {
  "body": "the request",
  "layers": "layer sizes",
  "activations": "activations",
  "loss": "loss",
  "optimizer.lr": "learning rate",
  "optimizer.name": "optimiser",
  "batch_size": "batch size",
  "seed": "seed",
  "steps": "steps to train",
  "dataset": "points",
  "dataset.n": "number of points",
  "dataset.noise": "noise",
  "dataset.X": "points",
  "dataset.Y": "point labels",
  "sample": "selected sample",
  "params": "starting weights",
  "code": "the link",
  "file": "the file",
};

/** "layers[2]" -> "units of layer 2", "optimizer.lr" -> "learning rate". */
export function fieldName(field) {
  const inside = /^(code|file)\.(?:config\.)?(.+)$/.exec(field);    // a link's or a file's own config
  if (inside) return `${fieldName(inside[2])} in ${FIELD_NAMES[inside[1]]}`;
  const layer = /^layers\[(\d+)\]$/.exec(field);
  if (layer) return layer[1] === "0" ? "number of inputs" : `units of layer ${layer[1]}`;
  const act = /^activations\[(\d+)\]$/.exec(field);
  if (act) return `activation of layer ${Number(act[1]) + 1}`;
  return FIELD_NAMES[field] ?? FIELD_NAMES[field.replace(/\[\d+\].*$/, "")] ?? field;
}

/** what the page says when a teacher's pause holds a phase (423) */
export const PAUSED = "Paused by the teacher: Forward, Backward, Step and Train wait until they resume the class.";

function readable(status, body) {
  const detail = body && body.detail;
  if (status === 422 && Array.isArray(detail)) {
    const parts = detail.map((d) => `${fieldName(d.field ?? "body")}: ${d.msg}`);
    return [sentence(`The server refused this: ${parts.join("; ")}`), detail.map((d) => d.field ?? "body")];
  }
  if (status === 404) {
    return ["This session no longer exists on the server (it was idle too long, or the server " +
            "restarted). Start a new session to carry on.", []];
  }
  if (status === 413) return [sentence(`Too much data for one request: ${detail}`), ["body"]];
  if (status === 409) return [sentence(`Not yet: ${detail}`), []];
  if (status === 423) return [PAUSED, []];
  if (typeof detail === "string" && status < 500) return [detail, []];
  return [`The server failed (HTTP ${status}${typeof detail === "string" ? `: ${detail}` : ""}). ` +
          "Try again, or reload the page.", []];
}

/** an error's reasons in the server's words, without the frame around them (for sentences like
 *  "This link does not open a network: …") */
export function reasons(err) {
  if (err && Array.isArray(err.detail)) {
    return err.detail.map((d) => (["code", "file", undefined].includes(d.field) ? d.msg
                                  : `${fieldName(d.field)}: ${d.msg}`)).join("; ");
  }
  if (err && typeof err.detail === "string" && err.status < 500) return err.detail;
  return err && err.message ? err.message : String(err);
}

/** fetch + JSON, throwing ApiError for network failures and non-2xx answers; a string body is
 *  sent as it is (JSON text already); `headers` go along (a teacher's Authorization). */
export async function request(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "Cannot reach the server: is it still running? Check the connection and try again.");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    const [message, fields] = readable(response.status, data);
    throw new ApiError(response.status, message, fields, data ? data.detail : null);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const base = (id) => `/api/sessions/${encodeURIComponent(id)}`;

/** One function per endpoint the page uses. */
export const api = {
  // `replaces`: the page's previous session, deleted by the server once the new one exists
  create: (config, sample = 0, replaces = null) =>
    request("POST", `/api/sessions${query({ sample, replaces })}`, config),
  get: (id, sample = 0) => request("GET", `${base(id)}${query({ sample })}`),
  remove: (id) => request("DELETE", base(id)),
  // forward, backward, step, reset
  act: (id, action, sample = 0) => request("POST", `${base(id)}/${action}${query({ sample })}`),
  train: (id, steps, sample = 0) => request("POST", `${base(id)}/train${query({ sample })}`, { steps }),
  chain: (id, layer, i, j, sample = 0) => request("GET", `${base(id)}/chain${query({ layer, i, j, sample })}`),
  // a formula for one sample's term of W[i][j]: checked on the batch, `sample`'s values in `followed`
  derive: (id, body, sample = 0) => request("POST", `${base(id)}/derive${query({ sample })}`, body),
  gradcheck: (id, layer, i, j) => request("GET", `${base(id)}/gradcheck${query({ layer, i, j })}`),
  // a CNN's: a kernel weight ({layer, o, c, u, v}) or an input ({layer, input: "c,r,s"}) of a layer
  convChain: (id, at, sample = 0) => request("GET", `${base(id)}/chain${query({ ...at, sample })}`),
  convCheck: (id, at, sample = 0) => request("GET", `${base(id)}/gradcheck${query({ ...at, sample })}`),
  predictions: (id, resolution = 50, unitResolution = 16, extent = null, step = null) =>
    request("GET", `${base(id)}/predictions${query({ resolution, units: true, unit_resolution: unitResolution, extent, step })}`),
  weights: (id, step) => request("GET", `${base(id)}/weights${query({ step })}`),
  editWeight: (id, edit, sample = 0) => request("POST", `${base(id)}/weight${query({ sample })}`, edit),
  rewind: (id, step, sample = 0) => request("POST", `${base(id)}/rewind${query({ sample })}`, { step }),
  data: (id) => request("GET", `${base(id)}/data`),
  batch: (id, offset = 0, limit = 500, arrays = true) => request("GET", `${base(id)}/batch${query({ offset, limit, arrays })}`),
  history: (id) => request("GET", `${base(id)}/history`),
  presets: () => request("GET", "/api/scenarios"),
  graph: (body) => request("POST", "/api/graph", body),
  encode: (scenario) => request("POST", "/api/scenarios/encode", scenario),
  decode: (code) => request("POST", "/api/scenarios/decode", { code }),
  // the learner's guess of a weight's dW (or, with `sample`, of that sample's term): {value, truth, verdict}
  predict: (id, guess) => request("POST", `${base(id)}/predict`, guess),
  // a class, as a learner sees it: join by code and nickname, then follow its lesson and pause
  joinClass: (code, name) => request("POST", `/api/classes/${encodeURIComponent(code)}/join`, { name }),
  classLesson: (code) => request("GET", `/api/classes/${encodeURIComponent(code)}/lesson`),
  exportFile: (id) => download(`${base(id)}/export`),
  // the file's own text: parsing and re-serialising would write 1.0 as 1 and break its sha256
  importFile: (text, replaces = null) => request("POST", `/api/sessions/import${query({ replaces })}`, text),
};

/** a file the server sends as an attachment: its text and the name it suggests */
export async function download(path, headers = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json", ...headers } });
  } catch (err) {
    throw new ApiError(0, "Cannot reach the server: is it still running? Check the connection and try again.");
  }
  const text = await response.text();
  if (!response.ok) {
    let data = null;
    try { data = JSON.parse(text); } catch (err) { data = null; }
    const [message, fields] = readable(response.status, data);
    throw new ApiError(response.status, message, fields, data ? data.detail : null);
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition);
  return { text, filename: name ? name[1] : "manualgrad-session.json" };
}
