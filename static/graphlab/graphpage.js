// the graph lab: build an expression's graph on the server, then step through reverse mode
// (gradients from the output back, += where a value is used twice) or forward mode (tangents
// from one input forward), node by node
import { api } from "../core/api.js";
import { fmt } from "../core/format.js";
import { contour } from "../panels/dataplot.js";
import { divergingBytes } from "../core/colors.js";
import { decodeReply, layout, parseValues, placeLabels, reverseSteps } from "./graphlayout.js";

const SVG = "http://www.w3.org/2000/svg";
const COL = 150, ROW = 92, R = 26;         // rows far enough apart for a gradient under one node and a name over the next
const PRESETS = [
  { name: "The reference’s (x1 + x2) · x3", source: "(x1 + x2) * x3", values: "x1 = 3, x2 = -1, x3 = 5" },
  { name: "micrograd’s neuron", source: "n = x1*w1 + x2*w2 + b\ntanh(n)", values: "x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432" },
  { name: "A value used twice: b = a + a", source: "b = a + a", values: "a = 3" },
  { name: "One sigmoid neuron and its squared error", source: "z = w*x + b\na = sigmoid(z)\n0.5 * (a - y)^2", values: "x = 0.5, y = 1, w = 0.2, b = 0.1" },
  { name: "Softmax cross-entropy, naive and stable", source: "naive = -log(exp(z1) / (exp(z1) + exp(z2)))\nstable = log(exp(z1 - z1) + exp(z2 - z1))\nnaive, stable", values: "z1 = 1000, z2 = 0" },
  { name: "Two outputs: a Jacobian", source: "p = x * y\np + x, p - y", values: "x = 3, y = 5" },
  { name: "A saddle: x² − y² and its Hessian", source: "x^2 - y^2", values: "x = 0.5, y = 1" },
];

const el = (tag, attrs = {}, parent) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (parent) parent.append(n);
  return n;
};
const $ = (id) => document.getElementById(id);
const num = (v, d = 4) => (v === null || v === undefined ? "—" : fmt(v, d));

class GraphLab {
  constructor() {
    this.reply = null;
    this.k = 0;                 // steps done
    this.svg = $("graph");
    const presets = $("graph-presets");
    PRESETS.forEach((p, k) => presets.append(new Option(p.name, String(k))));
    presets.addEventListener("change", () => {
      const p = PRESETS[Number(presets.value)];
      presets.value = "";
      if (!p) return;
      $("graph-source").value = p.source;
      $("graph-values").value = p.values;
      this.build();
    });
    document.querySelector("[data-action=graph-build]").addEventListener("click", () => this.build());
    document.querySelector("[data-action=graph-step]").addEventListener("click", () => this.go(this.k + 1));
    document.querySelector("[data-action=graph-back]").addEventListener("click", () => this.go(this.k - 1));
    document.querySelector("[data-action=graph-run]").addEventListener("click", () => this.go(Infinity));
    for (const radio of document.querySelectorAll("input[name=graph-mode]")) radio.addEventListener("change", () => this.build());
    $("graph-wrt").addEventListener("change", () => this.build());
    $("graph-output").addEventListener("change", () => this.restart());
    $("error-close").addEventListener("click", () => { $("error").hidden = true; });
    // a link from the network page: /graph#source=…&values=…
    const given = new URLSearchParams(window.location.hash.slice(1));
    if (given.get("source")) {
      $("graph-source").value = given.get("source");
      $("graph-values").value = given.get("values") ?? "";
    }
    this.build();
  }

  get mode() { return document.querySelector("input[name=graph-mode]:checked").value; }

