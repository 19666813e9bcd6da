// the arithmetic of a small CNN as the page shows it: each layer's shape, the window an output
// cell saw, the pixels a kernel weight touched, the output cells that saw a pixel; pure functions
// (tested in tests/js/convmath.test.js), no DOM

/** whether a session's config is a CNN: layer objects on images (C, H, W), not a list of sizes
 *  (nor layers on sequences, such as an attention head) */
export function isConvConfig(config) {
  return Boolean(config && Array.isArray(config.layers) && config.layers.length
    && typeof config.layers[0] === "object" && config.layers[0] !== null
    && Array.isArray(config.input_shape) && config.input_shape.length === 3);
}

/** each layer's output shape for `inputShape` [C, H, W]: [C, H, W] for image layers, [n] after
 *  flatten; a conv's size is ⌊(H + 2p − k)/stride⌋ + 1, a pool's ⌊H/size⌋ (PyTorch's floors) */
export function layerShapes(inputShape, specs) {
  const shapes = [];
  let shape = inputShape;
  for (const spec of specs) {
    if (spec.type === "conv2d") {
      const side = (n) => Math.floor((n + 2 * (spec.padding ?? 0) - spec.kernel) / (spec.stride ?? 1)) + 1;
      shape = [spec.channels, side(shape[1]), side(shape[2])];
    } else if (spec.type === "maxpool2d" || spec.type === "avgpool2d") {
      shape = [shape[0], Math.floor(shape[1] / spec.size), Math.floor(shape[2] / spec.size)];
    } else if (spec.type === "flatten") {
      shape = [shape.reduce((p, n) => p * n, 1)];
    } else {
      shape = [spec.units];
    }
    shapes.push(shape);
  }
  return shapes;
}

/** the input shape of layer k: the image's for k = 0, else layer k − 1's output */
export function inputShapeOf(k, inputShape, shapes) {
  return k === 0 ? inputShape : shapes[k - 1];
}

/** the top-left input cell of output cell (r, s)'s window, in the unpadded input's coordinates
 *  (negative or past the edge where the window lies on the zero padding) */
export function windowOrigin(r, s, { stride = 1, padding = 0 }) {
  return [r * stride - padding, s * stride - padding];
}

/** the k × k input values under output cell (r, s)'s window on channel c of `map` (C, H, W):
 *  {value, row, col, padded}, value 0 where the window lies on the padding */
export function patchAt(map, c, r, s, { kernel, stride = 1, padding = 0 }) {
  const [top, left] = windowOrigin(r, s, { stride, padding });
  const H = map[c].length, W = map[c][0].length;
  return Array.from({ length: kernel }, (_, u) => Array.from({ length: kernel }, (_, v) => {
    const row = top + u, col = left + v;
    const inside = row >= 0 && row < H && col >= 0 && col < W;
    return { value: inside ? map[c][row][col] : 0, row, col, padded: !inside };
  }));
}

/** the forward of output cell (o, r, s): every input channel's patch ⊙ kernel, their sum, plus b
 *  = z (a cross-correlation, as PyTorch's conv2d): {channels: [{c, patch, kernel, products, sum}], b, z} */
export function forwardCell(input, W, b, o, r, s, spec) {
  const channels = W[o].map((kernel, c) => {
    const patch = patchAt(input, c, r, s, spec);
    const products = patch.map((row, u) => row.map((p, v) => p.value * kernel[u][v]));
    const sum = products.flat().reduce((t, x) => t + x, 0);
    return { c, patch, kernel, products, sum };
  });
  return { channels, b: b[o], z: channels.reduce((t, ch) => t + ch.sum, 0) + b[o] };
}

/** the input cells kernel weight (u, v) multiplied, one per output position (r, s), as
 *  "row,col" keys of the unpadded input (positions on the padding are left out) */
export function kernelFootprint(u, v, outShape, inShape, { stride = 1, padding = 0 }) {
  const keys = [];
  for (let r = 0; r < outShape[1]; r++) {
    for (let s = 0; s < outShape[2]; s++) {
      const row = r * stride - padding + u, col = s * stride - padding + v;
      if (row >= 0 && row < inShape[1] && col >= 0 && col < inShape[2]) keys.push(`${row},${col}`);
    }
  }
  return keys;
}

/** the output cells whose window covers input pixel (row, col), with the kernel offset (u, v)
 *  that lay on it: row = r·stride − padding + u, so r = (row + padding − u)/stride when whole */
