// the graph lab's pure parts: where each node goes, what each step of either mode does, and
// the values a learner types ("x1 = 2, x2 = 0")

/** {name: number} from "x1 = 2, x2 = -0.5" (commas, semicolons or new lines between); throws a
 *  message naming the bad part */
export function parseValues(text) {
  const values = {};
  for (const part of text.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*(\S+)$/.exec(part);
    const v = m ? Number(m[2].replace("−", "-")) : NaN;
    if (!m || !Number.isFinite(v)) throw new Error(`“${part}” is not name = number`);
    values[m[1]] = v;
  }
  return values;
}

/** columns by depth (inputs and constants in column 0, every node right of its inputs), rows in
 *  order within a column: {id: {col, row}}, and the number of columns and rows */
export function layout(nodes) {
  const col = {};
  for (const n of nodes) col[n.id] = n.inputs.length ? 1 + Math.max(...n.inputs.map((i) => col[i])) : 0;
  const rows = {};
  const where = {};
  for (const n of nodes) {
    const c = col[n.id];
    rows[c] = (rows[c] ?? 0) + 1;
    where[n.id] = { col: c, row: rows[c] - 1 };
  }
  return { where, cols: Math.max(...Object.values(col)) + 1, rows: Math.max(...Object.values(rows)) };
}

/** Reverse mode as steps over the nodes in reverse topological order: at step k node `node`
 *  sends `local × grad` to each input; `partial` after each step is every node's gradient so
 *  far (what it has received), so that a node used twice shows its += */
export function reverseSteps(reply, output = reply.output ?? reply.outputs[0]) {
  const byId = Object.fromEntries(reply.nodes.map((n) => [n.id, n]));
  const order = [...reply.order].reverse();
  const partial = Object.fromEntries(reply.nodes.map((n) => [n.id, 0]));
  const received = Object.fromEntries(reply.nodes.map((n) => [n.id, []]));
  partial[output] = 1;
  const steps = [];
  for (const id of order) {
    const n = byId[id];
    const grad = partial[id];
    const sends = n.inputs.map((input, k) => {
      const contribution = n.local[k] === null || grad === null ? null : n.local[k] * grad;
      partial[input] = contribution === null || partial[input] === null ? null : partial[input] + contribution;
      received[input] = [...received[input], contribution];
      return { input, local: n.local[k], upstream: grad, contribution };
    });
    steps.push({ node: id, grad, sends, partial: { ...partial }, received: Object.fromEntries(
      Object.entries(received).map(([k, v]) => [k, [...v]])) });
  }
  return steps;
}

/** Forward mode as steps in topological order: each node's tangent from its inputs' */
export function forwardSteps(reply) {
  return reply.order.map((id) => ({ node: id }));
}
