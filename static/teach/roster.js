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

// a formula's slip (POST /derive's `slip`) in a few words for the teacher's card
const SLIPS = {
  sign: "sign flipped", one_over_n: "the mean's 1/n missing", twice_over_n: "1/n taken twice",
  batch_sum: "the batch's sum, not one sample's term", factor_two: "a factor 2 too many",
  other_activation: "another activation's f′", f_prime_at_a: "f′ taken at a, not z", a_form_at_z: "f′ written at z in a's form",
  no_f_prime: "f′ missing", no_dL_da: "dL_da missing", no_a_prev: "a_prev missing", a_for_a_prev: "a in place of a_prev",
  w_for_a_prev: "w in place of a_prev", times_b: "b as a factor", other_loss: "another loss's ∂L/∂a",
  softmax_diagonal: "one softmax unit's slope alone", factor: "off by a constant factor",
  not_finite: "not a finite number", constant: "one number for every sample", some_samples: "right on some samples only",
};

/** a formula the learner wrote, as the teacher's card lists it: "W[0][1] of layer 1: right",
 *  "b[2] of layer 2: sign flipped" (the formula itself stays with the learner) */
export function derivationText(d) {
  const weight = d.param === "b" ? `b[${d.i}]` : `W[${d.i}][${d.j}]`;
  const slip = d.slip ? (SLIPS[d.slip] ?? (d.slip.startsWith("sign+") ? `sign flipped, and ${SLIPS[d.slip.slice(5)] ?? "more"}` : "wrong"))
    : "wrong";
  return `formula for ${weight} of layer ${d.layer}: ${d.correct ? "right" : slip}`;
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
    const formula = doc.createElement("p");
    formula.className = "learner-formula";
    formula.dataset.role = "learner-formula";
    li.append(name, facts, seen, formula, errors);
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
    li._parts = { name, facts, seen, formula, errors };
    return li;
  }

  fill(card, learner, position) {
    const { name, facts, seen, formula, errors } = card._parts;
    const set = (el, text) => { if (el.textContent !== text) el.textContent = text; };
    card.dataset.learner = String(position);
    card.dataset.phase = learner.phase ?? "";
    card.dataset.step = String(learner.step ?? 0);
    set(name, shownName(learner, position, this.anonymous));
    set(facts, progressFacts(learner).join(" · "));
    set(seen, `seen ${seenText(learner.last_seen)}`);
    const latest = (learner.derivations ?? []).at(-1);           // the last formula written, if any
    set(formula, latest ? derivationText(latest) : "");
    formula.hidden = !latest;
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
