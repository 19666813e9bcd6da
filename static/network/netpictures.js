// each unit's picture: its output over the input plane (2-D inputs only), painted on its own canvas
import { activationT, divergingBytes } from "../core/colors.js";

/** Each unit's picture of its output over the input plane (2-D inputs only), painted on its
 *  own canvas. */
export function paintPictures(view, pred) {
  if (!view.pictures || !pred || pred.kind !== "grid" || !pred.units) return;
  const res = pred.unit_resolution;
  const paint = (canvas, valueAt, act) => {
    if (!canvas) return;                  // a layout of dots has no pictures
    if (canvas.width !== res) canvas.width = canvas.height = res;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(res, res);
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        // row r of the grid is y from low to high; canvas rows go top down
        const [R_, G, B] = divergingBytes(activationT(valueAt(r, c), act));
        const p = ((res - 1 - r) * res + c) * 4;
        img.data[p] = R_; img.data[p + 1] = G; img.data[p + 2] = B; img.data[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    canvas.dataset.painted = "true";
  };
  const [[x0, x1], [y0, y1]] = pred.bounds;
  const span = (lo, hi, t) => lo + (hi - lo) * t;
  const inputs = [
    (r, c) => span(x0, x1, c / (res - 1)),
    (r, c) => span(y0, y1, r / (res - 1)),
  ];
  for (let i = 0; i < view.sizes[0]; i++) {
    // an input feature's own picture (x₁², sin x₂ …) comes with the reply; x₁, x₂ are the plane itself
    const own = pred.inputs ? pred.inputs[i] : null;
    paint(view.nodes[0][i].picture, own ? (r, c) => own[r * res + c] : inputs[i], "linear");
  }
  for (let L = 1; L <= view.last; L++) {
    const act = view.activations[L - 1];
    for (let i = 0; i < view.sizes[L]; i++) {
      const values = pred.units[L - 1][i];
      paint(view.nodes[L][i].picture, (r, c) => values[r * res + c], act);
    }
  }
}
