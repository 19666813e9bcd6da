// a class, from the learner's side: "Join a class" (a code and a nickname; /c/CODE fills the
// code in), then the class's lesson and pause followed every 1.5 s. A new lesson is only
// offered: the learner's network is never replaced without their click.
import { PAUSED, api, reasons } from "../core/api.js";

const STORED = "manualgrad.class";   // sessionStorage: {code, name, version} of this tab's class
const POLL_MS = 1500;
const CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";    // the server's: no 0/O, 1/I/L

/** a code as typed ("abc-def", " abc def ") as the server keeps it: "ABCDEF" */
export function normalCode(text) {
  return String(text ?? "").toUpperCase().replace(/[\s-]/g, "");
}

/** why `code` (normalised) cannot be a class's code, or "" if it can */
export function codeProblem(code) {
  if (!code) return "Type the class’s code: six letters and digits, as your teacher shows it.";
  if (code.length !== 6) return `A class’s code has six characters; “${code}” has ${code.length}.`;
  const odd = [...code].filter((c) => !CODE_LETTERS.includes(c));
  if (odd.length) return `A class’s code has no ${[...new Set(odd)].map((c) => `“${c}”`).join(", ")}: codes leave out 0, O, 1, I and L, which look alike.`;
  return "";
}

/** what the page shows of a class's answer (GET /api/classes/{code}/lesson) for a learner on
 *  lesson version `version`: {paused, offer: null | {version, code, title}} */
export function classNews(answer, version) {
  const offer = answer.lesson && answer.lesson_version !== version
    ? { version: answer.lesson_version, code: answer.lesson.code, title: answer.lesson.title || "" }
    : null;
  return { paused: Boolean(answer.paused), offer };
}

export function storedClass(storage = globalThis.sessionStorage) {
  try {
    const kept = JSON.parse(storage.getItem(STORED) ?? "null");
    return kept && typeof kept.code === "string" && typeof kept.name === "string" ? kept : null;
  } catch (err) {
    return null;
  }
}

function keep(room, storage = globalThis.sessionStorage) {
  try {
    if (room) storage.setItem(STORED, JSON.stringify(room));
    else storage.removeItem(STORED);
  } catch (err) { /* storage off: a reload leaves the class's view (not the class) */ }
}

/** The join form, the class strip (code, name, Leave, the pause, a lesson offered) and the poll.
 *  `session` (core/session.js) opens the joined session and an offered lesson; `store` holds the
 *  session on screen; `messages` speaks. */
