// small helpers for drawing SVG that is restyled many times a second
const SVG = "http://www.w3.org/2000/svg";

export function svgEl(tag, attrs = {}, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

/** squeeze an SVG text into `width` when it is longer (a long loss such as 1.197×10⁻⁵); its
 *  length is measured once per text (a measure after every change would lay the page out
 *  again for each node, every Play tick) */
export function fitText(text, width, content) {
  if (text.textContent === content) return;
  text.textContent = content;
  text.removeAttribute("textLength");
  text.removeAttribute("lengthAdjust");
  if (textWidth(content, text === undefined ? "" : text.getAttribute("class")) > width) {
    text.setAttribute("textLength", width);
    text.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }
}
const FONTS = { value: "600 13px system-ui, sans-serif" };   // as style.css sets them
let measurer = null;

/** a text's width in the drawing's units, measured on a canvas (no layout of the page) */
export function textWidth(content, cls) {
  measurer = measurer ?? document.createElement("canvas").getContext("2d");
  measurer.font = FONTS[cls] ?? "700 16px system-ui, sans-serif";
  return measurer.measureText(content).width;
}

/** a width to the nearest quarter of a unit: what an eye can tell apart, and a line whose width
 *  moved less than that is not drawn again */
export const quarter = (x) => (Math.round(x * 4) / 4).toFixed(2);

/** set an attribute only when its value changes (a restyle per Play tick touches hundreds) */
export function put(el, name, value) {
  const cache = el._put ?? (el._put = {});
  if (cache[name] === value) return;
  cache[name] = value;
  el.setAttribute(name, value);
}
