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
export const CLASS_COLORS = ["#2166ac", "#d96a00", "#009e73"];
export const CLASS_BYTES = [[33, 102, 172], [224, 112, 10], [0, 158, 115]];
export const CLASS_SHAPES = ["circle", "square", "triangle"];
export const INK = "#1d1d1f";
