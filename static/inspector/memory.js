// what the optimiser remembers for one weight, and the arithmetic that turns it and dW into Δw
// (the chain reply's `memory`): momentum's velocity, Adam's m, v, t and the corrected m̂, v̂
import { fmt } from "../core/format.js";
import * as M from "./mathml.js";

const hat = (x) => M.el("mover", {}, M.mi(x), M.mo("^"));

function para(doc, text, cls = "note") {
  const p = doc.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

/** the block [data-role=optimizer-memory] for chain reply `c` */
export function renderMemory(doc, c) {
  const opt = c.optimizer, mem = c.memory;
  const box = doc.createElement("div");
  box.className = "optimizer-memory";
  box.dataset.role = "optimizer-memory";
  box.dataset.optimizer = opt.name;
  if (!mem) {
    box.append(para(doc, "SGD remembers nothing between steps: Δw depends on this step’s dW alone."));
    return box;
  }
  if (opt.name === "momentum") {
    // the next step: v ← β v + dW, then Δw = −η v
    const next = opt.beta * mem.velocity + c.dW;
    box.dataset.velocity = String(mem.velocity);
    box.append(para(doc, `Momentum remembers a velocity v for this weight: ${mem.velocity === 0 ? "0, no step has been taken yet" : `v = ${fmt(mem.velocity, 6)} now`}.`),
      M.math(`v = ${opt.beta} * ${mem.velocity} + ${c.dW} = ${next}`, M.mi("v"), M.mo("←"), M.mn(opt.beta), M.mo("·"),
        M.num(mem.velocity, { bracket: true, digits: 6 }), M.mo("+"), M.num(c.dW, { bracket: true, digits: 6 }), M.eq(), M.num(next, { digits: 6 })),
      M.math(`delta w = -${opt.lr} * ${next} = ${c.update}`, M.mi("Δw"), M.eq(), M.mo("−"), M.mn(opt.lr), M.mo("·"),
        M.num(next, { bracket: true, digits: 6 }), M.eq(), M.num(c.update, { cls: "result", digits: 6 })));
    return box;
  }
  // Adam: m ← β₁m + (1−β₁)dW, v ← β₂v + (1−β₂)dW², corrected by 1 − βᵗ of step t + 1
  const t = mem.t + 1;
  box.dataset.t = String(mem.t);
  const b1 = M.sub("β", M.mn(1)), b2 = M.sub("β", M.mn(2));
  box.append(para(doc, `Adam remembers two running averages for this weight, of dW and of dW²: m = ${fmt(mem.m, 6)}, v = ${fmt(mem.v, 6)}, after t = ${mem.t} step${mem.t === 1 ? "" : "s"}. The next Step is number ${t}:`),
    M.math(`m_hat = (b1 m + (1-b1) dW) / (1 - b1^${t}) = ${mem.m_hat}`, hat("m"), M.eq(),
      M.frac(M.row(M.mn(opt.beta1), M.mo("·"), M.num(mem.m, { bracket: true, digits: 6 }), M.mo("+"), M.mn(fmt(1 - opt.beta1, 6)), M.mo("·"),
                   M.num(c.dW, { bracket: true, digits: 6 })),
             M.row(M.mn(1), M.mo("−"), M.sup(M.mn(opt.beta1), M.mn(t)))),
      M.eq(), M.num(mem.m_hat, { digits: 6 })),
    M.math(`v_hat = (b2 v + (1-b2) dW^2) / (1 - b2^${t}) = ${mem.v_hat}`, hat("v"), M.eq(),
      M.frac(M.row(M.mn(opt.beta2), M.mo("·"), M.num(mem.v, { digits: 6 }), M.mo("+"), M.mn(fmt(1 - opt.beta2, 6)), M.mo("·"),
                   M.sup(M.num(c.dW, { bracket: true, digits: 6 }), M.mn(2))),
             M.row(M.mn(1), M.mo("−"), M.sup(M.mn(opt.beta2), M.mn(t)))),
      M.eq(), M.num(mem.v_hat, { digits: 6 })),
    M.math(`delta w = -lr m_hat / (sqrt(v_hat) + eps) = ${c.update}`, M.mi("Δw"), M.eq(), M.mo("−"), M.mn(opt.lr), M.mo("·"),
      M.frac(M.num(mem.m_hat, { digits: 6 }), M.row(M.el("msqrt", {}, M.num(mem.v_hat, { digits: 6 })), M.mo("+"), M.mn(opt.eps))),
      M.eq(), M.num(c.update, { cls: "result", digits: 6 })),
    para(doc, `(${b1.textContent} = ${opt.beta1}, ${b2.textContent} = ${opt.beta2}, ε = ${opt.eps}.) Early on, m̂/√v̂ is about ±1, so the weight moves by about η = ${opt.lr} whatever the size of dW.`));
  return box;
}
