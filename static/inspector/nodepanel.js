// the panel for a clicked node: z, a, dL/da, f'(z), dL/dz of the selected sample, and how
// each follows from the one before
import { lossWords } from "../core/catalog.js";
import { fmt, operandDigits } from "../core/format.js";
import * as M from "./mathml.js";
import { graphLink, unitGraph } from "./unitgraph.js";
import { layerName, sampleName, unitName } from "../core/names.js";
import { optionBlocks, softmaxJacobian } from "./optionpanel.js";

/** f'(z) from z and a = f(z), as the engine writes it: only to choose how many digits of a the
 *  formula shows (the value shown is the server's `f_prime`); null for softmax (fused) */
export function fPrime(activation, z, a, alpha = 0.01) {
  switch (activation) {
    case "sigmoid": return a * (1 - a);
    case "tanh": return 1 - a * a;
    case "relu": return z > 0 ? 1 : 0;
    case "leaky_relu": return z > 0 ? 1 : alpha;
    case "linear": return 1;
    default: return null;
  }
}

/** f(z) as a formula */
function fOfZ(activation) {
  const z = M.mi("z");
  switch (activation) {
    case "sigmoid": return [M.mi("σ"), M.paren(z), M.eq(), M.frac(M.mn(1), M.row(M.mn(1), M.mo("+"), M.sup(M.mi("e"), M.row(M.mo("−"), M.mi("z")))))];
    case "tanh": return [M.mi("tanh"), M.paren(z)];
    case "relu": return [M.mi("max"), M.paren(M.mn(0), M.mo(","), M.mi("z"))];
    case "leaky_relu": return [M.mi("z"), M.mtext(" if z > 0, else α·z")];
    case "linear": return [z];
    case "softmax": return [M.frac(M.sup(M.mi("e"), M.sub("z", "j")), M.row(M.mo("∑"), M.sup(M.mi("e"), M.sub("z", "k"))))];
    default: return [M.mi("f"), M.paren(z)];
  }
}

/** f'(z) as a formula of a (or z); a is shown with the digits that make the result follow */
function fPrimeFormula(activation, a, fp) {
  const digits = operandDigits([a], (x) => fPrime(activation, 0, x), fp);
  switch (activation) {
    case "sigmoid": return [M.mi("a"), M.paren(M.mn(1), M.mo("−"), M.mi("a")), M.eq(),
                            M.num(a, { digits }), M.mo("·"), M.paren(M.mn(1), M.mo("−"), M.num(a, { bracket: true, digits }))];
    case "tanh": return [M.mn(1), M.mo("−"), M.sup("a", M.mn(2)), M.eq(),
                         M.mn(1), M.mo("−"), M.sup(M.num(a, { bracket: true, digits }), M.mn(2))];
    case "relu": return [M.mtext("1 if z > 0, else 0")];
    case "leaky_relu": return [M.mtext("1 if z > 0, else α")];
    case "linear": return [M.mn(1)];
    default: return [];
  }
}

const d = (top, bottom) => M.partial(top, bottom);

/** x₁·y₁ + x₂·y₂ + … of [x₁, y₁, x₂, y₂, …] */
function sumOfProducts(t) {
  let sum = 0;
  for (let n = 0; n + 1 < t.length; n += 2) sum += t[n] * t[n + 1];
  return sum;
}

function block(doc, term, meaning, ...math) {
  const wrap = doc.createElement("div");
  wrap.className = "quantity";
  const dt = doc.createElement("p");
  dt.className = "term";
  const b = doc.createElement("strong");
  b.textContent = term;
  dt.append(b, ` ${meaning}`);
  wrap.append(dt, ...math);
  return wrap;
}

