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
