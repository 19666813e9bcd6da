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

let commas = false;

/** the layer sizes of the network on screen: with a hidden layer of 10 units or more, hidden
 *  units are written h₁,₁₀ (h₁₁₀ reads two ways) */
export function setLayerSizes(sizes) {
  commas = sizes.slice(1, -1).some((n) => n >= 10);
}

/** "x₁", "h₁₂" (layer 1, unit 2), "ŷ₁": one-based names learners can say aloud; everything the
 *  page names for people counts from 1 (the API counts from 0, and says so where it shows) */
export function unitName(L, i, last, outputs) {
  if (L === 0) return inputNames && inputNames[i] ? inputNames[i] : `x${subscript(i + 1)}`;
  if (L === last) return outputs > 1 ? `ŷ${subscript(i + 1)}` : "ŷ";
  return `h${subscript(L)}${commas ? "," : ""}${subscript(i + 1)}`;
}

/** sample `n` of the API (0-based) as people count it: "#1" for the first */
export const sampleName = (n) => `#${n + 1}`;

/** a class of the data: a binary task's target value (y = 0, y = 1); a multiclass task's class
 *  by its output unit, ŷₖ's class k (counted from 1, as the outputs are) */
export function className(k, task) {
  return task === "multiclass" ? `class ${k + 1}` : `y = ${k}`;
}

/** weight (L, i, j) in the API's own indices, which count from 0: "layers[0].W[1][2]" */
export const apiWeight = (L, i, j) => `layers[${L - 1}].W[${i}][${j}]`;