export class ClassJoin {
  constructor(doc, { session, store, messages }) {
    this.doc = doc;
    this.session = session;
    this.store = store;
    this.messages = messages;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      form: $("join-box"), code: $("join-code"), name: $("join-name"), problem: $("join-problem"),
      strip: $("class-strip"), stripCode: $("class-strip-code"), stripName: $("class-strip-name"),
      paused: $("class-paused"), offer: $("class-offer"), offerText: $("class-offer-text"),
      toggle: doc.querySelector("[data-action=join-class]"),
    };
    this.room = null;            // {code, name, version}: the class, and the lesson version on screen
    this.news = null;            // the last answer's {paused, offer}
    this.timer = null;
    this.generation = 0;
    this.el.paused.textContent = PAUSED;
    this.el.toggle.addEventListener("click", () => (this.el.form.hidden ? this.openForm() : this.closeForm()));
    $("join-cancel").addEventListener("click", () => this.closeForm());
    this.el.form.addEventListener("submit", (e) => { e.preventDefault(); this.join(); });
    doc.querySelector("[data-action=leave-class]").addEventListener("click", () => this.leave());
    doc.querySelector("[data-action=open-class-lesson]").addEventListener("click", () => this.openOffer());
  }

  /** after the page's session started: this tab's class again, or the join form of a /c/CODE link */
  start(linkCode) {
    const kept = storedClass();
    if (kept) this.follow(kept);
    if (linkCode && !(kept && kept.code === normalCode(linkCode))) this.openForm(linkCode);
  }

  // -- joining --------------------------------------------------------------------------------

  openForm(code = null) {
    const { form } = this.el;
    form.hidden = false;
    this.el.toggle.setAttribute("aria-expanded", "true");
    this.el.problem.hidden = true;
    if (code !== null) this.el.code.value = normalCode(code);
    (this.el.code.value ? this.el.name : this.el.code).focus();
  }

  closeForm() {
    this.el.form.hidden = true;
    this.el.toggle.setAttribute("aria-expanded", "false");
  }

  formProblem(text, field) {
    this.el.problem.textContent = text;
    this.el.problem.hidden = false;
    for (const input of [this.el.code, this.el.name]) input.removeAttribute("aria-invalid");
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  async join() {
    const code = normalCode(this.el.code.value);
    const name = this.el.name.value.trim();
    const bad = codeProblem(code);
    if (bad) return this.formProblem(bad, this.el.code);
    if (!name) return this.formProblem("Type a nickname: your teacher sees it beside your progress.", this.el.name);
    const button = this.el.form.querySelector("[data-action=join]");
    button.disabled = true;
    let joined;
    try {
      joined = await api.joinClass(code, name);
    } catch (err) {
      const why = err.status === 404 ? `No class has the code ${code}: check it with your teacher (a class ends when the teacher ends it, or after hours unused).`
        : err.status === 409 ? `The class is full: ${reasons(err)}.`
          : `You did not join: ${reasons(err)}`;
      this.formProblem(why, err.status === 404 ? this.el.code : err.fields && err.fields.includes("name") ? this.el.name : null);
      return;
    } finally {
      button.disabled = false;
    }
    this.closeForm();
    for (const input of [this.el.code, this.el.name]) input.removeAttribute("aria-invalid");
    // the join link's address goes: a reload reopens this tab's session and its class
    const lesson = joined.lesson ? joined.lesson.code : null;
    this.doc.defaultView.history.replaceState(null, "", `/${lesson ? `#s=${lesson}` : ""}`);
    const renamed = joined.name !== name ? ` (“${name}” was taken)` : "";
    await this.session.openJoined(joined.session, lesson,
      `Joined class ${code} as “${joined.name}”${renamed}: your teacher sees your steps, loss and predictions.`);
    this.follow({ code, name: joined.name, version: joined.lesson_version });
  }

  // -- following the class ----------------------------------------------------------------------

  follow(room) {
    this.room = room;
    keep(room);
    this.generation += 1;
    this.news = null;
    this.el.stripCode.textContent = room.code;
    this.el.stripName.textContent = room.name;
    this.el.strip.hidden = false;
    this.el.paused.hidden = true;
    this.el.offer.hidden = true;
    this.doc.body.dataset.classCode = room.code;
    this.poll();
  }

  poll() {
    clearTimeout(this.timer);
    const generation = this.generation;
    const { room } = this;
    if (!room) return;
    api.classLesson(room.code).then((answer) => {
      if (generation === this.generation) this.show(classNews(answer, room.version));
    }).catch((err) => {
      if (generation !== this.generation) return;
      if (err.status === 404) this.ended();
    }).finally(() => {
      if (generation === this.generation) this.timer = setTimeout(() => this.poll(), POLL_MS);
    });
  }

  show(news) {
    this.news = news;
    this.el.paused.hidden = !news.paused;
    this.doc.body.dataset.classPaused = String(news.paused);
    this.el.offer.hidden = !news.offer;
    if (news.offer) {
      const text = `Your teacher has a new lesson${news.offer.title ? `: “${news.offer.title}”` : ""}. Your network stays until you open it.`;
      if (this.el.offerText.textContent !== text) this.el.offerText.textContent = text;
    }
  }

  /** the offered lesson, as a new session (the class keeps the learner: the server moves them) */
  async openOffer() {
    const offer = this.news && this.news.offer;
    if (!offer || !this.room) return;
    this.el.offer.hidden = true;
    this.room = { ...this.room, version: offer.version };
    keep(this.room);
    this.news = { ...this.news, offer: null };
    await this.session.openLink(offer.code);
  }

  /** the class ended (or expired): the network stays, outside any class */
  ended() {
    const code = this.room ? this.room.code : "";
    this.stop();
    this.messages.say(`Class ${code} has ended: your network stays here, outside any class.`);
  }

  stop() {
    this.generation += 1;
    clearTimeout(this.timer);
    this.room = null;
    this.news = null;
    keep(null);
    this.el.strip.hidden = true;
    delete this.doc.body.dataset.classCode;
    delete this.doc.body.dataset.classPaused;
  }

  /** out of the class: the network carries on in a copy of its own (exported and imported, so
   *  exactly where it was), which the class does not know; the class's session goes */
  async leave() {
    const { store, messages, room } = this;
    if (!room) return;
    if (!this.doc.defaultView.confirm(`Leave class ${room.code}? Your network carries on here, outside the class: your teacher no longer sees it.`)) return;
    let left = false;
    await store.enqueue(async () => {
      const old = store.id;
      if (!old) return;
      let state;
      try {
        const file = await api.exportFile(old);
        state = await api.importFile(file.text);          // no `replaces`: the copy is not in the class
      } catch (err) {
        throw { message: `You are still in the class: ${reasons(err)}`, status: err.status };
      }
      const history = await api.history(state.id).catch(() => null);
      await store.adopt(state, { history });
      api.remove(old).catch(() => {});
      left = true;
    });
    if (!left) return;
    this.stop();
    messages.say(`You left class ${room.code}: your network carries on here, at step ${store.state.step}.`);
  }
}
