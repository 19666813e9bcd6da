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

/** the reply with its non-finite numbers as they are: each JSON pointer of `nonfinite` ("inf",
 *  "-inf", "nan"; JSON has none of them, so the server sends null) set to ±Infinity or NaN */
export function decodeReply(reply) {
  const special = { inf: Infinity, "-inf": -Infinity, nan: NaN };
  for (const [pointer, kind] of Object.entries(reply.nonfinite ?? {})) {
    const path = pointer.split("/").slice(1);
    let at = reply;
    for (const key of path.slice(0, -1)) at = at?.[key];
    if (at && kind in special) at[path[path.length - 1]] = special[kind];
  }
  return reply;
}

/** the ids of the nodes output `output` depends on (itself included) */
export function neededBy(reply, output) {
  const byId = Object.fromEntries(reply.nodes.map((n) => [n.id, n]));
  const needed = new Set([output]);
  for (const id of [...reply.order].reverse()) if (needed.has(id)) byId[id].inputs.forEach((i) => needed.add(i));
  return needed;
}

/** Reverse mode from `output` as steps over the nodes in reverse topological order: at step k
 *  node `node` sends `local × grad` to each input; `partial` after each step is every node's
 *  gradient so far (what it has received), so that a node used twice shows its +=. Only the
 *  nodes the output depends on send (`on: false` for the others: their gradient is 0 exactly,
 *  and 0 · ∞ of another output's overflow is not NaN). */
export function reverseSteps(reply, output = reply.output ?? reply.outputs[0]) {
  const byId = Object.fromEntries(reply.nodes.map((n) => [n.id, n]));
  const needed = neededBy(reply, output);
  const order = [...reply.order].reverse();
  const partial = Object.fromEntries(reply.nodes.map((n) => [n.id, 0]));
  const received = Object.fromEntries(reply.nodes.map((n) => [n.id, []]));
  partial[output] = 1;
  const steps = [];
  for (const id of order) {
    const n = byId[id];
    const grad = partial[id];
    const sends = !needed.has(id) ? [] : n.inputs.map((input, k) => {
      const contribution = n.local[k] === null || grad === null ? null : n.local[k] * grad;
      partial[input] = contribution === null || partial[input] === null ? null : partial[input] + contribution;
      received[input] = [...received[input], contribution];
      return { input, local: n.local[k], upstream: grad, contribution };
    });
    steps.push({ node: id, grad, on: needed.has(id), sends, partial: { ...partial }, received: Object.fromEntries(
      Object.entries(received).map(([k, v]) => [k, [...v]])) });
  }
  return steps;
}

/** boxes {x, y, w, h} of labels, moved up or down (in `step`s) off each other and off the
 *  `fixed` boxes (the nodes): the dy of each, in order, earlier labels first placed */
export function placeLabels(labels, fixed = [], step = 13, tries = 4) {
  const hits = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const placed = [...fixed];
  return labels.map((box) => {
    const moves = [0];
    for (let k = 1; k <= tries; k++) moves.push(k * step, -k * step);
    const dy = moves.find((d) => !placed.some((p) => hits({ ...box, y: box.y + d }, p))) ?? 0;
    placed.push({ ...box, y: box.y + dy });
    return dy;
  });
}

/** Forward mode as steps in topological order: each node's tangent from its inputs' */
export function forwardSteps(reply) {
  return reply.order.map((id) => ({ node: id }));
}
