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

/** The guide's DOM; with `single` the hand calculation of the one-neuron preset (without dL/dw
 *  while it is `concealed` for the predict exercise). */
export function renderGuide(doc, { single, concealed = false }) {
  const root = el(doc, "div", "", "panel guide");
  root.dataset.role = "guide";
  if (single) {
    root.append(el(doc, "h2", "One neuron, by hand"));
    root.append(el(doc, "p", "x = 0.5, target y = 1, w = 0.2, b = 0.1, a sigmoid, the loss ½(a − y)², learning rate 0.01. Run Forward, Backward and Step, click the node and the weight, and compare with this calculation:", "note"));
    const table = el(doc, "table", "", "hand");
    const head = el(doc, "tr");
    for (const t of ["quantity", "with the numbers", "value"]) head.append(el(doc, "th", t));
    const thead = el(doc, "thead");
    thead.append(head);
    const tbody = el(doc, "tbody");
    for (const [what, how, value] of HAND) {
      const tr = el(doc, "tr");
      const hide = concealed && GIVES_DW.has(what);
      tr.append(el(doc, "td", what), el(doc, "td", hide ? "your prediction" : how), el(doc, "td", hide ? "?" : value, "num"));
      tbody.append(tr);
    }
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
