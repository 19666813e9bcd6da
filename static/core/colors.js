// a blue/orange diverging scale (readable with red-green colour blindness) and class colours

const NEG = [33, 102, 172];     // blue
const MID = [246, 246, 246];    // near white
const POS = [224, 112, 10];     // orange

/** rgb() for t in [-1, 1]: -1 blue, 0 white, +1 orange (clamped). */
export function diverging(t, fade = 0) {
  if (t === null || t === undefined || Number.isNaN(t)) return "rgb(200,200,200)";
  const u = Math.max(-1, Math.min(1, t));
  const end = u < 0 ? NEG : POS;
  const k = Math.abs(u) * (1 - fade);
  const c = MID.map((m, n) => Math.round(m + (end[n] - m) * k));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** the same scale as [r, g, b] bytes, for pixels */
export function divergingBytes(t, fade = 0) {
  const u = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  const end = u < 0 ? NEG : POS;
  const k = Math.abs(u) * (1 - fade);
  return MID.map((m, n) => Math.round(m + (end[n] - m) * k));
}

/** where an activation's value sits on the scale: probabilities around 0.5, others around 0 */
export function activationT(value, activation) {
  if (value === null || value === undefined) return null;
  if (activation === "sigmoid" || activation === "softmax") return 2 * value - 1;
  return value;
}

// class 0 blue, class 1 orange (the ends of the scale), class 2 bluish green (Okabe-Ito)
// classes 0-2 as before; 3-9 (a CSV of one's own may have up to 10) from the Tableau 10 palette
export const CLASS_COLORS = ["#2166ac", "#d96a00", "#009e73", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                             "#7f7f7f", "#bcbd22", "#17becf"];
// the same for text on white: at least 4.5:1 (WCAG AA); the orange of the points is 3.5:1
export const CLASS_TEXT_COLORS = ["#2166ac", "#a34f00", "#00745a", "#b01f20", "#7a4fa3", "#7a4a40", "#b0447f",
                                  "#5f5f5f", "#7a7a10", "#0e7f8a"];
export const CLASS_BYTES = [[33, 102, 172], [224, 112, 10], [0, 158, 115], [214, 39, 40], [148, 103, 189],
                            [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
export const CLASS_SHAPES = ["circle", "square", "triangle"];
export const INK = "#1d1d1f";

// a gradient's sign: purple where dW > 0 (Step lowers w), green where dW < 0 (Step raises it);
// purple against green reads with red-green colour blindness, and is neither the blue nor the
// orange of the weights underneath
export const GRAD_POS = "#762a83";
export const GRAD_NEG = "#1b7837";
export const GRAD_FLOOR = 1e-6;    // a gradient this small or smaller draws no halo

/** the width of a gradient's halo on a fixed log scale, the same after every Backward: 0 at
 *  |g| ≤ 1e-6, then 2.4 px a decade up to 14 px at |g| ≥ 1, so shrinking gradients thin out */
export function logWidth(g, { perDecade = 2.4, max = 14 } = {}) {
  if (g === null || g === undefined || !Number.isFinite(g) || g === 0) return 0;
  return Math.max(0, Math.min(max, perDecade * (Math.log10(Math.abs(g)) - Math.log10(GRAD_FLOOR))));
}
