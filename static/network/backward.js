// the backward pass as a movement: from the loss, layer by layer, back to the inputs
import { showGradText } from "./netstyle.js";

/** no gradient lit: the drawing before a Backward (or after a reset); with `keepEdges` the
 *  weights' halos stay lit (a Play tick lights them all again: taking the class off and putting
 *  it back would restyle every weight each tick) */
export function clearLit(view, keepEdges = false) {
  for (const cls of ["lit", "lit-da", "lit-dz", "current"]) {
    for (const node of view.svg.querySelectorAll(`.${cls}`)) {
      if (!(keepEdges && cls === "lit" && node.classList.contains("edge"))) node.classList.remove(cls);
    }
  }
  for (const row of view.nodes ?? []) for (const n of row) showGradText(n);
  view.caption.textContent = "";
}

/** how ∂L/∂z comes from ∂L/∂a in a layer, in words: through the activation's slope, and
 *  through dropout's mask or batch norm's three terms when the layer has them */
export function slopeCaption(where, fused, option) {
  if (fused) return `${where}: ∂L/∂z = (a − y)/n (softmax and cross-entropy together).`;
  const bn = option && option.batch_norm, p = option && option.dropout;
  const mask = p ? ` · mask/(1 − ${p}) (0 for a dropped unit)` : "";
  if (bn) return `${where}: ∂L/∂y = f′(y) · ∂L/∂a${mask}, then ∂L/∂z through batch norm: ẑ’s own term and the batch’s mean and variance.`;
  return `${where}: ∂L/∂z = f′(z) · ∂L/∂a${mask} (dark rings: |∂L/∂z|, wider for larger).`;
}

/** The stages of the backward movement: from the loss, layer by layer, back to the inputs; with
 *  `merged` one stage a layer (a deep network's movement stays short). */
export function backwardStages(view, merged = false) {
  const list = [{ caption: "The loss starts it: ∂L/∂L = 1, and the loss gives ∂L/∂a of each output.", apply: () => view.lossGroup.classList.add("lit") }];
  for (let L = view.last; L >= 1; L--) {
    const where = L === view.last ? "Output layer" : `Hidden layer ${L}`;
    const nodes = view.nodes[L];
    const edges = view.edgesDrawn ? view.edges[L].flat() : [];
    const fused = view.activations[L - 1] === "softmax";
    const stages = [{
      caption: L === view.last
        ? `${where}: ∂L/∂a, how the loss changes with each output.`
        : `${where}: ∂L/∂a = Σ ∂L/∂z · w, gathered back along the weights of the layer after it.`,
      apply: () => nodes.forEach((n) => { n.g.classList.add("lit-da", "current"); showGradText(n); }),
    }, {
      caption: slopeCaption(where, fused, L < view.last ? (view.options ?? [])[L - 1] : null),
      apply: () => nodes.forEach((n) => { n.g.classList.add("lit-dz"); showGradText(n); }),
    }, {
      caption: `Weights into the ${where.toLowerCase()}: dW = a_prevᵀ · ∂L/∂z, summed over the batch (halos: purple dW > 0, green dW < 0).`,
      apply: () => {
        nodes.forEach((n) => n.g.classList.remove("current"));
        edges.forEach((e) => e.g.classList.add("lit"));
      },
    }];
    if (merged) {
      const option = L < view.last ? (view.options ?? [])[L - 1] : null;
      const slope = fused ? "∂L/∂z = (a − y)/n" : option && option.batch_norm
        ? "∂L/∂y = f′(y) · ∂L/∂a, ∂L/∂z through batch norm’s three terms" : "∂L/∂z = f′(z) · ∂L/∂a";
      list.push({ caption: `${where}: ∂L/∂a, ${slope}, then dW = a_prevᵀ · ∂L/∂z.`,
                  apply: () => stages.forEach((s) => s.apply()) });
    } else list.push(...stages);
  }
  list.push({
    caption: "Inputs: ∂L/∂x, the end of the chain. Every weight now has its gradient: Step will use them.",
    apply: () => view.nodes[0].forEach((n) => { n.g.classList.add("lit-da", "lit-dz"); showGradText(n); }),
  });
  return list;
}
