// the Drive bar: which of Forward, Backward, Step may run next and why the others wait,
// Play / Pause with its speed, Train N steps with progress, Reset

// speed setting -> updates per request and pause between requests
export const SPEEDS = [
  null,
  { steps: 1, pause: 600, label: "1 step every 0.6 s", short: "1 per 0.6 s" },
  { steps: 1, pause: 150, label: "about 5 steps a second", short: "~5 per s" },
  { steps: 5, pause: 60, label: "5 steps per tick", short: "5 per tick" },
  { steps: 20, pause: 30, label: "20 steps per tick", short: "20 per tick" },
  { steps: 100, pause: 0, label: "100 steps per tick", short: "100 per tick" },
  { steps: 500, pause: 0, label: "500 steps per tick", short: "500 per tick" },
];

/** what each phase allows, why the rest waits, and the next thing to do */
export function phaseRules(phase) {
  const rules = {
    fresh: {
      next: "forward",
      guidance: "Next: Forward. It pushes the batch through the network: every z, every a, and the loss.",
      why: {
        backward: "Backward waits for a Forward pass: there is no loss yet to take gradients of.",
        step: "Step waits for gradients: run Forward, then Backward.",
      },
      short: { backward: "waits for Forward: no loss yet", step: "waits for Forward, then Backward" },
    },
    forward: {
      next: "backward",
      guidance: "Next: Backward. Gradients are computed from this forward pass, from the loss back to the inputs.",
      why: {
        step: "Step waits for Backward: there are no gradients for these weights yet.",
      },
      short: { step: "waits for Backward: no gradients yet" },
    },
    backward: {
      next: "step",
      guidance: "Next: Step. The optimiser moves every weight against its gradient (w ← w − lr·dW). Click any weight to see its chain rule.",
      why: {},
    },
    updated: {
      next: "forward",
      guidance: "Next: Forward. The weights just changed; the node values shown are from the forward pass before this step.",
      why: {
        backward: "Backward waits for a Forward pass with the new weights.",
        step: "Step waits for new gradients: run Forward, then Backward.",
      },
      short: { backward: "waits for a Forward with the new weights", step: "waits for Forward, then Backward" },
    },
  };
  return rules[phase] ?? rules.fresh;
}

const SLOWED_FROM = 0.15, SLOWED_UNTIL = 0.05;   // s a Play tick waited: shown from, hidden under

/** what to tell a learner whose Play tick waited `seconds` for the server ("" to say nothing);
 *  `shown`: whether the note is up already (it stays up until the wait falls under 0.05 s) */
export function playWaitNote(seconds, shown) {
  if (seconds >= SLOWED_FROM || (shown && seconds >= SLOWED_UNTIL)) {
    return `Play is slowed by a busy server: each tick waits ${seconds.toFixed(2)} s for its turn while others `
      + "train. Clicks stay quick.";
  }
  return "";
}

/** The buttons of the Drive bar; `onAction(name)` for clicks on the enabled ones; `teacher.blocked(name)`
 *  says why a button the teacher locked for the lesson waits. */
export class DriveBar {
  constructor(doc, { onAction, teacher = null }) {
    this.doc = doc;
    this.teacher = teacher;
    this.buttons = {};
    for (const b of doc.querySelector(".drive").querySelectorAll("[data-action]")) this.buttons[b.dataset.action] = b;
    this.why = {
      forward: doc.getElementById("why-forward"),
      backward: doc.getElementById("why-backward"),
      step: doc.getElementById("why-step"),
    };
    this.guidance = doc.getElementById("guidance");
    this.speedInput = doc.getElementById("speed");
    this.trainInput = doc.getElementById("train-steps");
    this.progressBar = doc.getElementById("train-progress");
    for (const [name, b] of Object.entries(this.buttons)) {
      b.addEventListener("click", () => onAction(name));
    }
    this.speedInput.addEventListener("input", () => this.labelSpeed());
    this.labelSpeed();
    this.playing = false;
    this.training = false;
  }

  labelSpeed() {
    const s = this.speed();
    this.speedInput.setAttribute("aria-valuetext", s.label);
    this.speedInput.title = s.label;
    const shown = this.doc.getElementById("speed-value");
    if (shown) shown.textContent = s.short;
  }

