// the panels of a CNN's backward, with the followed image's numbers: a kernel weight's gradient
// (the input under the weight times ∂L/∂z, summed over the positions the kernel slid to: the
// correlation) and an input pixel's (the flipped kernel's weights times the ∂L/∂z cells that saw
// it: the full convolution); both fill [data-role=chain] and set its data-grad
import { fmt } from "../core/format.js";
import { sampleName } from "../core/names.js";
import * as M from "../inspector/mathml.js";
import { flippedGrid, layerShapes, termGrids } from "./convmath.js";
import { cellSize } from "./convstages.js";
import { checkSection, exactValue, figureGrid, gridRow, para, section, sumMath, termTable, updateRows } from "./panelparts.js";
import { renderCell, renderGuide, renderPool } from "./convforward.js";

const d = (top, bottom) => M.partial(top, bottom);

/** the output cell that weight (u, v) joined to input (r, s): (r − u, s − v) with stride 1 and no padding */
function outCell({ stride = 1, padding = 0 }) {
  const shift = padding ? ` + ${padding}` : "";
  if (stride === 1) return `o, r${shift} − u, s${shift} − v`;
  return `o, (r${shift} − u)/${stride}, (s${shift} − v)/${stride}`;
}

/** The panel of a clicked kernel weight, pixel, map cell or pooled cell of a CNN; `fetchChain(at)`
 *  and `fetchCheck(at)` ask the server (store.convChain, store.convCheck). */
export class ConvChainPanel {
  constructor(doc, { fetchChain, fetchCheck, editWeight = null, firstInBatch = () => null, follow = () => {},
                     onFilled = () => {} }) {
    this.doc = doc;
    this.fetchChain = fetchChain;
    this.fetchCheck = fetchCheck;
    this.editWeight = editWeight;       // (edit) → sets a kernel weight by hand
    this.firstInBatch = firstInBatch;
    this.follow = follow;
    this.onFilled = onFilled;
    this.token = 0;
  }

  guide(state) {
    return renderGuide(this.doc, state);
  }

  render(sel, state) {
    const token = ++this.token;
    if (sel.kind === "cell") return renderCell(this.doc, sel, state, { fetchChain: this.fetchChain, live: () => token === this.token });
    if (sel.kind === "pool") return renderPool(this.doc, sel, state);
    const root = this.doc.createElement("div");
    root.className = "panel chain-panel conv-panel";
    root.dataset.role = "chain";
    const body = this.doc.createElement("div");
    body.className = "chain-body";
    const kernel = sel.kind === "kernel";
    const at = kernel ? { layer: sel.layer, o: sel.o, c: sel.c, u: sel.u, v: sel.v }
                      : { layer: sel.layer, input: `${sel.c},${sel.r},${sel.s}` };
    root.dataset.at = JSON.stringify(at);
    root.append(...(kernel ? this.kernelHead(sel, state) : this.pixelHead(sel, state)), body);
    const grad = kernel ? state.layers[sel.layer].dW?.[sel.o][sel.c][sel.u][sel.v] : this.inputGradient(sel, state);
    if (state.phase !== "backward" || grad === null || grad === undefined) {
      body.append(para(this.doc, state.phase === "updated"
        ? "Step has just changed the weights, so the old gradients no longer apply. Run Forward, then Backward."
        : "No gradient yet: run Forward, then Backward."), this.formula(kernel, state.config.layers[sel.layer]));
      return root;
    }
    root.dataset.grad = String(grad);
    if (!state.sample.in_batch) {
      body.append(para(this.doc, `Image ${sampleName(state.sample.index)} is not in the current minibatch, so it has no numbers this step.`, "problem"));
      const n = this.firstInBatch();
      if (n !== null) {
        const follow = this.doc.createElement("button");
        follow.type = "button";
        follow.className = "small";
        follow.dataset.action = "follow-in-batch";
        follow.textContent = `Follow image ${sampleName(n)}, which is in this minibatch`;
        follow.addEventListener("click", () => this.follow(n));
        body.append(follow);
      }
      return root;
    }
    body.append(para(this.doc, "Loading the numbers…"));
    this.fetchChain(at).then((c) => {
      if (token !== this.token) return;
      root.dataset.grad = String(kernel ? c.dW : c.gradient);
      body.replaceChildren(...(kernel ? this.explainKernel(c, sel, state) : this.explainPixel(c, sel, state)));
      this.onFilled(root);
    }).catch((err) => {
      if (token !== this.token) return;
      body.replaceChildren(para(this.doc, err.message, "problem"));
    });
    return root;
  }

  /** the gradient of input (c, r, s) of conv layer k in the state: the image's dx, or layer k−1's da */
  inputGradient(sel, state) {
    const g = sel.layer === 0 ? state.sample.dx : state.sample.layers[sel.layer - 1].da;
    return g ? g[sel.c][sel.r][sel.s] : null;
  }

