// the teacher's side of a class on the server: every route but create and the learners' own takes
// `Authorization: Bearer <teacher key>`; the key lives in this tab's sessionStorage, never in a URL
import { ApiError, download, request } from "../core/api.js";

const STORED = "manualgrad.teach";      // sessionStorage: {code, key} of this tab's class

/** this tab's class {code, key}, or null */
export function storedClass(storage = globalThis.sessionStorage) {
  try {
    const kept = JSON.parse(storage.getItem(STORED) ?? "null");
    return kept && typeof kept.code === "string" && typeof kept.key === "string" ? kept : null;
  } catch (err) {
    return null;
  }
}

export function storeClass(room, storage = globalThis.sessionStorage) {
  try { storage.setItem(STORED, JSON.stringify({ code: room.code, key: room.key })); } catch (err) { /* storage off: a reload loses the class */ }
}

export function forgetClass(storage = globalThis.sessionStorage) {
  try { storage.removeItem(STORED); } catch (err) { /* nothing kept */ }
}

/** the scenario code in what a teacher pastes: a whole link (…/#s=CODE), "#s=CODE", "s=CODE" or
 *  the code itself; "" for nothing */
export function lessonCodeFrom(text) {
  const t = String(text ?? "").trim();
  const m = /(?:^|#|[?&])s=([^&#\s]+)/.exec(t);
  const code = m ? m[1] : t;
  try {
    return decodeURIComponent(code);
  } catch (err) {
    return code;
  }
}

/** the link learners open to join class `code` */
export function joinLink(origin, code) {
  return `${origin}/c/${code}`;
}

/** a new class {code, teacher_key, expires_at}; `lesson`: a link code, or null */
export function createClass(title, lesson) {
  const body = {};
  if (title) body.title = title;
  if (lesson) body.lesson = lesson;
  return request("POST", "/api/classes", body);
}

/** one class, for the holder of its key */
export class TeacherClient {
  constructor(code, key) {
    this.code = code;
    this.key = key;
  }

  get headers() {
    return { Authorization: `Bearer ${this.key}` };
  }

  path(rest = "") {
    return `/api/classes/${encodeURIComponent(this.code)}${rest}`;
  }

  /** {code, title, lesson, lesson_version, paused, learners: [...]} */
  view() {
    return request("GET", this.path(), undefined, this.headers);
  }

  pushLesson(lesson) {
    return request("PUT", this.path("/lesson"), { lesson }, this.headers);
  }

  pause(paused) {
    return request("POST", this.path("/pause"), { paused }, this.headers);
  }

  remove(name) {
    return request("DELETE", this.path(`/learners/${encodeURIComponent(name)}`), undefined, this.headers);
  }

  end() {
    return request("DELETE", this.path(), undefined, this.headers);
  }

  /** the results as CSV: {text, filename} */
  results() {
    return download(this.path("/results.csv"), { ...this.headers, Accept: "text/csv" });
  }
}

/** whether `err` means the class is no more for this key (ended, expired, or another key) */
export function classGone(err) {
  return err instanceof ApiError && [401, 403, 404].includes(err.status);
}
