// scenarios: the presets menu, the lesson box (the open scenario's title and description), and
// links that carry a scenario in their fragment (/#s=CODE), made by "Copy link"
import { reasons } from "../core/api.js";

/** the scenario code in a location's fragment ("#s=1.…"), or null */
export function codeFromHash(hash) {
  const m = /^#?s=([A-Za-z0-9._~%-]+)/.exec(hash ?? "");
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch (err) {
    return m[1];
  }
}

/** the link that opens scenario `code` on this server */
export function linkFor(code, origin = window.location.origin) {
  return `${origin}/#s=${code}`;
}

/** The presets menu, filled from `fetchPresets()`; `onOpen(preset)` when one is chosen
 *  ({name, title, description, code}). */
export class PresetMenu {
  constructor(doc, { fetchPresets, onOpen }) {
    this.doc = doc;
    this.fetchPresets = fetchPresets;
    this.select = doc.getElementById("presets");
    this.presets = [];
    this.select.addEventListener("change", () => {
      const preset = this.find(this.select.value);
      this.select.value = "";            // the lesson box says what is open; the menu is for the next
      if (preset) onOpen(preset);
    });
  }

  /** fill the menu */
  async load() {
    const presets = await this.fetchPresets();
    this.presets = presets;
    const options = presets.map((p) => {
      const opt = new Option(p.title || p.name, p.name);
      if (p.description) opt.title = p.description;
      return opt;
    });
    this.select.replaceChildren(new Option("Open a preset…", ""), ...options);
    return presets;
  }

  find(name) {
    return this.presets.find((p) => p.name === name) ?? null;
  }
}

/** The box at the top of the Build panel: which lesson is open and what the teacher set. */
export class LessonBox {
  constructor(doc) {
    const $ = (id) => doc.getElementById(id);
    this.el = { box: $("lesson"), title: $("lesson-title"), description: $("lesson-description"),
                teacher: $("lesson-teacher"), changed: $("lesson-changed") };
  }

  /** show a scenario's title, description and the teacher's note; hidden when all are empty */
  show(title, description, teacherNote) {
    const e = this.el;
    e.title.textContent = title || (teacherNote ? "Today’s lesson" : "A shared network");
    e.description.textContent = description || "";
    e.description.hidden = !description;
    e.teacher.textContent = teacherNote || "";
    e.teacher.hidden = !teacherNote;
    e.changed.hidden = true;
    e.box.hidden = !(title || description || teacherNote);
  }

  /** whether the network on screen is still the one the lesson opened */
  setChanged(changed) {
    if (!this.el.box.hidden) this.el.changed.hidden = !changed;
  }
}

/** "Copy link": `encode`s what `scenario(withWeights)` returns and copies the link, or shows it
 *  in a field to copy by hand when the browser refuses (plain http away from localhost). */
export class ShareLink {
  constructor(doc, { scenario, encode, onShared, onError }) {
    this.doc = doc;
    const $ = (id) => doc.getElementById(id);
    this.el = { button: doc.querySelector("[data-action=share]"), weights: $("share-weights"),
                box: $("share-box"), label: $("share-label"), url: $("share-url"), close: $("share-close") };
    this.scenario = scenario;
    this.encode = encode;
    this.onShared = onShared;
    this.onError = onError;
    this.el.button.addEventListener("click", () => this.share());
    this.el.close.addEventListener("click", () => { this.el.box.hidden = true; });
    this.el.url.addEventListener("focus", () => this.el.url.select());
  }

  /** whether the link should carry the current weights as its starting weights */
  get withWeights() { return this.el.weights.checked; }

  async share() {
    let scenario = this.scenario(this.withWeights);
    if (!scenario) return;
    let code;
    let notice = "";
    try {
      ({ code } = await this.encode(scenario));
    } catch (err) {
      if (!(this.withWeights && (err.fields ?? []).includes("config.params"))) {
        this.onError(err);
        return;
      }
      // a big network's weights do not fit in a link: the link without them, and say so
      this.el.weights.checked = false;
      notice = `The weights of this network do not fit in a link (${reasons(err)}). `;
      scenario = this.scenario(false);
      try {
        ({ code } = await this.encode(scenario));
      } catch (err2) {
        this.onError(err2);
        return;
      }
    }
    const link = linkFor(code);
    // the address bar shows the link too, and a reload opens this network again
    window.history.replaceState(null, "", `#s=${code}`);
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(link);
        copied = true;
      }
    } catch (err) {
      copied = false;
    }
    this.el.url.value = link;
    this.el.box.dataset.copied = String(copied);
    if (copied) {
      this.el.box.hidden = true;
    } else {
      this.el.label.textContent = "This browser did not let the page copy; select the link and copy it:";
      this.el.box.hidden = false;
      this.el.url.focus();
      this.el.url.select();
    }
    this.onShared(code, link, copied, scenario, notice);
  }

  /** forget a link box that no longer matches the screen */
  hide() {
    this.el.box.hidden = true;
  }
}