  kernelHead(sel, state) {
    const doc = this.doc;
    const W = state.layers[sel.layer].W;
    const w = W[sel.o][sel.c][sel.u][sel.v];
    const h = doc.createElement("h2");
    h.textContent = `Kernel ${sel.o}, weight (${sel.u}, ${sel.v})${W[0].length > 1 ? ` on input channel ${sel.c}` : ""}: w = ${fmt(w, 6)}`;
    const parts = [h, para(doc, `layers[${sel.layer}].W[${sel.o}][${sel.c}][${sel.u}][${sel.v}] in the state. The same weight multiplies a pixel at every position the kernel slides to, so its gradient adds up one term per position.`, "context")];
    if (this.editWeight) parts.push(this.editor(sel, w));
    return parts;
  }

  pixelHead(sel, state) {
    const doc = this.doc;
    const map = sel.layer === 0 ? state.sample.input : state.sample.layers[sel.layer - 1].a;
    const x = map ? map[sel.c][sel.r][sel.s] : null;
    const h = doc.createElement("h2");
    const first = sel.layer === 0;
    h.textContent = `${first ? "Input pixel" : `Input of layer ${sel.layer}`} (${sel.r}, ${sel.s})${map && map.length > 1 ? ` of channel ${sel.c}` : ""}: ${first ? "x" : "a"} = ${fmt(x, 4)}`;
    return [h, para(doc, first
      ? `Of image ${sampleName(state.sample.index)} (sample ${state.sample.index} in the API, which counts from 0); its gradient is sample.dx[${sel.c}][${sel.r}][${sel.s}] in the state: how the loss changes with this pixel.`
      : `Layer ${sel.layer - 1}’s output; its gradient is sample.layers[${sel.layer - 1}].da[${sel.c}][${sel.r}][${sel.s}] in the state.`, "context")];
  }

