// plays a list of stages ({caption, apply}) one after another, with a Skip button; the backward
// movement is one such list
const STAGE_MS = 520;     // one stage of a short movement
const MOVEMENT_MS = 2000;  // a whole movement at most: the stages of a long one go quicker

/** how long each of `count` stages shows: 520 ms, less when the movement would pass 2 s */
export function stageMs(count) {
  return Math.min(STAGE_MS, MOVEMENT_MS / Math.max(1, count));
}

export class StagePlayer {
  constructor({ svg, caption, skipButton }) {
    this.svg = svg;
    this.caption = caption;
    this.skipButton = skipButton;
    this.timer = null;
    this.finish = null;
    this.doneText = "";
    skipButton.addEventListener("click", () => this.skip());
  }

  /** Apply `stages` one by one; all at once if `still`. Resolves when done or skipped;
   *  `doneText` is the caption at the end, `cleanup()` runs then (or when it is stopped). */
  play(stages, still, doneText, cleanup = () => {}) {
    this.stop();
    this.doneText = doneText;
    if (still) {
      stages.forEach((s) => s.apply());
      cleanup();
      this.caption.textContent = doneText;
      return Promise.resolve();
    }
    this.svg.dataset.animating = "true";
    this.svg.classList.add("animating");
    this.skipButton.hidden = false;
    return new Promise((resolve) => {
      let k = 0;
      const done = () => {
        while (k < stages.length) stages[k++].apply();
        for (const n of this.svg.querySelectorAll(".current")) n.classList.remove("current");
        cleanup();
        this.timer = null;
        this.finish = null;
        this.svg.dataset.animating = "false";
        this.svg.classList.remove("animating");
        this.skipButton.hidden = true;
        resolve();
      };
      const next = () => {
        if (k >= stages.length) return done();
        this.caption.textContent = stages[k].caption;
        stages[k++].apply();
        this.timer = setTimeout(next, stageMs(stages.length));
      };
      this.finish = done;
      next();
    });
  }

  /** Jump to the end of the movement. */
  skip() {
    if (this.timer) clearTimeout(this.timer);
    if (this.finish) {
      this.finish();
      this.caption.textContent = this.doneText;
    }
  }

  /** End the movement where it is (the stages left are applied). */
  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.finish) {
      const finish = this.finish;
      this.finish = null;
      finish();
    }
    this.svg.dataset.animating = "false";
    this.svg.classList.remove("animating");
    this.skipButton.hidden = true;
  }

  get running() {
    return this.timer !== null;
  }
}
