// the class's predictions of one weight's gradient as a dot plot against the true value: one dot
// per learner (their latest guess), never a name; the arithmetic is pure (tests/js/teach.test.js)
import { fmt } from "../core/format.js";
import { closeness } from "../controls/predict.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640, MARGIN = 28, R = 7, MAX_ROWS = 8;

/** "1,0,2": a prediction's weight {layer, i, j} as one key */
export function weightKey(p) {
  return `${p.layer},${p.i},${p.j}`;
}

/** "layers[1].W[0][2]", as the API and a lesson's exercise name it */
export function weightLabel(key) {
  const [layer, i, j] = key.split(",");
  return `layers[${layer}].W[${i}][${j}]`;
}

/** the weights the learners predicted, the most learners first: [{key, count}] */
export function predictedWeights(learners) {
  const counts = new Map();
  for (const learner of learners) {
    for (const key of new Set((learner.predictions ?? []).map(weightKey))) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** the weight to plot: `wanted` (the teacher's pick, or the lesson's exercise) if anyone
 *  predicted it, else the one most learners predicted; null when nobody predicted any */
export function weightToPlot(learners, wanted = null) {
  const weights = predictedWeights(learners);
  if (wanted && weights.some((w) => w.key === wanted)) return wanted;
  return weights.length ? weights[0].key : null;
}

/** each learner's latest guess of weight `key`, without who made it: [{value, truth, verdict}] */
export function latestGuesses(learners, key) {
  const out = [];
  for (const learner of learners) {
    const mine = (learner.predictions ?? []).filter((p) => weightKey(p) === key);
    if (mine.length) {
      const p = mine[mine.length - 1];
      out.push({ value: p.value, truth: p.truth, verdict: p.verdict });
    }
  }
  return out;
}

/** the axis [lo, hi]: 0, every true value, and the guesses within `reach` times the largest
 *  |truth| (a guess a thousand times off would squeeze the rest into a point), padded 8 % */
export function axisRange(guesses, { reach = 5 } = {}) {
  const truths = guesses.map((g) => g.truth);
  const biggest = Math.max(0, ...truths.map(Math.abs));
  const limit = biggest > 0 ? reach * biggest : Infinity;
  const inside = [0, ...truths, ...guesses.map((g) => g.value).filter((v) => Math.abs(v) <= limit)];
  let lo = Math.min(...inside), hi = Math.max(...inside);
  if (hi === lo) {
    const w = Math.abs(hi) || 1;
    lo -= w;
    hi += w;
  }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

/** the x of `v` on the axis [lo, hi] drawn from x0 to x1; a value beyond it stays at its end */
export function toX(v, [lo, hi], x0, x1) {
  const t = (v - lo) / (hi - lo);
  return x0 + Math.min(1, Math.max(0, t)) * (x1 - x0);
}

/** whether `v` lies beyond the axis [lo, hi] */
export function beyond(v, [lo, hi]) {
  return v < lo || v > hi;
}

/** a row for each dot at `xs` (radius r) so that no two overlap: the lowest row with room */
export function stackRows(xs, r) {
  const order = xs.map((x, k) => [x, k]).sort((a, b) => a[0] - b[0]);
  const ends = [];                       // each row's rightmost dot so far
  const rows = new Array(xs.length);
  for (const [x, k] of order) {
    let row = ends.findIndex((end) => x - end >= 2 * r);
    if (row === -1) {
      row = ends.length;
      ends.push(x);
    } else ends[row] = x;
    rows[k] = row;
  }
  return rows;
}

/** round tick values over [lo, hi], about `count` of them (steps of 1, 2 or 5 × 10^k) */
export function ticks([lo, hi], count = 5) {
  const span = hi - lo;
  const power = 10 ** Math.floor(Math.log10(span / count));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= count + 1);
  const out = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** whether every guess is of the same true value (the learners' networks agree): one line */
export function oneTruth(guesses) {
  return guesses.every((g) => g.truth === guesses[0].truth);
}

/** how the guesses went: {close, off, wrong} counts (within 25 %; right sign but further; wrong sign) */
export function tally(guesses) {
  const out = { close: 0, off: 0, wrong: 0 };
  for (const g of guesses) out[closeness(g.value, g.truth).kind] += 1;
  return out;
}

/** the plot in words: what the picture shows, for everyone (and a screen reader) */
export function summary(guesses, key) {
  if (!guesses.length) return "No predictions yet: learners make them with “Predict a gradient”, or with a lesson’s exercise.";
  const t = tally(guesses);
  const n = guesses.length;
  const truths = guesses.map((g) => g.truth);
  const truth = oneTruth(guesses) ? `The true value is ${fmt(truths[0], 4)}.`
    : `The true values run from ${fmt(Math.min(...truths), 4)} to ${fmt(Math.max(...truths), 4)}: the learners’ networks differ (other steps, other samples).`;
  return `${n} learner${n === 1 ? "" : "s"} predicted ${weightLabel(key)}: ${t.close} within 25 %, ${t.off} right sign but further off, ${t.wrong} wrong sign. ${truth}`;
}

/** draw `guesses` into `svg` (an <svg> element): dots stacked over an axis, the true value(s) */
export function drawDotPlot(svg, guesses) {
  const doc = svg.ownerDocument;
  const el = (tag, attrs, parent = svg) => {
    const n = doc.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    parent.append(n);
    return n;
  };
  svg.replaceChildren();
  if (!guesses.length) {
    svg.setAttribute("hidden", "");          // an SVG element has no `hidden` property
    return;
  }
  const range = axisRange(guesses);
  const x0 = MARGIN, x1 = WIDTH - MARGIN;
  const xs = guesses.map((g) => toX(g.value, range, x0, x1));
  const rows = stackRows(xs, R + 1).map((row) => Math.min(row, MAX_ROWS - 1));
  const shownRows = Math.max(...rows) + 1;
  const top = 26;
  const axisY = top + shownRows * 2 * (R + 1) + 6;
  const height = axisY + (oneTruth(guesses) ? 34 : 50);
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
  svg.removeAttribute("hidden");
  // the axis and its ticks
  el("line", { x1: x0, x2: x1, y1: axisY, y2: axisY, class: "axis" });
  for (const v of ticks(range)) {
    const x = toX(v, range, x0, x1);
    el("line", { x1: x, x2: x, y1: axisY, y2: axisY + 5, class: v === 0 ? "axis zero" : "axis" });
    el("text", { x, y: axisY + 18, class: "tick" }).textContent = fmt(v, 3);
  }
  // the truth: one line across, or each learner's true value as a hollow diamond under the axis
  if (oneTruth(guesses)) {
    const x = toX(guesses[0].truth, range, x0, x1);
    el("line", { x1: x, x2: x, y1: top - 8, y2: axisY, class: "truth", "data-role": "truth-line" });
    el("text", { x, y: top - 12, class: "truth-label" }).textContent = `true value ${fmt(guesses[0].truth, 4)}`;
  } else {
    const y = axisY + 32;
    el("text", { x: x0, y: y + 4, class: "truth-label start" }).textContent = "true values";
    for (const g of guesses) {
      const x = toX(g.truth, range, x0, x1);
      el("path", { d: `M${x} ${y - 5}L${x + 5} ${y}L${x} ${y + 5}L${x - 5} ${y}Z`, class: "truth-mark", "data-role": "truth-mark" });
    }
  }
  // the guesses: filled dots, coloured by how close they came; hollow at the edge when beyond it
  guesses.forEach((g, k) => {
    const kind = closeness(g.value, g.truth).kind;
    const far = beyond(g.value, range);
    const dot = el("circle", { cx: xs[k], cy: axisY - (R + 2) - rows[k] * 2 * (R + 1), r: R,
                               class: `dot ${kind}${far ? " beyond" : ""}`, "data-role": "prediction-dot" });
    el("title", {}, dot).textContent = `${fmt(g.value, 4)}: ${g.verdict}${far ? " (beyond the scale)" : ""}`;
  });
}
