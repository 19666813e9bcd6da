// the names learners say aloud: "hidden layer 1", "h₁₂", "ŷ"
import { subscript } from "./format.js";

/** "hidden layer 1", "output layer", "input" for node layer L of a net with `last` as output */
export function layerName(L, last) {
  if (L === 0) return "input";
  if (L === last) return "output layer";
  return `hidden layer ${L}`;
}

/** how each input feature is written ("x1^2" → "x₁²") */
export const FEATURE_LABELS = { x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin x₁", "sin(x2)": "sin x₂" };
let inputNames = null;

/** the names of the network's inputs when they are features of the points (null: x₁, x₂, …) */
export function setInputNames(features) {
  inputNames = features ? features.map((f) => FEATURE_LABELS[f] ?? f) : null;
}

/** "x₁", "h₁₂" (layer 1, unit 2), "ŷ₁": one-based names learners can say aloud */
export function unitName(L, i, last, outputs) {
  if (L === 0) return inputNames && inputNames[i] ? inputNames[i] : `x${subscript(i + 1)}`;
  if (L === last) return outputs > 1 ? `ŷ${subscript(i + 1)}` : "ŷ";
  return `h${subscript(L)}${subscript(i + 1)}`;
}
