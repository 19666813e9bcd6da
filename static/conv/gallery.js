// the training images of a CNN session as thumbnails on one canvas (in place of the data plot):
// each underlined in its class's colour, the followed one ringed, those outside the minibatch
// faded; a click follows an image
import { CLASS_BYTES, divergingBytes, INK } from "../core/colors.js";

const PX = 3;        // canvas pixels per image pixel
const GAP = 9;       // between thumbnails (room for the class bar and the ring)

/** where thumbnail n sits: its column and row in a grid of `perRow` */
export function thumbPlace(n, perRow) {
  return { col: n % perRow, row: Math.floor(n / perRow) };
}

/** the thumbnail at canvas point (x, y), or null between thumbnails or past the last */
export function thumbAt(x, y, { perRow, size, count }) {
  const step = size + GAP;
  const col = Math.floor(x / step), row = Math.floor(y / step);
  if (col < 0 || col >= perRow || row < 0 || x - col * step >= size || y - row * step >= size) return null;
  const n = row * perRow + col;
  return n < count ? n : null;
}

/** the class of a target row: its one 0/1 value, or the index of its 1 */
export function classOf(y) {
  return y.length === 1 ? Math.round(y[0]) : y.indexOf(Math.max(...y));
}

/** The thumbnails on `canvas`; `onPick(n)` follows training image n. */
export class ImageGallery {
  constructor(canvas, { onPick }) {
    this.canvas = canvas;
    this.X = [];
    this.Y = [];
    this.selected = 0;
    this.batch = null;
    canvas.addEventListener("click", (e) => {
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const n = thumbAt((e.clientX - box.left) * scale, (e.clientY - box.top) * scale, this.layout ?? {});
      if (n !== null && n !== undefined) onPick(n);
    });
    // the keyboard: arrows move to the next image, the row above or below
    canvas.addEventListener("keydown", (e) => {
      const layout = this.layout;
      const move = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -(layout?.perRow ?? 1), ArrowDown: layout?.perRow ?? 1 }[e.key];
      if (!move || !layout) return;
      e.preventDefault();
      const n = Math.max(0, Math.min(layout.count - 1, this.selected + move));
      if (n !== this.selected) onPick(n);
    });
  }

  /** the training images X (n, C, H, W) and their targets */
  setData(X, Y) {
    this.X = X;
    this.Y = Y;
    const [, H, W] = [X[0].length, X[0][0].length, X[0][0][0].length];
    const size = Math.max(H, W) * PX;
    const perRow = Math.max(1, Math.floor((300 + GAP) / (size + GAP)));
    this.layout = { perRow, size, count: X.length, H, W };
    this.canvas.width = perRow * (size + GAP) - GAP;
    this.canvas.height = Math.ceil(X.length / perRow) * (size + GAP);
    this.draw();
  }

  setSelected(n) {
    if (n === this.selected) return;
    this.selected = n;
    this.draw();
  }

  /** the indices of the current minibatch, or null for every image */
  setBatch(indices) {
    this.batch = indices ? new Set(indices) : null;
    this.draw();
  }

  draw() {
    const { canvas, layout } = this;
    if (!layout) return;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const { perRow, size, H, W } = layout;
    const image = ctx.createImageData(size, size);
    this.X.forEach((x, n) => {
      const { col, row } = thumbPlace(n, perRow);
      const left = col * (size + GAP), top = row * (size + GAP);
      const fade = this.batch && !this.batch.has(n) ? 0.65 : 0;
      for (let r = 0; r < H * PX; r++) {
        for (let c = 0; c < W * PX; c++) {
          // the first channel (the images here have one); values around 0 … 1
          const [red, green, blue] = divergingBytes(x[0][Math.floor(r / PX)][Math.floor(c / PX)], fade);
          const at = 4 * (r * size + c);
          image.data[at] = red;
          image.data[at + 1] = green;
          image.data[at + 2] = blue;
          image.data[at + 3] = 255;
        }
      }
      ctx.putImageData(image, left, top);
      const k = classOf(this.Y[n]);
      const [cr, cg, cb] = CLASS_BYTES[k % CLASS_BYTES.length];
      ctx.fillStyle = `rgba(${cr},${cg},${cb},${fade ? 0.35 : 1})`;
      ctx.fillRect(left, top + size + 1, size, 3);      // the class, under the image
      if (n === this.selected) {
        ctx.strokeStyle = INK;
        ctx.lineWidth = 2;
        ctx.strokeRect(left - 2, top - 2, size + 4, size + 9);
      }
    });
  }
}