  async build() {
    let values;
    try {
      values = parseValues($("graph-values").value);
    } catch (err) {
      return this.problem(`Values: ${err.message}.`);
    }
    const chosenWrt = $("graph-wrt").value;       // kept while the new expression still has that input
    const wrt = this.mode === "forward" ? (chosenWrt in values ? chosenWrt : Object.keys(values)[0]) : null;
    const inputs = Object.keys(values);
    const twoInputs = inputs.length === 2;
    try {
      // NaN and ±∞ come as null with a note of which (`nonfinite`): here they are numbers again
      this.reply = decodeReply(await api.graph({ source: $("graph-source").value, values, ...(wrt ? { wrt } : {}),
                                     ...(twoInputs && !$("graph-source").value.includes(",") ? { hessian: true } : {}) }));
    } catch (err) {
      return this.problem(err.message);
    }
    $("error").hidden = true;
    const wrtSelect = $("graph-wrt");
    const chosen = wrtSelect.value;
    wrtSelect.replaceChildren(...this.reply.inputs.map((n) => new Option(n, n)));
    if (this.reply.inputs.includes(chosen)) wrtSelect.value = chosen;
    // two outputs: reverse mode runs from one of them, the learner's choice
    const outs = this.reply.outputs ?? [this.reply.output];
    const pick = $("graph-output");
    const kept = this.source === $("graph-source").value ? Number(pick.value) : null;    // the same expression: the same output
    this.source = $("graph-source").value;
    pick.replaceChildren(...outs.map((id, k) => new Option(`${this.outName(id)} (output ${k + 1})`, String(id))));
    if (outs.includes(kept)) pick.value = String(kept);
    $("graph-output-pick").hidden = outs.length < 2 || this.mode !== "reverse";
    this.draw();
    this.restart();
  }

  /** the output reverse mode runs from */
  get output() {
    const outs = this.reply.outputs ?? [this.reply.output];
    const chosen = Number($("graph-output").value);
    return outs.includes(chosen) ? chosen : outs[0];
  }

  /** an output's name as the nodes' gradients say it: its line's name, else "out 1", "out 2" */
  outName(id) {
    const outs = this.reply.outputs ?? [this.reply.output];
    return this.reply.nodes[id].name ?? (outs.length > 1 ? `out ${outs.indexOf(id) + 1}` : "out");
  }

  /** back to the first step, from the chosen output */
  restart() {
    this.steps = this.mode === "reverse" ? reverseSteps(this.reply, this.output) : this.reply.order.map((id) => ({ node: id }));
    this.k = 0;
    this.go(0);
  }

  problem(text) {
    $("error-text").textContent = text;
    $("error").hidden = false;
  }

