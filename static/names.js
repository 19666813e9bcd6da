// the names learners say aloud: "hidden layer 1", "h₁₂", "ŷ"
import { subscript } from "./format.js";

/** "hidden layer 1", "output layer", "input" for node layer L of a net with `last` as output */
export function layerName(L, last) {
  if (L === 0) return "input";
  if (L === last) return "output layer";
  return `hidden layer ${L}`;
}

/** "x₁", "h₁₂" (layer 1, unit 2), "ŷ₁": one-based names learners can say aloud */
export function unitName(L, i, last, outputs) {
  if (L === 0) return `x${subscript(i + 1)}`;
  if (L === last) return outputs > 1 ? `ŷ${subscript(i + 1)}` : "ŷ";
  return `h${subscript(L)}${subscript(i + 1)}`;
}
