// the teacher's page (/teach): create a class, show its code for the projector, follow every
// learner (polled each second), their refusals and predictions, push a lesson, pause, export
// the results, remove a learner, end the class. The parts:
//   classapi.js   the class's routes with the teacher's key (kept in sessionStorage, never a URL)
//   roster.js     the grid of learner cards, and the words of their progress and refusals
//   dotplot.js    the predictions of one weight's gradient, dots against the true value
import { api, reasons } from "../core/api.js";
import { saveFile } from "../controls/files.js";
import { TeacherClient, classGone, createClass, forgetClass, joinLink, lessonCodeFrom, storeClass,
         storedClass } from "./classapi.js";
import { drawDotPlot, latestGuesses, predictedWeights, summary, weightKey, weightLabel, weightToPlot } from "./dotplot.js";
import { LearnerGrid } from "./roster.js";

const POLL_MS = 1000;          // the grid follows a learner's click within about two seconds

class TeachPage {
  constructor(doc) {
    this.doc = doc;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      status: $("status"), error: $("error"), errorText: $("error-text"), create: $("create"),
      createForm: $("create-form"), createTitle: $("create-title-input"), createLesson: $("create-lesson"),
      createCode: $("create-lesson-code"), room: $("class"), code: $("class-code"), origin: $("join-origin"),
      link: $("join-link"), name: $("class-name"), lesson: $("class-lesson"), paused: $("class-paused"),
      pushForm: $("push-form"), pushLesson: $("push-lesson"), pushCode: $("push-lesson-code"),
      count: $("learner-count"), empty: $("learners-empty"), weightLabel: $("weight-pick-label"),
      weight: $("weight-pick"), plot: $("dot-plot"), plotSummary: $("dot-summary"),
    };
    this.button = (action) => doc.querySelector(`[data-action=${action}]`);
    this.client = null;
    this.view = null;
    this.generation = 0;         // a new class (or none) makes the polls of the last one stale
    this.timer = null;
    this.inFlight = false;
    this.soon = false;
    this.failures = 0;
    this.presets = [];
    this.lessonCode = null;      // the class's lesson as last seen, and the weight of its exercise
    this.lessonWeight = null;
    this.picked = null;          // the weight the teacher picked for the dot plot
    this.weightsShown = "";
    this.grid = new LearnerGrid(doc, $("learners"), { onRemove: (name) => this.remove(name) });

