// the forward pass as a movement: the inputs go in, then layer by layer z = Σ a_prev·w + b and
// a = f(z), to the loss; the values are on the nodes already, each layer's light up in its turn
import { activationFormula } from "../core/catalog.js";

/** back to the drawing with every value shown */
export function clearForward(view) {
  for (const cls of ["pending", "lit-fwd"]) {
    for (const node of view.svg.querySelectorAll(`.${cls}`)) node.classList.remove(cls);
  }
}

/** The stages of the forward movement: inputs, then each layer's z and a, then the loss. */
export function forwardStages(view) {
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
    list.push({
      caption: `${where}: z = Σ a_prev · w + b, each unit weighing what the layer before sent along its weights, plus its bias.`,
      apply: () => {
        view.nodes[L - 1].forEach((n) => n.g.classList.remove("current"));
        into.forEach((e) => e.g.classList.add("lit-fwd"));
        nodes.forEach((n) => n.g.classList.add("current"));
      },
    });
    list.push({
      caption: `${where}: a = ${activationFormula(view.activations[L - 1])}, the activation, is what the unit sends on.`,
      apply: () => {
        into.forEach((e) => e.g.classList.remove("lit-fwd"));
        nodes.forEach((n) => n.g.classList.remove("pending"));
      },
    });
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