export function seenBy(row, col, outShape, { kernel, stride = 1, padding = 0 }) {
  const cells = [];
  for (let u = 0; u < kernel; u++) {
    for (let v = 0; v < kernel; v++) {
      const r = (row + padding - u) / stride, s = (col + padding - v) / stride;
      if (Number.isInteger(r) && Number.isInteger(s) && r >= 0 && r < outShape[1] && s >= 0 && s < outShape[2]) {
        cells.push({ u, v, r, s });
      }
    }
  }
  return cells;
}

/** an input chain's terms ({out, kernel: [u, v], position, weight, dL_dz, product}) of output
 *  channel `o` laid out as the flipped kernel: term (u, v) at [k−1−u][k−1−v], so that with
 *  stride 1 each cell sits where its ∂L/∂z cell lies around the pixel (null: no term there) */
export function flippedGrid(terms, o, kernel) {
  const grid = Array.from({ length: kernel }, () => Array(kernel).fill(null));
  for (const t of terms) {
    if (t.out === o) grid[kernel - 1 - t.kernel[0]][kernel - 1 - t.kernel[1]] = t;
  }
  return grid;
}

/** a kernel chain's terms ({position: [r, s], x, dL_dz, product}) as three H_out × W_out grids */
export function termGrids(terms, outShape) {
  const blank = () => Array.from({ length: outShape[1] }, () => Array(outShape[2]).fill(null));
  const x = blank(), dz = blank(), product = blank();
  for (const t of terms) {
    const [r, s] = t.position;
    x[r][s] = t.x;
    dz[r][s] = t.dL_dz;
    product[r][s] = t.product;
  }
  return { x, dz, product };
}

/** the window of pool output cell (r, s): its top-left input cell and size */
export function poolWindow(r, s, size) {
  return { top: r * size, left: s * size, size };
}

/** the largest |value| of nested arrays (0 for none): a heatmap's colour scale */
export function maxAbs(values) {
  if (values === null || values === undefined) return 0;
  if (!Array.isArray(values)) return Number.isFinite(values) ? Math.abs(values) : 0;
  let m = 0;
  for (const v of values) m = Math.max(m, maxAbs(v));
  return m;
}

/** "conv 4×3×3 relu → max pool 2 → flatten → dense 1 sigmoid": a CNN's layers in words */
export function describeLayers(specs) {
  return specs.map((l) => {
    if (l.type === "conv2d") {
      const extra = [l.stride > 1 ? `stride ${l.stride}` : "", l.padding ? `padding ${l.padding}` : ""].filter(Boolean);
      return `conv ${l.channels}×${l.kernel}×${l.kernel}${extra.length ? ` (${extra.join(", ")})` : ""} ${l.activation}`;
    }
    if (l.type === "maxpool2d") return `max pool ${l.size}`;
    if (l.type === "avgpool2d") return `average pool ${l.size}`;
    if (l.type === "flatten") return "flatten";
    return `dense ${l.units} ${l.activation}`;
  }).join(" → ");
}

/** "1×8×8" */
export const shapeText = (shape) => shape.join("×");

/** whether selection `sel` ({kind: "kernel" | "pixel" | "cell" | "pool", layer, …}) names a
 *  kernel weight, an input pixel, a map cell or a pooled cell of the CNN of `config` */
export function fitsConv(sel, config) {
  const specs = config.layers;
  const spec = specs[sel.layer];
  if (!spec) return false;
  const shapes = layerShapes(config.input_shape, specs);
  const inShape = sel.layer === 0 ? config.input_shape : shapes[sel.layer - 1];
  const within = (values, bounds) => values.every((x, n) => Number.isInteger(x) && x >= 0 && x < bounds[n]);
  const pooled = spec.type === "maxpool2d" || spec.type === "avgpool2d";
  if (sel.kind === "kernel") return spec.type === "conv2d" && within([sel.o, sel.c, sel.u, sel.v], [spec.channels, inShape[0], spec.kernel, spec.kernel]);
  if (sel.kind === "pixel") return spec.type === "conv2d" && within([sel.c, sel.r, sel.s], inShape);
  if (sel.kind === "cell") return spec.type === "conv2d" && within([sel.o, sel.r, sel.s], shapes[sel.layer]);
  if (sel.kind === "pool") return pooled && within([sel.c, sel.r, sel.s], shapes[sel.layer]);
  return false;
}

/** what the page calls layer k of a CNN where it lists layers with weights ("conv layer 0",
 *  "dense layer 3"); null for a pool or flatten, which have none */
export function weightLayerName(spec, k) {
  if (spec.type === "conv2d") return `conv layer ${k}`;
  if (spec.type === "dense") return `dense layer ${k}`;
  return null;
}
