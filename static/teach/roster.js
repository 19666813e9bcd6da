// the teacher's grid of learners: one card per learner, its words from the class's view
// (GET /api/classes/{code}); in projector mode no name reaches the page at all
import { fmt } from "../core/format.js";

const PHASES = {
  fresh: "no Forward yet",
  forward: "after Forward",
  backward: "after Backward",
  updated: "after Step",
};

/** "just now", "12 s ago", "3 min ago", "2 h ago" for `seconds` ago */
export function seenText(seconds) {
  if (!Number.isFinite(seconds) || seconds < 3) return "just now";
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/** the words of a refusal a learner met, the way a teacher says it: "409: Backward before Forward" */
export function errorText(error) {
  const detail = String(error.detail ?? "").trim();
  let what = detail;
  if (error.status === 423) what = "a phase while the class was paused";
  else if (/^run forward first/i.test(detail)) what = "Backward before Forward";
  else if (/^run backward first/i.test(detail)) what = "Step before Backward";
  else if (/^(run forward and backward first|click forward, then backward)/i.test(detail)) what = "a gradient before Forward and Backward";
  return `${error.status}: ${what}`;
}

/** a refusal with when it came, "409: Backward before Forward (12 s ago)", as this machine's
 *  clock `now` (in seconds) sees its `at`; without the age when the clocks disagree */
export function errorLine(error, now) {
  const age = now - error.at;
  return Number.isFinite(age) && age >= -5 && age < 86400 ? `${errorText(error)} (${seenText(Math.max(0, age))})` : errorText(error);
}

/** the learner's progress as short facts: [step, phase, loss, accuracy], the missing ones left out */
export function progressFacts(learner) {
  const facts = [`step ${learner.step ?? 0}`, PHASES[learner.phase] ?? String(learner.phase ?? "")];
  if (learner.loss !== null && learner.loss !== undefined) facts.push(`loss ${fmt(learner.loss, 4)}`);
  if (learner.accuracy !== null && learner.accuracy !== undefined && learner.phase !== "fresh") {
    facts.push(`${Math.round(learner.accuracy * 100)} % right`);
  }
  return facts.filter(Boolean);
}

/** the name a card shows: the learner's, or in projector mode "Learner 3" (the join order) */
export function shownName(learner, position, anonymous) {
  return anonymous ? `Learner ${position}` : learner.name;
}

/** one card's text in one line (also its accessible summary) */
export function rowText(learner, position, { anonymous = false } = {}) {
  const parts = [shownName(learner, position, anonymous), ...progressFacts(learner), `seen ${seenText(learner.last_seen)}`];
  const errors = learner.errors ?? [];
  if (errors.length) parts.push(`refused: ${errors.map(errorText).join("; ")}`);
  return parts.join(" · ");
}

/** The grid of learner cards in `list` (an <ol>). `onRemove(name)` takes a learner out. */
export class LearnerGrid {
  constructor(doc, list, { onRemove }) {
    this.doc = doc;
    this.list = list;
    this.onRemove = onRemove;
    this.cards = new Map();        // name -> its card; kept here, never in the page's markup
    this.anonymous = false;
  }

  /** projector mode: every card is drawn again without names (and without the Remove buttons
   *  whose labels would carry them) */
  setAnonymous(anonymous) {
    if (anonymous === this.anonymous) return;
    this.anonymous = anonymous;
    this.cards.clear();
    this.list.replaceChildren();
  }

  /** draw `learners` (the class view's list, in join order); a card that is kept keeps its
   *  buttons (and the focus on them) */
  show(learners) {
    const seen = new Set();
    learners.forEach((learner, k) => {
      seen.add(learner.name);
      let card = this.cards.get(learner.name);
      if (!card) {
        card = this.card(learner);
        this.cards.set(learner.name, card);
      }
      this.fill(card, learner, k + 1);
      if (this.list.children[k] !== card) this.list.insertBefore(card, this.list.children[k] ?? null);
    });
    for (const [name, card] of this.cards) {
      if (!seen.has(name)) {
        card.remove();
        this.cards.delete(name);
      }
    }
  }

  card(learner) {
    const doc = this.doc;
    const li = doc.createElement("li");
    li.className = "learner";
    li.dataset.learner = "";
    const name = doc.createElement("h3");
    name.className = "learner-name";
    const facts = doc.createElement("p");
    facts.className = "learner-facts";
    const seen = doc.createElement("p");
    seen.className = "learner-seen";
    const errors = doc.createElement("ul");
    errors.className = "learner-errors";
    errors.dataset.role = "learner-errors";
    li.append(name, facts, seen, errors);
    if (!this.anonymous) {
      const remove = doc.createElement("button");
      remove.type = "button";
      remove.className = "small remove";
      remove.dataset.action = "remove-learner";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${learner.name} from the class`);
      remove.addEventListener("click", () => this.onRemove(learner.name));
      li.append(remove);
    }
    li._parts = { name, facts, seen, errors };
    return li;
  }

  fill(card, learner, position) {
    const { name, facts, seen, errors } = card._parts;
    const set = (el, text) => { if (el.textContent !== text) el.textContent = text; };
    card.dataset.learner = String(position);
    card.dataset.phase = learner.phase ?? "";
    card.dataset.step = String(learner.step ?? 0);
    set(name, shownName(learner, position, this.anonymous));
    set(facts, progressFacts(learner).join(" · "));
    set(seen, `seen ${seenText(learner.last_seen)}`);
    const now = Date.now() / 1000;
    const newest = (learner.errors ?? []).slice().reverse();                     // the newest first
    const texts = newest.map((e) => errorLine(e, now));
    if (texts.join("\n") !== [...errors.children].map((li) => li.textContent).join("\n")) {
      errors.replaceChildren(...texts.map((text) => {
        const li = this.doc.createElement("li");
        li.textContent = text;
        return li;
      }));
    }
    card.classList.toggle("refused", newest.length > 0 && now - newest[0].at < 60);    // a refusal this last minute
  }
}
