// a few helpers to build MathML with DOM calls (no innerHTML, no library)
import { fmt } from "../core/format.js";

const NS = "http://www.w3.org/1998/Math/MathML";

/** a MathML element; string children become text */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export const row = (...c) => el("mrow", {}, ...c);
export const mi = (s, attrs = {}) => el("mi", attrs, s);
export const mo = (s) => el("mo", {}, s);
export const mn = (s) => el("mn", {}, String(s));
export const mtext = (s) => el("mtext", {}, s);
export const frac = (a, b) => el("mfrac", {}, a, b);
export const sub = (base, s) => el("msub", {}, typeof base === "string" ? mi(base) : base,
                                   typeof s === "string" ? mi(s) : s);
export const sup = (base, s) => el("msup", {}, typeof base === "string" ? mi(base) : base,
                                   typeof s === "string" ? mi(s) : s);
export const subsup = (base, s, p) => el("msubsup", {}, typeof base === "string" ? mi(base) : base,
                                         typeof s === "string" ? mi(s) : s, typeof p === "string" ? mi(p) : p);
export const paren = (...c) => row(mo("("), ...c, mo(")"));
export const times = () => mo("·");
export const eq = () => mo("=");

/** a number, in brackets when negative and `bracket` is set (so "0.5 · (−0.45)" reads right) */
export function num(x, { bracket = false, digits = 4, cls } = {}) {
  const node = el("mn", cls ? { class: cls } : {}, fmt(x, digits));
  return bracket && x < 0 ? paren(node) : node;
}

/** ∂top/∂bottom */
export function partial(top, bottom) {
  const wrap = (x) => (typeof x === "string" ? mi(x) : x);
  return frac(row(mo("∂"), wrap(top)), row(mo("∂"), wrap(bottom)));
}

/** a block <math> holding one row; `alttext` is its plain-text reading */
export function math(alttext, ...children) {
  return el("math", { display: "block", alttext }, row(...children));
}

/** like math(), but a long chain a = b = c = d breaks after its first equation:
    "a = b" on one line and "= c = d" under it */
export function mathLines(alttext, ...children) {
  const items = children.flat().filter((c) => c !== null && c !== undefined && c !== false);
  const eqs = items.map((c, k) => (c.localName === "mo" && c.textContent === "=" ? k : -1)).filter((k) => k >= 0);
  const wrap = document.createElement("div");
  wrap.className = "formula";
  if (eqs.length < 3) {
    wrap.append(math(alttext, ...items));
    return wrap;
  }
  wrap.append(math(alttext, ...items.slice(0, eqs[1])), math("", ...items.slice(eqs[1])));
  return wrap;
}