    $("error-close").addEventListener("click", () => this.clearError());
    this.el.createForm.addEventListener("submit", (e) => { e.preventDefault(); this.create(); });
    this.el.pushForm.addEventListener("submit", (e) => { e.preventDefault(); this.push(); });
    this.button("projector").addEventListener("click", () => this.toggleProjector());
    this.button("pause-class").addEventListener("click", () => this.togglePause());
    this.button("download-results").addEventListener("click", () => this.downloadResults());
    this.button("end-class").addEventListener("click", () => this.end());
    this.button("copy-join-link").addEventListener("click", () => this.copyLink());
    this.el.weight.addEventListener("change", () => {
      this.picked = this.el.weight.value || null;
      this.drawPredictions();
    });
  }

  start() {
    this.loadPresets();
    const kept = storedClass();
    if (kept) this.open(kept.code, kept.key, "Your class, as this tab left it.");
    else this.showCreate("Create a class: learners then join with its code.");
  }

  // -- what the page says -------------------------------------------------------------------

  say(text) {
    this.el.status.textContent = text;
  }

  problem(text) {
    this.el.errorText.textContent = text;
    this.el.error.hidden = false;
  }

  clearError() {
    this.el.error.hidden = true;
  }

  get anonymous() {
    return this.doc.body.classList.contains("projector");
  }

  // -- lessons: the presets, or a link a teacher pastes ----------------------------------------

  async loadPresets() {
    try {
      this.presets = (await api.presets()).presets;
    } catch (err) {
      this.problem(`The presets could not be listed: ${reasons(err)}. A lesson link still works.`);
      return;
    }
    for (const select of [this.el.createLesson, this.el.pushLesson]) {
      select.append(...this.presets.map((p) => {
        const option = new Option(p.title || p.name, p.name);
        if (p.description) option.title = p.description;
        return option;
      }));
    }
  }

  /** the lesson a form names: a preset's code, or the pasted link's; "" for none */
  lessonOf(select, input) {
    const preset = this.presets.find((p) => p.name === select.value);
    const pasted = lessonCodeFrom(input.value);
    return pasted || (preset ? preset.code : "");
  }

  lessonTitle(code) {
    const preset = this.presets.find((p) => p.code === code);
    return preset ? preset.title || preset.name : null;
  }

  // -- the class: made, opened, ended -----------------------------------------------------------

  showCreate(text) {
    this.generation += 1;
    clearTimeout(this.timer);
    this.client = null;
    this.view = null;
    this.doc.body.dataset.class = "";
    this.el.room.hidden = true;
    this.el.create.hidden = false;
    this.grid.show([]);
    if (text) this.say(text);
  }

  async create() {
    const button = this.button("create-class");
    const lesson = this.lessonOf(this.el.createLesson, this.el.createCode);
    button.disabled = true;
    this.say("Creating the class…");
    try {
      const made = await createClass(this.el.createTitle.value.trim(), lesson || null);
      storeClass({ code: made.code, key: made.teacher_key });
      this.clearError();
      this.open(made.code, made.teacher_key, `Class ${made.code} is open: show the code, or share the link. Learners appear below as they join.`);
    } catch (err) {
      this.say("No class was created.");
      this.problem(`No class was created: ${reasons(err)}`);
    } finally {
      button.disabled = false;
    }
  }

  open(code, key, text) {
    this.generation += 1;
    this.client = new TeacherClient(code, key);
    this.view = null;
    this.lessonCode = null;
    this.lessonWeight = null;
    this.picked = null;
    this.el.create.hidden = true;
    this.el.room.hidden = false;
    this.doc.body.dataset.class = code;
    this.el.code.dataset.classCode = code;
    // large on screen; a screen reader spells it out
    const shown = this.doc.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = code;
    const spelled = this.doc.createElement("span");
    spelled.className = "visually-hidden";
    spelled.textContent = code.split("").join(" ");
    this.el.code.replaceChildren(shown, spelled);
    const origin = this.doc.defaultView.location.origin;
    this.el.origin.textContent = this.doc.defaultView.location.host;
    this.el.link.href = joinLink(origin, code);
    this.el.link.textContent = joinLink(origin, code);
    this.say(text);
    this.poll();
  }

  /** the class is no more (ended elsewhere, expired, or the key is not its own) */
  gone(code) {
    forgetClass();
    this.showCreate(`Class ${code} has ended (or expired after hours unused): its roster and answers are gone. Create a new one.`);
  }

  async end() {
    const { client } = this;
    if (!client) return;
    if (!this.doc.defaultView.confirm(`End class ${client.code}? Its roster, progress and predictions are deleted now (download the results first if you want them). The learners’ networks carry on, outside the class.`)) return;
    try {
      await client.end();
    } catch (err) {
      if (!classGone(err)) {
        this.problem(`The class was not ended: ${reasons(err)}`);
        return;
      }
    }
    forgetClass();
    this.showCreate(`Class ${client.code} has ended: its roster and answers are gone from the server.`);
  }

  // -- following the class ------------------------------------------------------------------------

  /** fetch the class's view now (or as soon as the one on its way is back), then every second */
  poll() {
    if (this.inFlight) {
      this.soon = true;
      return;
    }
    clearTimeout(this.timer);
    const generation = this.generation;
    const client = this.client;
    if (!client) return;
    const started = performance.now();
    this.inFlight = true;
    client.view().then((view) => {
      if (generation !== this.generation) return;
      this.failures = 0;
      this.render(view);
    }).catch((err) => {
      if (generation !== this.generation) return;
      if (classGone(err)) {
        this.gone(client.code);
        return;
      }
      this.failures += 1;
      if (this.failures === 3) this.problem(`The class’s view is not coming: ${reasons(err)}. Still trying.`);
    }).finally(() => {
      this.inFlight = false;
      if (generation !== this.generation) {
        if (this.client) this.poll();        // another class opened meanwhile: its own loop
        return;
      }
      const wait = this.soon ? 0 : Math.max(0, POLL_MS - (performance.now() - started));
      this.soon = false;
      this.timer = setTimeout(() => this.poll(), wait);
    });
  }

  render(view) {
    this.view = view;
    const n = view.learners.length;
    this.el.name.textContent = view.title ? `“${view.title}” ·` : "";
    this.el.lesson.textContent = view.lesson ? `lesson: “${view.lesson.title || "a network of a link"}”` : "no lesson: the default network";
    this.el.paused.hidden = !view.paused;
    const pause = this.button("pause-class");
    pause.setAttribute("aria-pressed", String(view.paused));
    pause.textContent = view.paused ? "Resume the class" : "Pause the class";
    this.doc.body.dataset.paused = String(view.paused);
    this.el.count.textContent = n ? `(${n})` : "";
    this.el.empty.hidden = n > 0;
    this.grid.show(view.learners);
    this.followLesson(view.lesson);
    this.drawPredictions();
  }

  /** a new lesson: the weight of its exercise, if it has one, is the dot plot's first choice */
  async followLesson(lesson) {
    const code = lesson ? lesson.code : null;
    if (code === this.lessonCode) return;
    this.lessonCode = code;
    this.lessonWeight = null;
    if (!code) return;
    try {
      const scenario = await api.decode(code);
      const predict = scenario.teacher && scenario.teacher.predict;
      if (this.lessonCode === code && predict) {
        this.lessonWeight = weightKey(predict);
        this.drawPredictions();
      }
    } catch (err) {
      /* the dot plot picks the weight most learners predicted */
    }
  }

  drawPredictions() {
    const learners = this.view ? this.view.learners : [];
    const weights = predictedWeights(learners);
    const key = weightToPlot(learners, this.picked ?? this.lessonWeight);
    // the picker lists every weight predicted; it is filled again only when that list changes
    const shown = weights.map((w) => `${w.key}:${w.count}`).join(" ");
    if (shown !== this.weightsShown) {
      this.weightsShown = shown;
      this.el.weight.replaceChildren(...weights.map((w) => new Option(`${weightLabel(w.key)} (${w.count} learner${w.count === 1 ? "" : "s"})`, w.key)));
    }
    if (key) this.el.weight.value = key;
    this.el.weightLabel.hidden = weights.length < 2;
    const guesses = key ? latestGuesses(learners, key) : [];
    drawDotPlot(this.el.plot, guesses);
    const text = summary(guesses, key);
    if (this.el.plotSummary.textContent !== text) this.el.plotSummary.textContent = text;
  }

  // -- the teacher's actions ----------------------------------------------------------------------

  toggleProjector() {
    const on = !this.anonymous;
    this.doc.body.classList.toggle("projector", on);
    this.button("projector").setAttribute("aria-pressed", String(on));
    this.grid.setAnonymous(on);
    if (this.view) this.grid.show(this.view.learners);
    this.clearError();              // a message may name a learner
    this.say(on ? "Projector mode: no learner’s name is on the page. Press it again to see the names."
                : "Names shown again: take the projector off first.");
  }

  async togglePause() {
    if (!this.client || !this.view) return;
    const paused = !this.view.paused;
    try {
      await this.client.pause(paused);
    } catch (err) {
      if (classGone(err)) this.gone(this.client.code);
      else this.problem(`The class was not ${paused ? "paused" : "resumed"}: ${reasons(err)}`);
      return;
    }
    this.view.paused = paused;
    this.render(this.view);
    this.say(paused ? "Paused: every learner’s page says so, and Forward, Backward, Step and Train wait until you resume."
                    : "Resumed: the learners carry on where they were.");
    this.poll();
  }

  async push() {
    if (!this.client) return;
    const code = this.lessonOf(this.el.pushLesson, this.el.pushCode);
    if (!code) {
      this.problem("Choose a preset, or paste a lesson link (Copy link on the network page makes one), then push it.");
      return;
    }
    const button = this.button("push-lesson");
    button.disabled = true;
    try {
      const pushed = await this.client.pushLesson(code);
      this.clearError();
      const title = (pushed.lesson && pushed.lesson.title) || this.lessonTitle(code) || "the lesson of the link";
      this.say(`Pushed “${title}”: every learner’s page offers it now, and opens it when they click.`);
      this.el.pushLesson.value = "";
      this.el.pushCode.value = "";
      this.poll();
    } catch (err) {
      if (classGone(err)) this.gone(this.client.code);
      else this.problem(`The lesson was not pushed: ${reasons(err)}`);
    } finally {
      button.disabled = false;
    }
  }

  async remove(name) {
    if (!this.client) return;
    if (!this.doc.defaultView.confirm(`Take ${name} out of the class? Their network carries on, outside the class: you no longer see it, and a pause no longer holds it.`)) return;
    try {
      await this.client.remove(name);
    } catch (err) {
      if (err.status === 404) this.poll();           // gone already
      else this.problem(`${name} was not removed: ${reasons(err)}`);
      return;
    }
    this.say(this.anonymous ? "Removed the learner from the class." : `Removed ${name} from the class: their network carries on outside it.`);
    this.poll();
  }

  async downloadResults() {
    if (!this.client) return;
    try {
      const file = await this.client.results();
      const name = /\.csv$/.test(file.filename) ? file.filename : `class-${this.client.code}.csv`;
      saveFile(this.doc, file.text, name, "text/csv");
      this.say(`Saved ${name}: each learner’s name, step, last loss, accuracy and predictions.`);
    } catch (err) {
      if (classGone(err)) this.gone(this.client.code);
      else this.problem(`The results were not downloaded: ${reasons(err)}`);
    }
  }

  async copyLink() {
    const link = this.el.link.href;
    try {
      await navigator.clipboard.writeText(link);
      this.say(`Copied ${link}`);
    } catch (err) {
      this.say(`Copy the link by hand: ${link}`);
    }
  }
}

new TeachPage(document).start();