  draw() {
    const { nodes } = this.reply;
    const { where, cols, rows } = layout(nodes);
    const svg = this.svg;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${cols * COL + 40} ${rows * ROW + 30}`);
    svg.style.width = `${Math.min(1000, cols * COL + 40)}px`;
    const pos = (id) => [40 + where[id].col * COL, 40 + where[id].row * ROW];
    this.edges = {};
    const edgeLayer = el("g", { class: "gedges" }, svg);
    for (const n of nodes) {
      n.inputs.forEach((input, k) => {
        const [x1, y1] = pos(input), [x2, y2] = pos(n.id);
        const twice = n.inputs.indexOf(input) !== k;           // the second use of the same input
        const bend = twice ? 26 : 0;
        const g = el("g", { class: "gedge", "data-from": String(input), "data-to": String(n.id) }, edgeLayer);
        const mx = (x1 + x2) / 2, my = (y1 + y2) / 2 + bend;
        el("path", { d: `M${x1 + R},${y1} Q${mx},${my} ${x2 - R},${y2}` }, g);
        const t = el("text", { x: mx, y: my - 6, class: "glocal" }, g);
        t.textContent = `∂ = ${num(n.local[k], 3)}`;
        const flow = el("text", { x: mx, y: my + 12, class: "gflow" }, g);
        this.edges[`${n.id}-${k}`] = { g, flow };
      });
    }
    this.boxes = {};
    for (const n of nodes) {
      const [x, y] = pos(n.id);
      const g = el("g", { class: `gnode op-${n.op === "input" ? "input" : n.op === "const" ? "const" : "op"}`,
                          "data-gnode": String(n.id), "data-value": String(n.value), tabindex: "0" }, svg);
      if (!n.finite) g.classList.add("not-finite");
      el("circle", { cx: x, cy: y, r: R }, g);
      const op = el("text", { x, y: y - 4, class: "gop" }, g);
      op.textContent = n.op === "input" || n.op === "const" ? n.label : n.op;
      const val = el("text", { x, y: y + 12, class: "gval" }, g);
      val.textContent = num(n.value, 3);        // as it is: ∞, −∞ or NaN when not finite
      const name = el("text", { x, y: y - R - 6, class: "gname" }, g);
      name.textContent = n.name ?? (n.op === "input" ? "" : "");
      const grad = el("text", { x, y: y + R + 14, class: "ggrad" }, g);
      el("title", {}, g).textContent = `${n.label} = ${n.finite ? n.value : `${fmt(n.value)}, not a finite number`}`;
      this.boxes[n.id] = { g, grad };
    }
    $("graph-order").textContent = `Topological order (each node after its inputs): ${this.reply.order
      .map((id) => nodes[id].name ?? (nodes[id].op === "input" || nodes[id].op === "const" ? nodes[id].label : `#${id} ${nodes[id].op}`)).join(" → ")}. `
      + (this.mode === "reverse" ? "Reverse mode walks it backwards: a node's gradient is complete only once every node that uses it has sent its part."
        : "Forward mode walks it forwards: a node's tangent needs its inputs' tangents first.");
  }

  /** show the graph after `k` steps (0: none yet) */
  go(k) {
    if (!this.reply) return;
    const total = this.steps.length;
    this.k = Math.max(0, Math.min(total, k));
    const { nodes } = this.reply;
    for (const b of Object.values(this.boxes)) {
      b.g.classList.remove("current", "done");
      b.g.removeAttribute("data-grad");
      b.g.removeAttribute("data-tangent");
      b.grad.textContent = "";
    }
    for (const e of Object.values(this.edges)) { e.g.classList.remove("flowing"); e.flow.textContent = ""; }
    if (this.mode === "reverse") this.showReverse(nodes);
    else this.showForward(nodes);
    $("graph-progress").textContent = `${this.k} of ${total} nodes`;
    document.querySelector("[data-action=graph-back]").disabled = this.k === 0;
    document.querySelector("[data-action=graph-step]").disabled = this.k === total;
    document.querySelector("[data-action=graph-run]").disabled = this.k === total;
    this.summary();
    this.settleLabels();
  }

  /** the texts on the edges and under the nodes moved off each other and off the nodes, and the
   *  drawing grown to hold every one of them (a label was drawn over another, or cut) */
  settleLabels() {
    const svg = this.svg;
    // the nodes' own texts first, then the edges' (a flowing one before a resting one)
    const texts = [".gname", ".ggrad", ".gflow", ".glocal"].flatMap((c) => [...svg.querySelectorAll(c)]).filter((t) => t.textContent);
    for (const t of texts) t.removeAttribute("transform");
    const box = (b) => ({ x: b.x - 2, y: b.y - 1, w: b.width + 4, h: b.height + 2 });
    const nodes = [...svg.querySelectorAll(".gnode circle")].map((c) => box(c.getBBox()));
    const moves = placeLabels(texts.map((t) => box(t.getBBox())), nodes, 6, 10);
    texts.forEach((t, k) => { if (moves[k]) t.setAttribute("transform", `translate(0 ${moves[k]})`); });
    const all = svg.getBBox();
    const pad = 8;
    svg.setAttribute("viewBox", `${all.x - pad} ${all.y - pad} ${all.width + 2 * pad} ${all.height + 2 * pad}`);
    svg.style.width = `${Math.round(all.width + 2 * pad)}px`;
  }

  showReverse(nodes) {
    const done = this.steps.slice(0, this.k);
    const last = done[done.length - 1];
    const partial = last ? last.partial : null;
    const received = last ? last.received : null;
    // with two outputs a gradient says whose it is: ∂stable = 0.5
    const two = Boolean(this.reply.outputs);
    const grad = two ? `∂${this.outName(this.output)} =` : "grad";
    for (const s of done) {
      const b = this.boxes[s.node];
      b.g.classList.add("done");
      b.g.classList.toggle("off-path", !s.on);
      b.g.dataset.grad = String(s.grad);
      b.grad.textContent = `${grad} ${num(s.grad)}`;         // off the output's path: 0, and drawn faint
    }
    if (partial) {                 // nodes not reached yet: what they have received so far
      for (const n of nodes) {
        if (done.some((s) => s.node === n.id)) continue;
        const got = received[n.id];
        if (got.length) this.boxes[n.id].grad.textContent = `${grad} ${got.length > 1 ? got.map((c) => num(c, 3)).join(" + ") + " = " : ""}${num(partial[n.id])} so far`;
      }
    }
    if (!last) {
      $("graph-caption").textContent = `Reverse mode starts at the output${two ? `, ${this.outName(this.output)}` : ""}: its gradient with respect to itself is 1. Press Next node.`;
      return;
    }
    this.boxes[last.node].g.classList.add("current");
    last.sends.forEach((s, k) => {
      const e = this.edges[`${last.node}-${k}`];
      e.g.classList.add("flowing");
      e.flow.textContent = `${num(s.local, 3)} × ${num(s.upstream, 3)} = ${num(s.contribution, 3)}`;
    });
    const n = nodes[last.node];
    const reuse = last.sends.length === 2 && last.sends[0].input === last.sends[1].input;
    $("graph-caption").textContent = last.sends.length
      ? `${n.name ?? n.label}: its gradient ${num(last.grad)} goes back to its input${last.sends.length > 1 ? "s" : ""}, each as local derivative × upstream gradient${reuse ? "; both go to the same node, whose gradient therefore grows by += twice" : ""}.`
      : `${n.label}: a leaf. Its gradient ${num(last.grad)} is the sum of what the nodes using it sent${this.k === this.steps.length ? ". Every gradient is done." : "."}`;
  }

  showForward(nodes) {
    const wrt = $("graph-wrt").value;
    const done = this.reply.order.slice(0, this.k);
    for (const id of done) {
      const b = this.boxes[id];
      b.g.classList.add("done");
      b.g.dataset.tangent = String(nodes[id].tangent);
      b.grad.textContent = `ṫ ${num(nodes[id].tangent)}`;
    }
    const id = done[done.length - 1];
    if (id === undefined) {
      $("graph-caption").textContent = `Forward mode carries d/d${wrt} forward: ${wrt}’s tangent is 1, every other input’s 0. Press Next node.`;
      return;
    }
    const n = nodes[id];
    this.boxes[id].g.classList.add("current");
    n.inputs.forEach((input, k) => {
      const e = this.edges[`${id}-${k}`];
      e.g.classList.add("flowing");
      e.flow.textContent = `${num(n.local[k], 3)} × ${num(nodes[input].tangent, 3)}`;
    });
    $("graph-caption").textContent = n.inputs.length
      ? `${n.name ?? n.label}: tangent = Σ local derivative × input’s tangent = ${num(n.tangent)}.`
      : `${n.label}: ${n.op === "input" ? (n.label === wrt ? "the input we differentiate by: tangent 1" : "another input: tangent 0") : "a constant: tangent 0"}.`;
  }

  /** what the steps so far have found: each input's gradient once reverse mode reaches it (its
   *  tangent once forward mode has run through), the checks and the Jacobian at the end */
  summary() {
    const r = this.reply;
    const box = $("graph-summary");
    const lines = [];
    const complete = this.k === this.steps.length;
    box.dataset.complete = String(complete);
    const outs = r.outputs ?? [r.output];
    const row = outs.indexOf(this.output);
    const gradients = row > 0 ? Object.fromEntries(r.inputs.map((n, c) => [n, r.jacobian.matrix[row][c]])) : r.gradients;
    if (this.mode === "reverse") {
      const reached = new Set(this.steps.slice(0, this.k).map((s) => s.node));
      const inputId = (name) => r.nodes.find((n) => n.op === "input" && n.label === name).id;
      lines.push(`Gradients${outs.length > 1 ? ` of ${this.outName(this.output)}` : ""} (reverse mode, one pass): ${r.inputs.map((n) => `∂/∂${n} = ${reached.has(inputId(n)) ? num(gradients[n], 6) : "? (not reached yet)"}`).join(", ")}.`);
    } else {
      const wrt = $("graph-wrt").value;
      lines.push(`Forward mode, tangents of ${wrt}: ${complete ? outs.map((id) => `d${this.outName(id)}/d${wrt} = ${num(r.nodes[id].tangent, 6)}`).join(", ") : "? (run it through)"}.`);
    }
    if (!complete) {
      lines.push("The finite-difference check, the Jacobian and the rest come when every node is done.");
      box.replaceChildren(...lines.map((t) => Object.assign(document.createElement("p"), { textContent: t })));
      $("graph-contour").hidden = true;
      return;
    }
    const agree = r.inputs.every((n) => r.gradients[n] !== null && r.finite_differences[n] !== null
      && Math.abs(r.gradients[n] - r.finite_differences[n]) <= 1e-6 * Math.max(1, Math.abs(r.finite_differences[n])));
    lines.push(`Finite differences (extended precision${outs.length > 1 ? `, of ${this.outName(outs[0])}` : ""}): ${r.inputs.map((n) => `${num(r.finite_differences[n], 6)}`).join(", ")}: `
      + (agree ? "they agree with the gradients." : "they differ somewhere (a kink such as |x| or relu at 0, or a value that is not finite)."));
    if (r.jacobian) {
      lines.push(`Two outputs: the Jacobian, one row per output (reverse mode fills it row by row, one backward each) and one column per input (forward mode fills it column by column, one pass each): `
        + r.jacobian.matrix.map((row) => `[${row.map((v) => num(v, 4)).join(", ")}]`).join(" "));
    }
    lines.push("Forward mode needs one pass per input; reverse mode one pass per output: for a loss of many weights, reverse mode (backpropagation) wins.");
    if (r.hessian) {
      const H = r.hessian;
      lines.push(`Hessian (${H.method}): [${H.matrix.map((row) => row.map((v) => num(v, 4)).join(", ")).join("; ")}], eigenvalues ${H.eigenvalues.map((v) => num(v, 4)).join(" and ")}: ${H.kind}.`);
    }
    box.replaceChildren(...lines.map((t) => Object.assign(document.createElement("p"), { textContent: t })));
    this.contourPlot();
  }

  /** a two-input function: its level curves around the point, and the gradient arrow there,
   *  perpendicular to the level curve through it */
  contourPlot() {
    const r = this.reply, figure = $("graph-contour");
    figure.hidden = !r.grid;
    if (!r.grid) return;
    const canvas = $("contour"), ctx = canvas.getContext("2d");
    const { x, y, values, names } = r.grid;
    const res = x.length, W = canvas.width, H = canvas.height;
    const flat = values.flat();
    const finite = flat.filter((v) => v !== null);
    const lo = Math.min(...finite), hi = Math.max(...finite);
    const img = ctx.createImageData(res, res);
    flat.forEach((v, k) => {
      const t = v === null ? 0 : hi > lo ? (2 * (v - lo)) / (hi - lo) - 1 : 0;
      const [R, G, B] = divergingBytes(t, 0.45);
      const row = res - 1 - Math.floor(k / res), col = k % res;      // y grows upwards
      const p = (row * res + col) * 4;
      img.data[p] = R; img.data[p + 1] = G; img.data[p + 2] = B; img.data[p + 3] = 255;
    });
    const off = document.createElement("canvas");
    off.width = off.height = res;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, W, H);
    const px = (c) => (c / (res - 1)) * W, py = (rr) => H - (rr / (res - 1)) * H;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.55)";
    ctx.lineWidth = 1;
    for (let k = 1; k < 8; k++) {
      ctx.beginPath();
      for (const [[c1, r1], [c2, r2]] of contour(flat, res, lo + ((hi - lo) * k) / 8)) {
        ctx.moveTo(px(c1), py(r1));
        ctx.lineTo(px(c2), py(r2));
      }
      ctx.stroke();
    }
    // the point and its gradient, drawn in the plot's own units (one unit of x as of y)
    const [vx, vy] = names.map((n) => this.reply.nodes.find((node) => node.op === "input" && node.label === n).value);
    const toPx = (a, b) => [((a - x[0]) / (x[res - 1] - x[0])) * W, H - ((b - y[0]) / (y[res - 1] - y[0])) * H];
    const [cx, cy] = toPx(vx, vy);
    const [gx, gy] = names.map((n) => r.gradients[n]);
    const size = Math.hypot(gx, gy);
    ctx.fillStyle = "#000";
    ctx.beginPath();
    ctx.arc(cx, cy, 4, 0, 2 * Math.PI);
    ctx.fill();
    if (size > 0) {
      const [ex, ey] = toPx(vx + (gx / size) * (x[res - 1] - x[0]) * 0.2, vy + (gy / size) * (y[res - 1] - y[0]) * 0.2);
      ctx.strokeStyle = "#7a3db8";
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.moveTo(cx, cy);
      ctx.lineTo(ex, ey);
      ctx.stroke();
      const ang = Math.atan2(ey - cy, ex - cx);
      ctx.beginPath();
      ctx.moveTo(ex, ey);
      ctx.lineTo(ex - 10 * Math.cos(ang - 0.4), ey - 10 * Math.sin(ang - 0.4));
      ctx.lineTo(ex - 10 * Math.cos(ang + 0.4), ey - 10 * Math.sin(ang + 0.4));
      ctx.closePath();
      ctx.fillStyle = "#7a3db8";
      ctx.fill();
    }
    canvas.dataset.drawn = "true";
    $("contour-caption").textContent = `Level curves of the output over ${names[0]} (across) and ${names[1]} (up), `
      + `${fmt(x[0], 3)} to ${fmt(x[res - 1], 3)} and ${fmt(y[0], 3)} to ${fmt(y[res - 1], 3)}; the arrow is the gradient `
      + `(${fmt(gx, 3)}, ${fmt(gy, 3)}) at the point: the way up, perpendicular to the level curve through it.`;
  }
}

new GraphLab();
