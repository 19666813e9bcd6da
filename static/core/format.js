// numbers for people: a few significant digits, a real minus sign

/** x with `digits` significant digits; exponent form for very small or large values */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return "—";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : (x > 0 ? "∞" : "−∞");
  if (x === 0) return "0";
  const ax = Math.abs(x);
  let s;
  if (ax >= 1e-4 && ax < 1e6) {
    s = Number(x.toPrecision(digits)).toString();
    if (s.includes("e")) s = x.toFixed(Math.max(0, digits - 1 - Math.floor(Math.log10(ax))));
  } else {
    const [m, e] = x.toExponential(digits - 1).split("e");
    s = `${Number(m)}×10${superscript(Number(e))}`;
  }
  return s.replace(/^-/, "−");
}

/** with a leading + for positive values (for changes) */
export function fmtSigned(x, digits = 4) {
  const s = fmt(x, digits);
  return x > 0 ? `+${s}` : s;
}

const SUPERSCRIPTS = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

function superscript(n) {
  return String(n).split("").map((c) => SUPERSCRIPTS[c] ?? c).join("");
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

/** 12 -> "₁₂" */
export function subscript(n) {
  return String(n).split("").map((c) => SUBSCRIPTS[Number(c)]).join("");
}

/** The significant digits to show `operands` with so that `combine` of them, as shown, gives
 *  `result` as shown (at `digits`): 4 as a rule, more where rounding would show a wrong sum,
 *  e.g. 1 − a² with a = −0.99999999998 (1 − (−1)² = 0 is not 4.8×10⁻¹¹). */
export function operandDigits(operands, combine, result, digits = 4) {
  if (result === null || operands.some((x) => x === null || !Number.isFinite(x))) return digits;
  const target = fmt(result, digits);
  for (let d = digits; d <= 17; d++) {
    const shown = operands.map((x) => Number(x.toPrecision(d)));
    if (fmt(combine(...shown), digits) === target) return d;
  }
  return 17;
}

/** text as a sentence: a full stop at the end unless it ends with one already ("page.." no more) */
export function sentence(text) {
  const t = String(text).trimEnd();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** how many of `total` points a share `accuracy` is, and its percent rounded as a person would
 *  (113 of 200 is 57 %, where Math.round(0.565 * 100) gives 56) */
export function rightOf(accuracy, total) {
  const count = Math.round(accuracy * total);
  return { count, percent: Math.round((count * 100) / total) };
}