  speed() { return SPEEDS[Number(this.speedInput.value)] ?? SPEEDS[3]; }

  trainSteps() { return Math.round(Number(this.trainInput.value)); }

  /** what the learner typed as the number of steps, for a message */
  trainText() { return this.trainInput.value; }

  /** whether `action` may run now, and if not why */
  allowed(action, phase) {
    const blocked = this.teacher ? this.teacher.blocked(action) : "";
    if (blocked) return [false, blocked];
    if (this.playing && ["forward", "backward", "step", "train"].includes(action)) {
      return [false, "Pause first: Play is running."];
    }
    if (this.training && action !== "train") return [false, "Wait: Train is running (click Stop to end it)."];
    const why = phaseRules(phase).why[action];
    return why ? [false, why] : [true, ""];
  }

  /** enable, explain and highlight after each state; a diverged network's next thing is Reset */
  setPhase(phase, diverged = this.diverged) {
    this.phase = phase;
    this.diverged = diverged;
    const rules = diverged ? { ...phaseRules(phase), next: "reset",
      guidance: "The network diverged: its numbers are no longer finite, so no phase can mend them. Reset (r), or lower the learning rate in Build." }
      : phaseRules(phase);
    for (const name of ["forward", "backward", "step", "train", "reset", "play"]) {
      const b = this.buttons[name];
      const [ok, why] = this.allowed(name, phase);
      b.setAttribute("aria-disabled", ok ? "false" : "true");
      b.classList.toggle("waiting", !ok);
      b.classList.toggle("next", ok && name === rules.next && !this.playing && !this.training);
      b.title = why || b.dataset.title || "";
      // under the button a short reason (its full text is the button's title): three lines at most
      const short = why === rules.why[name] ? (rules.short ?? {})[name] ?? why : why;
      if (this.why[name]) this.why[name].textContent = ok ? (name === rules.next ? "do this next" : "") : short;
    }
    const locked = this.teacher && this.teacher.blocked(rules.next);
    this.guidance.textContent = this.playing ? "Playing: each tick runs Forward, Backward and Step on the next batch. Pause to look closer."
      : this.training ? "Training: Forward, Backward and Step, again and again."
      : locked ? `${locked} Explore the numbers on screen: click any node or weight.`
        : rules.guidance;
  }

  /** the wait of Play's last tick for the server's compute (s): a busy server slows the players
   *  before anyone's clicks, and the learner is told why the steps come slower */
  showWait(seconds) {
    const badge = this.doc.querySelector("[data-role=play-slowed]");
    if (!badge) return;
    const note = playWaitNote(seconds, !badge.hidden);
    badge.hidden = !note;
    if (note) badge.textContent = note;
  }

  /** an earlier update is on screen: a phase goes back to now first, and says so */
  setLookingBack(step, now) {
    this.guidance.textContent = `Looking back at step ${step}. Forward, Backward and Step go back to now (step ${now}) first; `
      + `“Continue from here” carries on from step ${step} instead.`;
    for (const name of ["forward", "backward", "step"]) {
      if (this.why[name] && this.buttons[name].getAttribute("aria-disabled") === "false") this.why[name].textContent = `back to step ${now}, then ${name}`;
    }
  }

  setPlaying(on) {
    this.playing = on;
    if (!on) this.showWait(0);
    const b = this.buttons.play;
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.firstChild.textContent = on ? "Pause " : "Play ";
    this.setPhase(this.phase);
  }

  setTraining(on) {
    this.training = on;
    this.buttons.train.textContent = on ? "Stop" : "Train";
    this.buttons.train.setAttribute("aria-label", on ? "Stop training" : "Train this many steps");
    this.progressBar.hidden = !on;
    if (on) this.progress(0, 1);
    this.setPhase(this.phase);
  }

  progress(done, total) {
    this.progressBar.max = total;
    this.progressBar.value = done;
    this.progressBar.setAttribute("aria-valuetext", `${done} of ${total} steps`);
    this.progressBar.title = `${done} of ${total} steps`;
  }
}
