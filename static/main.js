// the page: one session store, the views that draw it and the controls that drive it, wired here
// (view.js draws the store's answers into the parts). The parts, a folder each:
//   core/       the server, the store, the session's lifecycle and the drive; the catalog, numbers,
//               names, colours and the status line every part uses
//   network/    the network's SVG: built, restyled, its unit pictures, the forward and backward movements
//   inspector/  the panels of what is clicked: a node, a weight (its chain rule, terms, optimiser
//               memory), the layer as matrices, the guide before any click
//   panels/     the pictures beside the network: data plot, loss chart, step preview, gradient
//               health, history scrubber
//   controls/   what the learner sets: Build, Drive, presets and links, files, CSV points, the
//               teacher's mode, the predict exercise, joining a class
//   graphlab/   the computational graph lab (/graph), a page of its own
//   teach/      the teacher's page (/teach): a class's code, its learners, their predictions
//   conv/       a CNN session: its stages in place of the network, its images, the panels of a
//               kernel weight, a pixel and a map cell
//   attention/  a sequence session: its attention head's matrices in place of the network, its
//               sequences, the panels of a score, a weight of Wq, Wk, Wv and a query row
import { reasons } from "./core/api.js";
import { AttentionChainPanel } from "./attention/attnchain.js";
import { AttentionPage } from "./attention/attnpage.js";
import { Builder } from "./controls/builder.js";
import { readCatalog, useCatalog } from "./core/catalog.js";
import { ChainPanel } from "./inspector/chain.js";
import { openDeriveLesson } from "./inspector/derive.js";
import { ConvChainPanel } from "./conv/convchain.js";
import { ConvPage } from "./conv/convpage.js";
import { parseCsv } from "./controls/csv.js";
import { DataPlot } from "./panels/dataplot.js";
import { DriveBar } from "./controls/drive.js";
import { SessionFiles } from "./controls/files.js";
import { LossChart } from "./panels/losschart.js";
import { GradientHealth } from "./panels/health.js";
import { MatrixView } from "./inspector/matrices.js";
import { Messages } from "./core/messages.js";
import { NetworkView } from "./network/network.js";
import { PredictExercise } from "./controls/predict.js";
import { Runner } from "./core/runner.js";
import { LessonBox, PresetMenu, ShareLink } from "./controls/scenarios.js";
import { HistoryScrubber } from "./panels/scrubber.js";
import { Session } from "./core/session.js";
import { StepPreview } from "./panels/steppreview.js";
import { SessionStore } from "./core/store.js";
import { TeacherControls } from "./controls/teacher.js";
import { ClassJoin } from "./controls/classjoin.js";
import { SessionView } from "./view.js";

/** whether two weight selections name the same weight */
function sameEdge(a, b) {
  return Boolean(a && b && a.L === b.L && a.i === b.i && a.j === b.j);
}

/** the chart's pairs up to update `step` (a rewind drops the rest) */
function truncated(chart, step) {
  const keep = chart.steps.map((s, k) => (s <= step ? k : -1)).filter((k) => k >= 0);
  return [keep.map((k) => chart.steps[k]), keep.map((k) => chart.losses[k])];
}

/** the loss chart follows the store: a session's history on load, each Step, each Train's losses */
function followLoss(store, chart) {
  store.on("load", (state, data, history) => (history ? chart.load(history.steps, history.losses) : chart.clear()));
  store.on("state", (state, how) => { if (how === "rewind") chart.load(...truncated(chart, state.step)); });
  store.on("history", (history) => chart.setTest(history.test_losses ?? null));
  store.on("load", () => chart.setTest(null));
  store.on("state", (state, how) => {
    if (how === "step") chart.add(state.step, [state.loss]);
    else if (how === "reset") chart.clear();
    else if (how === "train" && state.steps_run) chart.add(state.step - state.steps_run + 1, state.losses);
  });
}