/** The node panel's DOM for node (L, i) of `state`; `onEdge(sel)` opens a weight's chain rule. */
export function renderNodePanel(doc, { L, i }, state, { onEdge, concealed = null }) {
  const sizes = state.config.layers;
  const last = sizes.length - 1;
  const name = unitName(L, i, last, sizes[last]);
  const root = doc.createElement("div");
  root.className = "panel node-panel";
  root.dataset.role = "node-panel";
  root.dataset.node = `${L}-${i}`;
  const h = doc.createElement("h2");
  const act = L === 0 ? null : state.layers[L - 1].activation;
  h.textContent = `${name}: ${L === 0 ? "input" : layerName(L, last)} unit ${i + 1}${act ? ` (${act})` : ""}`;
  const actions = doc.createElement("div");     // the panel's actions, right after its heading
  actions.className = "actions";
  root.append(h, actions, contextLine(doc, state));

  const sample = state.sample;
  const n = state.batch_size;
  const p = (text) => { const el = doc.createElement("p"); el.className = "note"; el.textContent = text; return el; };

  if (L === 0) {
    const x = sample.input[i];
    const dx = sample.dx ? sample.dx[i] : null;
    root.append(block(doc, "x", "the input value: the data, not computed.",
      M.mathLines(`x = ${x}`, M.mi("x"), M.eq(), M.num(x))));
    root.append(block(doc, "∂L/∂x", "how the loss would change if this input moved; the chain rule ends here.",
      dx === null ? p("Appears after Forward and Backward.")
        : M.mathLines(`dL/dx = ${dx}`, d("L", "x"), M.eq(), M.mo("∑"), M.sub("w", "j"), M.mo("·"),
                 d("L", M.sub("z", "j")), M.eq(), M.num(dx))));
    root.append(outgoing(doc, state, L, i, onEdge, name, concealed));
    return root;
  }

  const graph = unitGraph(state, L, i);
  if (graph) {                    // the same computation in the graph lab, one node at a time
    const link = doc.createElement("a");
    link.href = graphLink(graph);
    link.dataset.action = "open-graph";
    link.className = "open-graph";
    link.textContent = `Open ${name} as a computational graph (for sample ${sampleName(state.sample.index)})`;
    actions.append(link);
  }
  const k = L - 1;
  const lay = sample.layers[k];
  const z = lay.z ? lay.z[i] : null;
  const a = lay.a ? lay.a[i] : null;
  const da = lay.da ? lay.da[i] : null;
  const dz = lay.dz ? lay.dz[i] : null;
  const W = state.layers[k].W;
  const b = state.layers[k].b[i];
  const prev = k === 0 ? sample.input : sample.layers[k - 1].a;

  if (!sample.in_batch && state.phase !== "fresh") {
    root.append(p(`Sample ${sampleName(sample.index)} is not in the current minibatch, so it has no values this step. Pick one of the brighter points in the data plot.`));
  } else if (z === null) {
    root.append(p("Run Forward to compute this unit’s z and a for the selected sample."));
  }
  if (state.phase === "updated" && z !== null) {
    root.append(p("The last Step changed the weights: the values below come from the forward pass before it. Run Forward to recompute them."));
  }

  // z = Σ a_prev · w + b, with the numbers when the sum is short and the weights are the ones used
  const zMath = [M.mi("z"), M.eq(), M.mo("∑"), M.sub(M.mi("a"), M.mtext("prev")), M.mo("·"), M.mi("w"), M.mo("+"), M.mi("b")];
  if (z !== null && prev && W.length <= 4 && state.phase !== "updated") {
    const terms = [...W.flatMap((row, m) => [prev[m], row[i]]), b];    // a₁, w₁, a₂, w₂, …, b
    const digits = operandDigits(terms, (...t) => sumOfProducts(t.slice(0, -1)) + t[t.length - 1], z);
    zMath.push(M.eq());
    W.forEach((row, m) => {
      if (m > 0) zMath.push(M.mo("+"));
      zMath.push(M.num(prev[m], { bracket: true, digits }), M.mo("·"), M.num(row[i], { bracket: true, digits }));
    });
    zMath.push(M.mo("+"), M.num(b, { bracket: true, digits }));
  }
  if (z !== null) zMath.push(M.eq(), M.num(z));
  root.append(block(doc, "z", "the weighted sum of the inputs from the layer before, plus the bias.",
    M.mathLines(`z = ${z}`, ...zMath)));


  const options = state.layers[k].batch_norm || state.layers[k].dropout;
  if (options) {             // batch norm or dropout between z and a: their stages
    root.append(...optionBlocks(doc, state, k, i, { block: (...args) => block(doc, ...args), note: p }));
  } else {
    const aMath = [M.mi("a"), M.eq(), M.mi("f"), M.paren(M.mi("z")), M.eq(), ...fOfZ(act)];
    if (a !== null) aMath.push(M.eq(), M.num(a));
    root.append(block(doc, "a", `the activation: what this unit passes on (${act}).`, M.mathLines(`a = ${a}`, ...aMath)));

    const fused = act === "softmax";
    const output = L === last;
    const y = sample.target;
    const loss = state.config.loss;
    if (!fused) {
      const daMath = [d("L", "a"), M.eq()];
      if (output) {
        if (loss === "mse") daMath.push(M.frac(M.row(M.mi("a"), M.mo("−"), M.mi("y")), M.mi("n")));
        else if (loss === "bce") daMath.push(M.frac(M.row(M.mi("a"), M.mo("−"), M.mi("y")), M.row(M.mi("a"), M.paren(M.mn(1), M.mo("−"), M.mi("a")), M.mi("n"))));
        else daMath.push(M.frac(M.row(M.mo("−"), M.mi("y")), M.row(M.mi("a"), M.mi("n"))));
        if (da !== null && loss === "mse") {
          const digits = operandDigits([a, y[i]], (p, q) => (p - q) / n, da);
          daMath.push(M.eq(), M.frac(M.row(M.num(a, { digits }), M.mo("−"), M.num(y[i], { bracket: true, digits })), M.mn(n)));
        }
      } else {
        daMath.push(M.mo("∑"), M.sub(M.mi("w"), M.mtext("out")), M.mo("·"), d("L", M.sub(M.mi("z"), M.mtext("next"))));
        const next = state.layers[L];
        const dzNext = sample.layers[L].dz;
        if (da !== null && dzNext && next.W[i].length <= 3) {
          const pairs = next.W[i].flatMap((w, m) => [w, dzNext[m]]);
          const digits = operandDigits(pairs, (...t) => sumOfProducts(t), da);
          daMath.push(M.eq());
          next.W[i].forEach((w, m) => {
            if (m > 0) daMath.push(M.mo("+"));
            daMath.push(M.num(w, { bracket: true, digits }), M.mo("·"), M.num(dzNext[m], { bracket: true, digits }));
          });
        }
      }
      if (da !== null) daMath.push(M.eq(), M.num(da));
      root.append(block(doc, "∂L/∂a", output
        ? `how the loss changes with this output; it comes from the ${lossWords(loss)} loss${y ? ` (target y = ${fmt(y[i], 4)}, n = ${n} in the batch)` : ""}.`
        : "how the loss changes with this unit’s output: every path through the next layer adds its share.",
        M.mathLines(`dL/da = ${da}`, ...daMath)));

      const fp = lay.f_prime ? lay.f_prime[i] : null;            // the server's f′(z), as backward used it
      const fpMath = [M.mi("f′"), M.paren(M.mi("z")), M.eq(), ...(a === null ? [] : fPrimeFormula(act, a, fp))];
      if (fp !== null) fpMath.push(M.eq(), M.num(fp));
      root.append(block(doc, "f′(z)", "the slope of the activation at z: how much a moves when z moves.",
        M.mathLines(`f'(z) = ${fp}`, ...fpMath)));

      const dzMath = [d("L", "z"), M.eq(), M.mi("f′"), M.paren(M.mi("z")), M.mo("·"), d("L", "a")];
      if (dz !== null) {
        const digits = operandDigits([fp, da], (p, q) => p * q, dz);
        dzMath.push(M.eq(), M.num(fp, { digits }), M.mo("·"), M.num(da, { bracket: true, digits }), M.eq(), M.num(dz));
      }
      root.append(block(doc, "∂L/∂z", "the chain rule: the slope of f times what the loss wants from a.",
        M.mathLines(`dL/dz = ${dz}`, ...dzMath)));
    } else {
      root.append(softmaxJacobian(doc, state, k, i, { block: (...args) => block(doc, ...args), note: p }));
      if (loss === "cross_entropy") {
        const dzMath = [d("L", "z"), M.eq(), M.frac(M.row(M.mi("a"), M.mo("−"), M.mi("y")), M.mi("n"))];
        if (dz !== null) {
          const digits = operandDigits([a, y[i]], (p, q) => (p - q) / n, dz);
          dzMath.push(M.eq(), M.frac(M.row(M.num(a, { digits }), M.mo("−"), M.num(y[i], { bracket: true, digits })), M.mn(n)), M.eq(), M.num(dz));
        }
        root.append(block(doc, "∂L/∂z", "softmax and cross-entropy together: the Jacobian above and ∂L/∂a collapse into a − y, the same number.",
          M.mathLines(`dL/dz = ${dz}`, ...dzMath)));
      }
    }
  }
  const db = state.layers[k].db ? state.layers[k].db[i] : null;
  const normed = state.layers[k].batch_norm ? ": 0 up to rounding under batch norm, which takes the batch mean out" : "";
  root.append(block(doc, "∂L/∂b", `the bias gradient: ∂L/∂z summed over the batch, as ∂z/∂b = 1 (the bias is b = ${fmt(b, 4)} now)${normed}.`,
    M.mathLines(`dL/db = ${db}`, d("L", "b"), M.eq(), M.mo("∑"), d("L", "z"), M.eq(),
           db === null ? M.mtext("after Backward") : M.num(db))));
  root.append(incoming(doc, state, L, i, onEdge, name, concealed));
  return root;
}

