// wires the pictures to the server: one session at a time, every request in turn
import { api, reasons } from "./api.js";
import { Builder } from "./builder.js";
import { readCatalog, useCatalog } from "./catalog.js";
import { ChainPanel } from "./chain.js";
import { DataPlot } from "./dataplot.js";
import { DriveBar } from "./drive.js";
import { SessionFiles } from "./files.js";
import { LossChart } from "./losschart.js";
import { Messages } from "./messages.js";
import { NetworkView } from "./network.js";
import { PredictExercise } from "./predict.js";
import { Runner } from "./runner.js";
import { LessonBox, PresetMenu, ShareLink } from "./scenarios.js";
import { Session } from "./session.js";
import { TeacherControls } from "./teacher.js";
import { SessionView } from "./view.js";

/** whether two weight selections name the same weight */
function sameEdge(a, b) {
  return Boolean(a && b && a.L === b.L && a.i === b.i && a.j === b.j);
}

/** the page: its pictures and the parts that drive them, each reachable from the others through it */
class App {
  constructor(doc) {
    const body = doc.body;
    const $ = (id) => doc.getElementById(id);
    this.state = null;          // the session's latest answer, set by the view
    this.messages = new Messages(doc, {
      onRecover: () => this.session.rebuild(this.builder.spec, "a new session with the same settings"),
      onExpired: () => this.runner.halt(),
    });
    this.session = new Session(this, { maxPoints: Number(body.dataset.maxPoints) });
    this.runner = new Runner(this, { maxTrain: Number(body.dataset.maxTrain) });
    this.view = new SessionView(doc, this);
    const { session, runner, view, messages } = this;

    this.builder = new Builder(doc, {
      onChange: (spec, what) => session.rebuild(spec, what),
      maxUnits: Number(body.dataset.maxUnits),
      maxHidden: Number(body.dataset.maxHidden),
    });
    this.teacher = new TeacherControls(doc);
    this.drive = new DriveBar(doc, { onAction: (name) => runner.action(name), teacher: this.teacher });
    this.network = new NetworkView($("network"), {
      caption: $("animation-caption"),
      skipButton: $("skip-animation"),
      onSelect: (sel) => view.select(sel),
    });
    // on a narrow screen the network scrolls sideways: say so while it does
    const scroller = $("network-scroll");
    const scrollHint = doc.querySelector("[data-role=scroll-hint]");
    new ResizeObserver(() => { scrollHint.hidden = scroller.scrollWidth <= scroller.clientWidth + 1; })
      .observe(scroller);
    this.plot = new DataPlot($("data-plot"), {
      onPick: (n) => view.pickSample(n),
      onAdd: (point, mode) => session.addPoint(point, mode),
      onRemove: (n) => session.removePoint(n),
    });
    this.chart = new LossChart($("loss-chart"));
    this.chain = new ChainPanel(doc, {
      fetchChain: (layer, i, j) => api.chain(this.state.id, layer, i, j, view.sample),
      fetchCheck: (layer, i, j) => api.gradcheck(this.state.id, layer, i, j),
      concealed: (L, i, j) => sameEdge(this.predict.concealed(), { L, i, j }),
      firstInBatch: () => this.plot.firstInBatch(),
      follow: (n) => view.pickSample(n),
      onFilled: () => view.keepInView(),
    });
    this.predict = new PredictExercise(doc, { onReveal: (edge) => view.reveal(edge) });
    this.lesson = new LessonBox(doc);
    this.presets = new PresetMenu(doc, { onOpen: (preset) => session.openPreset(preset) });
    this.share = new ShareLink(doc, {
      scenario: (withWeights) => session.currentScenario(withWeights),
      onShared: (code, link, copied, scenario, notice) => session.shared(code, copied, scenario, notice),
      onError: (err) => messages.showProblem(`No link was made: ${reasons(err)}`),
    });
    this.files = new SessionFiles(doc, {
      maxBytes: Number(body.dataset.maxFileBytes),
      exportFile: () => session.exportFile(),
      onExported: (name) => session.exported(name),
      onImport: (text, body, name) => session.importFile(text, body, name),
      onProblem: (text) => messages.showProblem(text),
    });

    $("preset-single").addEventListener("click", () => session.openSingle());
    window.addEventListener("hashchange", () => session.hashChanged());
    doc.addEventListener("keydown", (e) => runner.key(e));
  }

  start() {
    return this.session.start();
  }
}

useCatalog(readCatalog(document));        // the names and rules the server's engine defines
const app = new App(document);
window.manualgrad = app;      // for poking at it from the console
app.start();
