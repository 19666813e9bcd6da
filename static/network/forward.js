// the forward pass as a movement: the inputs go in, then layer by layer z = Σ a_prev·w + b and
// a = f(z), to the loss; the values are on the nodes already, each layer's light up in its turn
import { activationFormula } from "../core/catalog.js";

/** back to the drawing with every value shown */
export function clearForward(view) {
  for (const cls of ["pending", "lit-fwd"]) {
    for (const node of view.svg.querySelectorAll(`.${cls}`)) node.classList.remove(cls);
  }
}

/** how layer L's unit turns z into a, in words: the activation, and batch norm or dropout
 *  between them when the layer has them (`option` of the state's layer_options) */
export function activationCaption(where, activation, option) {
  const f = activationFormula(activation);
  const bn = option && option.batch_norm, p = option && option.dropout;
  const y = f.replace(/\bz\b/, "y");
  if (bn && p) return `${where}: batch norm ẑ = (z − μ)/√(σ² + ε) over the batch, y = γẑ + β, then a = ${y} · mask/(1 − ${p}) (dropout).`;
  if (bn) return `${where}: batch norm ẑ = (z − μ)/√(σ² + ε) over the batch, y = γẑ + β, then the activation a = ${y}.`;
  if (p) return `${where}: a = ${f} · mask/(1 − ${p}): the activation, then dropout switches each unit off with chance ${p}.`;
  return `${where}: a = ${f}, the activation, is what the unit sends on.`;
}

/** The stages of the forward movement: inputs, then each layer's z and a, then the loss; with
 *  `merged` one stage a layer (a deep network's movement stays short). */
export function forwardStages(view, merged = false) {
  const list = [{
    caption: "Forward: the batch’s inputs x go in (the values shown are the followed sample’s).",
    apply: () => {
      for (let L = 1; L <= view.last; L++) view.nodes[L].forEach((n) => n.g.classList.add("pending"));
      view.lossGroup.classList.add("pending");
      view.nodes[0].forEach((n) => n.g.classList.add("current"));
    },
  }];
  for (let L = 1; L <= view.last; L++) {
    const where = L === view.last ? "Output layer" : `Hidden layer ${L}`;
    const nodes = view.nodes[L];
    const into = view.edgesDrawn ? view.edges[L].flat() : [];
    const weigh = {
      caption: `${where}: z = Σ a_prev · w + b, each unit weighing what the layer before sent along its weights, plus its bias.`,
      apply: () => {
        view.nodes[L - 1].forEach((n) => n.g.classList.remove("current"));
        into.forEach((e) => e.g.classList.add("lit-fwd"));
        nodes.forEach((n) => n.g.classList.add("current"));
      },
    };
    const activate = {
      caption: activationCaption(where, view.activations[L - 1], L < view.last ? (view.options ?? [])[L - 1] : null),
      apply: () => {
        into.forEach((e) => e.g.classList.remove("lit-fwd"));
        nodes.forEach((n) => n.g.classList.remove("pending"));
      },
    };
    if (merged) {
      list.push({ caption: `${where}: z = Σ a_prev · w + b, then ${activate.caption.slice(where.length + 2)}`,
                  apply: () => { weigh.apply(); activate.apply(); } });
    } else list.push(weigh, activate);
  }
  list.push({
    caption: "The loss compares the outputs with the targets: one number for the whole batch. Backward starts from it.",
    apply: () => {
      view.nodes[view.last].forEach((n) => n.g.classList.remove("current"));
      view.lossGroup.classList.remove("pending");
      view.lossGroup.classList.add("current");
    },
  });
  return list;
}
