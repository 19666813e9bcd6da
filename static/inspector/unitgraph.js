// "open as a graph": one unit's computation for the followed sample, written in the graph lab's
// language — its inputs, weights and bias, its activation, and for an output unit its loss — so
// that the lab's gradients are the chain panel's per-sample factors

// each activation and loss as the lab's source, in the lab's functions (sigmoid, tanh, relu, log …;
// no softmax): not labels, which come from the catalog, and not in the catalog either
const ACT = {
  sigmoid: (z) => `sigmoid(${z})`, tanh: (z) => `tanh(${z})`, relu: (z) => `relu(${z})`, linear: (z) => z,
  leaky_relu: (z, alpha) => `relu(${z}) - ${alpha} * relu(-${z})`,
};
// a loss of one sample, divided by the batch's n as the mean loss does (so dL/dw is its share of dW)
const LOSS = {
  mse: (a, y) => `0.5 * (${a} - ${y})^2 / n`,
  bce: (a, y) => `-(${y} * log(${a}) + (1 - ${y}) * log(1 - ${a})) / n`,
};

/** {source, values} for unit i of node layer L (L ≥ 1) of `state`, or null when the lab cannot
 *  write it (a softmax, or no values for the sample yet) */
export function unitGraph(state, L, i) {
  const layer = state.layers[L - 1];
  const act = layer.activation;
  const sample = state.sample;
  const prev = L === 1 ? sample.input : sample.layers[L - 2].a;
  if (!ACT[act] || !prev || prev.some((v) => v === null)) return null;
  if (layer.batch_norm || layer.dropout) return null;    // its z → a takes the batch's statistics or a mask
  const values = {};
  const terms = prev.map((a, k) => {
    values[`a${k + 1}`] = a;
    values[`w${k + 1}`] = layer.W[k][i];
    return `a${k + 1}*w${k + 1}`;
  });
  values.b = layer.b[i];
  const lines = [`z = ${terms.join(" + ")} + b`, `a = ${ACT[act]("z", state.config.leaky_relu_alpha ?? 0.01)}`];
  const last = L === state.layers.length;
  const loss = LOSS[state.config.loss];
  if (last && loss && state.layers[L - 1].W[0].length === 1) {
    values.y = sample.target[i];
    values.n = state.batch_size ?? state.points;
    lines.push(loss("a", "y"));
  } else {
    lines.push("a");
  }
  return { source: lines.join("\n"), values };
}

/** the lab's address for it: /graph#source=…&values=… */
export function graphLink({ source, values }) {
  const text = Object.entries(values).map(([k, v]) => `${k} = ${v}`).join(", ");
  return `/graph#${new URLSearchParams({ source, values: text })}`;
}
