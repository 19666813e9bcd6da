// what the inspector shows before anything is clicked: how to read the page, and for the
// single-neuron preset the whole calculation by hand, to compare with the numbers on screen

function el(doc, tag, text, cls) {
  const node = doc.createElement(tag);
  if (text) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

const STEPS = [
  ["Forward", "pushes the data through: each unit computes z = Σ a_prev·w + b, then a = f(z). The loss compares the output with the target."],
  ["Backward", "carries ∂L/∂a from the loss back, layer by layer: ∂L/∂z = f′(z)·∂L/∂a, then dW = a_prevᵀ·∂L/∂z for every weight."],
  ["Step", "moves every weight against its gradient: w ← w − lr·dW (or the optimiser’s own rule)."],
];

// the one-neuron walk-through, worked by hand (x = 0.5, y = 1, w = 0.2, b = 0.1, lr = 0.01)
const HAND = [
  ["z = w·x + b", "0.2 · 0.5 + 0.1", "0.2"],
  ["a = σ(z) = 1 / (1 + e^−z)", "1 / (1 + e^−0.2)", "0.549834"],
  ["L = ½ (a − y)²", "½ (0.549834 − 1)²", "0.101325"],
  ["∂L/∂a = a − y", "0.549834 − 1", "−0.450166"],
  ["f′(z) = a (1 − a)", "0.549834 · 0.450166", "0.247517"],
  ["∂L/∂z = f′(z) · ∂L/∂a", "0.247517 · (−0.450166)", "−0.111424"],
  ["∂L/∂w = x · ∂L/∂z", "0.5 · (−0.111424)", "−0.055712"],
  ["∂L/∂b = ∂L/∂z", "", "−0.111424"],
  ["w ← w − lr · ∂L/∂w", "0.2 − 0.01 · (−0.055712)", "0.200557"],
  ["b ← b − lr · ∂L/∂b", "0.1 − 0.01 · (−0.111424)", "0.101114"],
];

// the rows that give away dL/dw while the learner is to predict it
const GIVES_DW = new Set(["∂L/∂w = x · ∂L/∂z", "w ← w − lr · ∂L/∂w"]);
// the phase that works each row out: Forward the first 3, Backward the next 5, Step the last 2
const WORKED_BY = ["Forward", "Forward", "Forward", "Backward", "Backward", "Backward", "Backward", "Backward", "Step", "Step"];

/** how many rows of the hand calculation the network has worked out so far: none before
 *  Forward, then Forward's, Backward's and Step's (after step 0 the table is all known) */
export function rowsWorked(phase, step) {
  if (step > 0) return HAND.length;
  return { fresh: 0, forward: 3, backward: 8, updated: HAND.length }[phase] ?? 0;
}

/** The guide's DOM; with `single` the hand calculation of the one-neuron preset, its rows filled
 *  in as the phases reach them (`phase`, `step`), without dL/dw while it is `concealed` for the
 *  predict exercise. */
export function renderGuide(doc, { single, concealed = false, phase = "fresh", step = 0 }) {
  const root = el(doc, "div", "", "panel guide");
  root.dataset.role = "guide";
  if (single) {
    root.append(el(doc, "h2", "One neuron, by hand"));
    root.append(el(doc, "p", "x = 0.5, target y = 1, w = 0.2, b = 0.1, a sigmoid, the loss ½(a − y)², learning rate 0.01. Work each row out yourself first: the table fills in as Forward, Backward and Step run, and the node and the weight show the same numbers.", "note"));
    root.append(el(doc, "p", "A note on names: the walk-through you read calls the neuron’s output y and the target ŷ. This page calls the output a (ŷ on the network’s output unit) and the target y, as the table does.", "note names-note"));
    const table = el(doc, "table", "", "hand");
    const head = el(doc, "tr");
    for (const t of ["quantity", "with the numbers", "value"]) head.append(el(doc, "th", t));
    const thead = el(doc, "thead");
    thead.append(head);
    const tbody = el(doc, "tbody");
    const worked = rowsWorked(phase, step);
    HAND.forEach(([what, how, value], k) => {
      const tr = el(doc, "tr");
      const hide = concealed && GIVES_DW.has(what);
      const waiting = k >= worked;
      tr.dataset.worked = String(!waiting);
      tr.append(el(doc, "td", what), el(doc, "td", waiting ? `after ${WORKED_BY[k]}` : hide ? "your prediction" : how, waiting ? "waiting" : ""),
                el(doc, "td", waiting || hide ? "?" : value, "num"));
      tbody.append(tr);
    });
    table.append(thead, tbody);
    root.append(table);
    return root;
  }
  root.append(el(doc, "h2", "How to read this page"));
  const ol = el(doc, "ol", "", "steps");
  for (const [name, text] of STEPS) {
    const li = el(doc, "li");
    li.append(el(doc, "strong", name), ` ${text}`);
    ol.append(li);
  }
  root.append(ol);
  root.append(el(doc, "p", "Click a node for its z, a, ∂L/∂a, f′(z) and ∂L/∂z; click a weight (a line) for its chain rule. Click a point in the data plot to follow that sample. Keys: f, b, s, space (play), r (reset).", "note"));
  return root;
}