  /** type a value for a kernel weight: the output changes at the next Forward */
  editor(sel, w) {
    const doc = this.doc;
    const form = doc.createElement("form");
    form.className = "weight-editor";
    form.dataset.role = "weight-editor";
    form.dataset.control = "edit_weight";
    const input = doc.createElement("input");
    Object.assign(input, { type: "number", step: "any", value: w === null ? "" : String(w) });
    input.dataset.role = "weight-value";
    const label = doc.createElement("label");
    label.append("Try another w: ", input);
    const set = doc.createElement("button");
    Object.assign(set, { type: "submit", className: "small", textContent: "Set" });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = input.value === "" ? NaN : Number(input.value);
      if (!Number.isFinite(value)) input.setAttribute("aria-invalid", "true");
      else this.editWeight({ layer: sel.layer, param: "W", o: sel.o, c: sel.c, u: sel.u, v: sel.v, value });
    });
    form.append(label, " ", set);
    return form;
  }

  /** the sum as symbols: the correlation for a weight, the full convolution for a pixel */
  formula(kernel, spec = { stride: 1, padding: 0 }) {
    const wrap = this.doc.createElement("div");
    wrap.className = "formula";
    wrap.append(kernel
      ? M.math("dL/dW[o,c,u,v] = sum over r,s of x[c, r*stride+u, s*stride+v] * dL/dz[o,r,s]",
        d("L", M.sub("W", M.mtext("o,c,u,v"))), M.eq(), M.el("munder", {}, M.mo("∑"), M.mtext("r, s")),
        M.sub("x", M.mtext("c, r·stride+u, s·stride+v")), M.mo("·"), d("L", M.sub("z", M.mtext("o,r,s"))))
      : M.math("dL/dx[c,r,s] = sum over o,u,v of W[o,c,u,v] * dL/dz[o,r',s'] for the cells r', s' whose window covers it",
        d("L", M.sub("x", M.mtext("c,r,s"))), M.eq(), M.el("munder", {}, M.mo("∑"), M.mtext("o, u, v")),
        M.sub("W", M.mtext("o,c,u,v")), M.mo("·"), d("L", M.sub("z", M.mtext(outCell(spec))))));
    return wrap;
  }

  explainKernel(c, sel, state) {
    const doc = this.doc;
    const out = layerShapes(state.config.input_shape, state.config.layers)[sel.layer];
    const g = termGrids(c.terms, out);
    const used = c.terms.filter((t) => t.product !== 0);
    const rows = used.map((t) => [`(${t.position[0]}, ${t.position[1]})`, t.x, t.dL_dz, t.product]);
    const cell = cellSize(out[1], out[2], 96, 6, 22);
    const picture = gridRow(doc,
      figureGrid(doc, g.x, `x under the weight at each of the ${out[1]}×${out[2]} positions`, { cell }),
      "⊙", figureGrid(doc, g.dz, `∂L/∂z of map ${sel.o}`, { palette: "grad", cell }),
      "=", figureGrid(doc, g.product, "their products", { palette: "grad", cell }));
    picture.dataset.role = "kernel-picture";
    const table = termTable(doc, ["position", "x", "∂L/∂z", "product"], rows, "kernel-terms");
    const parts = [
      section(doc, `For image ${sampleName(c.sample)}: one product per position the kernel slid to`, this.formula(true),
        para(doc, "The weight touched a different pixel at each position (outlined on the input): the pixels under it, times how much the loss changes with that position’s z."),
        picture,
        para(doc, used.length < c.terms.length
          ? `${c.terms.length - used.length} of the ${c.terms.length} positions add nothing: their ∂L/∂z is 0 (a relu that was off, or a cell the max pool did not pick) or the pixel is 0.`
          : `All ${c.terms.length} positions add a term.`),
        table, sumMath("this image", c.terms.map((t) => t.product), c.sample_sum)),
      this.batchSum(c),
      section(doc, "What Step will do to this weight", ...this.update(c)),
      checkSection(doc, () => this.fetchCheck({ layer: sel.layer, o: sel.o, c: sel.c, u: sel.u, v: sel.v }), "w",
        "Nudge w by a tiny h both ways and measure the batch’s loss: the slope between the two is dW, found without any chain rule."),
    ];
    return parts;
  }

  batchSum(c) {
    const doc = this.doc;
    const exact = exactValue(doc, "dW", "dw", c.dW);
    return section(doc, `Over the batch (n = ${c.batch_size})`,
      M.math(`dW = ${c.batch_sum}`, M.mi("dW"), M.eq(), M.el("munder", {}, M.mo("∑"), M.mtext("images")), M.mtext("(their sums)"),
             M.eq(), M.num(c.batch_sum, { digits: 6, cls: "result" })),
      para(doc, `Every image of the batch adds its own sum; this one adds ${fmt(c.sample_sum, 4)}. The 1/n of the mean loss is already inside ∂L/∂z.`),
      ...(c.regularization ? [para(doc, `With the ${c.regularization.kind} penalty: dW = ${fmt(c.dW_data, 6)} + ${fmt(c.dW_penalty, 6)}.`)] : []),
      exact);
  }

  update(c) {
    return updateRows(this.doc, c);
  }

  explainPixel(c, sel, state) {
    const doc = this.doc;
    const spec = state.config.layers[sel.layer];
    const K = spec.kernel;
    const outs = [...new Set(c.terms.map((t) => t.out))];
    const pictures = outs.map((o) => {
      const grid = flippedGrid(c.terms, o, K);
      const weights = grid.map((row) => row.map((t) => (t ? t.weight : null)));
      const dz = grid.map((row) => row.map((t) => (t ? t.dL_dz : null)));
      const sum = c.terms.filter((t) => t.out === o).reduce((s, t) => s + t.product, 0);
      const box = gridRow(doc, figureGrid(doc, weights, `kernel ${o}, flipped`, { cell: 34, numbers: true }), "⊙",
        figureGrid(doc, dz, `∂L/∂z of map ${o} at the cells that saw it`, { palette: "grad", cell: 34 }), `→ ${fmt(sum, 3)}`);
      box.dataset.out = String(o);
      return box;
    });
    const rows = c.terms.filter((t) => t.product !== 0).map((t) =>
      [`kernel ${t.out} (${t.kernel[0]}, ${t.kernel[1]}) at cell (${t.position[0]}, ${t.position[1]})`, t.weight, t.dL_dz, t.product]);
    const first = sel.layer === 0;
    return [
      section(doc, `For image ${sampleName(c.sample)}: every kernel weight that lay on this ${first ? "pixel" : "input"}`, this.formula(false, spec),
        para(doc, `The pixel fed ${c.terms.length} products of the forward: each kernel’s weight (u, v) multiplied it for the output cell whose window put (u, v) on it. Backward sends each such cell’s ∂L/∂z back through that weight. Read kernel-wise, the weights come in reverse order: the kernel flipped, slid over ∂L/∂z (the cells that saw the pixel are outlined in the ∂L/∂z maps).`),
        ...pictures,
        termTable(doc, ["weight over cell", "w", "∂L/∂z", "product"], rows, "pixel-terms"),
        sumMath(first ? "∂L/∂x" : "∂L/∂a", c.terms.map((t) => t.product), c.sample_sum),
        para(doc, first ? "This is the image’s own gradient: nothing learns from it here, but it says which pixels would change the loss most (a saliency map)."
          : `This is layer ${sel.layer - 1}’s ∂L/∂a at this cell: its backward starts from it.`)),
      checkSection(doc, () => this.fetchCheck({ layer: sel.layer, input: `${sel.c},${sel.r},${sel.s}` }), "x",
        "Nudge this input of the followed image by a tiny h both ways and measure the batch’s loss: the slope is its gradient."),
    ];
  }
}