function startPage(doc) {
  const body = doc.body;
  const $ = (id) => doc.getElementById(id);
  const store = new SessionStore();
  let session = null;
  let runner = null;
  let view = null;
  const messages = new Messages(doc, {
    onRecover: () => session.rebuild(session.builder.spec, "a new session with the same settings"),
    onExpired: () => runner.halt(),
  });
  store.on("error", (err) => messages.showError(err));
  store.on("notice", (text) => messages.say(text));

  let scrubber = null;
  const builder = new Builder(doc, {
    // while an earlier update is on screen, the new settings start from its weights
    onChange: (spec, what) => session.rebuild(...scrubber.carry(spec, what, builder.config(spec).layers)),
    maxUnits: Number(body.dataset.maxUnits),
    maxHidden: Number(body.dataset.maxHidden),
  });
  const teacher = new TeacherControls(doc);
  const drive = new DriveBar(doc, { onAction: (name) => runner.action(name), teacher });
  const network = new NetworkView($("network"), {
    caption: $("animation-caption"),
    skipButton: $("skip-animation"),
    onSelect: (sel) => store.select(sel),
  });
  // on a narrow screen the network scrolls sideways: say so while it does
  const scroller = $("network-scroll");
  const scrollHint = doc.querySelector("[data-role=scroll-hint]");
  const sideways = new ResizeObserver(() => { scrollHint.hidden = scroller.scrollWidth <= scroller.clientWidth + 1; });
  sideways.observe(scroller);
  sideways.observe($("network"));       // a wider drawing in the same box
  const plot = new DataPlot($("data-plot"), {
    onPick: (n) => store.follow(n),
    onAdd: (point, mode) => session.addPoint(point, mode),
    onRemove: (n) => session.removePoint(n),
  });
  const chart = new LossChart($("loss-chart"));
  followLoss(store, chart);
  const predict = new PredictExercise(doc, { onReveal: (edge) => view.reveal(edge),
                                             sendGuess: (guess) => store.predict(guess) });
  // anyone's exercise: the weight open, or the next one picked; the drawing marks it
  doc.querySelector("[data-action=predict]").addEventListener("click", () => {
    predict.start(store.selection);
    store.redraw("predict");
  });
  store.on("select", (sel) => {
    if (!predict.armed || !sel || sel.kind !== "edge") return;
    predict.picked(sel);
    store.redraw("predict");               // its dW hides, if Backward has run
  });
  doc.getElementById("predict-stop").addEventListener("click", () => store.redraw("predict"));
  const matrices = new MatrixView(doc, {
    fetchBatch: (offset, limit) => store.batchPage(offset, limit),
    inputs: () => store.data.X,
    concealed: (L, i, j) => sameEdge(predict.concealed(), { L, i, j }),
  });
  const chain = new ChainPanel(doc, {
    matrices,
    editWeight: (layer, i, j, value) => {
      const before = store.state.layers[layer].W[i][j];
      store.editWeight({ layer, param: "W", i, j, value }).then((state) => {
        if (state) messages.say(`Set the weight to ${value} (it was ${before}): the step count and the optimiser stay, and the network is fresh again: Forward shows the output with it.`);
      });
    },
    fetchChain: (layer, i, j) => store.chain(layer, i, j),
    fetchCheck: (layer, i, j) => store.gradcheck(layer, i, j),
    derive: (layer, i, j, formula) => store.derive(layer, i, j, formula),
    deriveFirst: (L, i, j) => sameEdge(teacher.deriveEdge, { L, i, j }),     // a lesson's derive exercise
    concealed: (L, i, j) => sameEdge(predict.concealed(), { L, i, j }),
    firstInBatch: () => plot.firstInBatch(),
    follow: (n) => store.follow(n),
    select: (edge) => store.select(edge),
    onFilled: () => view.keepInView(),
  });
  // a CNN session draws into the conv view and the image gallery instead (static/conv/)
  const conv = new ConvPage(doc, { onSelect: (sel) => store.select(sel), onPick: (n) => store.follow(n),
                                   onAddImage: (image, k, name) => session.addImage(image, k, name) });
  const convChain = new ConvChainPanel(doc, {
    fetchChain: (at) => store.convChain(at),
    fetchCheck: (at) => store.convCheck(at),
    editWeight: (edit) => store.editWeight(edit).then((state) => {
      if (state) messages.say(`Set kernel ${edit.o}’s weight (${edit.u}, ${edit.v}) to ${edit.value}: Forward shows the maps with it.`);
    }),
    firstInBatch: () => conv.firstInBatch(),
    follow: (n) => store.follow(n),
    onFilled: () => view.keepInView(),
  });
  // a sequence session (an attention head) draws into the attention view and the sequence list (static/attention/)
  const attention = new AttentionPage(doc, { onSelect: (sel) => store.select(sel), onPick: (n) => store.follow(n) });
  const attentionChain = new AttentionChainPanel(doc, {
    fetchChain: (at) => store.attentionChain(at),
    fetchCheck: (at) => store.attentionCheck(at),
    onSelect: (sel) => store.select(sel),
    firstInBatch: () => attention.firstInBatch(),
    follow: (n) => store.follow(n),
    onFilled: () => view.keepInView(),
  });
  view = new SessionView(doc, { store, network, plot, predict, drive, chain, messages, chart, conv, convChain, attention, attentionChain });
  openDeriveLesson(store, teacher);
  new StepPreview(doc, store, { concealed: () => predict.concealed() });
  new GradientHealth(doc, store, { network, concealed: () => predict.concealed() });
  runner = new Runner({ store, drive, teacher, messages, chart, predict, maxTrain: Number(body.dataset.maxTrain) });
  scrubber = new HistoryScrubber(doc, store, { network, plot, chart, messages, stopRunning: () => runner.stopRunning() });
  const lesson = new LessonBox(doc);
  const presets = new PresetMenu(doc, {
    fetchPresets: () => store.presets(),
    onOpen: (preset) => session.openPreset(preset),
  });
  const share = new ShareLink(doc, {
    scenario: (withWeights) => session.currentScenario(withWeights),
    encode: (scenario) => store.encode(scenario),
    onShared: (code, link, copied, scenario, notice) => session.shared(code, copied, scenario, notice),
    onError: (err) => messages.showProblem(`No link was made: ${reasons(err)}`),
  });
  session = new Session({ store, builder, teacher, predict, lesson, messages, share, presets, runner,
                          maxPoints: Number(body.dataset.maxPoints) });
  new SessionFiles(doc, {
    maxBytes: Number(body.dataset.maxFileBytes),
    exportFile: () => session.exportFile(),
    onExported: (name) => session.exported(name),
    onImport: (text, fileBody, name) => session.importFile(text, fileBody, name),
    onProblem: (text) => messages.showProblem(text),
  });

  // a CSV of one's own points: checked here line by line, then it is the own-points dataset
  const csv = $("csv-file");
  csv.addEventListener("change", async () => {
    const file = csv.files[0];
    csv.value = "";
    if (!file) return;
    const maxBytes = 2 ** 20;
    if (file.size > maxBytes) {
      messages.showProblem(`“${file.name}” has ${file.size} bytes; a CSV of points may have at most ${maxBytes} (1 MB).`);
      return;
    }
    let points;
    try {
      points = parseCsv(await file.text(), { maxPoints: Number(body.dataset.maxPoints), maxBytes });
    } catch (err) {
      messages.showProblem(`“${file.name}” was not loaded: ${err.message ?? err}`);
      return;
    }
    const kind = points.task === "regression" ? "a regression of y on x" : `${points.classes} classes`;
    const [spec, what] = builder.withPoints(points.X, points.Y, `data: “${file.name}”, ${points.X.length} points (${kind})`);
    session.rebuild(spec, what);
  });
  $("preset-single").addEventListener("click", () => session.openSingle());
  window.addEventListener("hashchange", () => session.hashChanged());
  doc.addEventListener("keydown", (e) => runner.key(e));
  // a small handle for the console (and the browser tests)
  window.manualgrad = { store, plot, chart, network, get state() { return store.state; } };
  session.start();
  new ClassJoin(doc, { session, store, messages }).start(body.dataset.joinCode);
}

useCatalog(readCatalog(document));        // the names and rules the server's engine defines
startPage(document);