function contextLine(doc, state) {
  const s = state.sample;
  const p = doc.createElement("p");
  p.className = "context";
  const x = s.input.map((v) => fmt(v, 3)).join(", ");
  const y = s.target.map((v) => fmt(v, 3)).join(", ");
  p.textContent = `For sample ${sampleName(s.index)}: x = (${x}), y = (${y}); batch of ${state.batch_size ?? state.points} · phase: ${state.phase}`;
  return p;
}

function weightList(doc, title, items, onEdge) {
  const wrap = doc.createElement("div");
  wrap.className = "weights";
  const h = doc.createElement("h3");
  h.textContent = title;
  const ul = doc.createElement("ul");
  // every weight, so that each is a Tab away from its unit (a big net draws its weights too
  // thin, or not at all, to be reached by the keyboard in the drawing)
  for (const it of items) {
    const li = doc.createElement("li");
    const b = doc.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = it.text;
    b.addEventListener("click", () => onEdge(it.sel));
    li.append(b);
    ul.append(li);
  }
  if (items.length > 16) ul.classList.add("long");
  wrap.append(h, ul);
  return wrap;
}

/** ", dW = 0.012", or the exercise's note for a weight whose dW is to be predicted */
function dWText(dW, i, j, sel, concealed) {
  if (!dW) return "";
  const hidden = concealed && concealed.L === sel.L && concealed.i === sel.i && concealed.j === sel.j;
  return hidden ? ", dW = ? (predict it)" : `, dW = ${fmt(dW[i][j], 3)}`;
}

function incoming(doc, state, L, i, onEdge, name, concealed) {
  const sizes = state.config.layers, last = sizes.length - 1;
  const W = state.layers[L - 1].W, dW = state.layers[L - 1].dW;
  const items = W.map((row, m) => {
    const sel = { kind: "edge", L, i: m, j: i };
    return { sel, text: `from ${unitName(L - 1, m, last, sizes[last])}: w = ${fmt(row[i], 3)}${dWText(dW, m, i, sel, concealed)}` };
  });
  return weightList(doc, `Weights into ${name} (click for the chain rule)`, items, onEdge);
}

function outgoing(doc, state, L, i, onEdge, name, concealed) {
  const sizes = state.config.layers, last = sizes.length - 1;
  const W = state.layers[L].W, dW = state.layers[L].dW;
  const items = W[i].map((w, j) => {
    const sel = { kind: "edge", L: L + 1, i, j };
    return { sel, text: `to ${unitName(L + 1, j, last, sizes[last])}: w = ${fmt(w, 3)}${dWText(dW, i, j, sel, concealed)}` };
  });
  return weightList(doc, `Weights out of ${name} (click for the chain rule)`, items, onEdge);
}
