"""One weight, or one input, looked at closely, for GET /chain and GET /gradcheck: its gradient
as the chain rule's factors and the sum of its parts (a dense weight's over the batch's rows, a
kernel weight's over output positions, a conv input's over the kernel weights that saw it, a
pool's routing), and its finite-difference check. The job functions the compute thread runs."""
from dataclasses import asdict
from typing import Annotated, Literal

import numpy as np
from fastapi import Query

from ..engine import ConfigError, PhaseError, chain_rule
from ..engine.attentionchain import check_score, head_chain, head_index, numeric_score_gradient, score_chain
from ..engine.chain import options_chain, paths, sample_terms
from ..engine.convchain import check_input, check_kernel_weight, input_chain, input_gradient, kernel_chain
from ..engine.gradcheck import numeric_input_gradient, numeric_weight_gradient, relative_error
from ..limits import MAX_UNITS
from .jsonbody import dumps
from .state import Numbers

MAX_TERMS = 500                  # per-sample terms a chain reply lists at most (its batch may hold more)


def current_rows(trainer):
    """X, Y of the batch the current gradients belong to."""
    if trainer.network.phase.value != "backward":
        raise PhaseError("click Forward, then Backward: there are no gradients for the current "
                         "parameters to look at yet")
    return trainer.X[trainer.batch], trainer.Y[trainer.batch]


def check_finite(trainer):
    """409 for a network whose loss, weights or gradients are no longer finite numbers: there is
    nothing to check (and extended precision on NaN is about 90 times slower)."""
    net = trainer.network
    gradients = [a for layer in net.layers for a in (layer.dW, layer.db) if a is not None]
    if trainer.diverged or not all(np.isfinite(a).all() for a in gradients):
        raise PhaseError("the network has diverged: its loss or gradients are no longer finite "
                         "numbers, so there is nothing to check; reset it or lower the learning rate")


KernelIndex = Annotated[int | None, Query(ge=0, lt=MAX_UNITS, description="a conv2d's kernel weight W[o, c, u, v]")]
InputQuery = Annotated[str | None, Query(max_length=32, pattern=r"^\d{1,2},\d{1,2},\d{1,2}$", description=(
    "c,r,s: an input position (channel, row, column) of a conv2d or pool layer"))]
ScoreQuery = Annotated[str | None, Query(max_length=16, pattern=r"^\d{1,2},\d{1,2}$", description=(
    "t,t2: the score of query position t against key position t2 in an attention head"))]
ParamQuery = Annotated[Literal["Wq", "Wk", "Wv"] | None, Query(description="an attention head's Wq, Wk or Wv")]


def numbers_in(text):
    """ "1,2,3" -> (1, 2, 3) (the pattern has checked it)."""
    return tuple(int(part) for part in text.split(","))


# the query parameters that pick each kind of thing to look at
PICKS = {"dense": ("i", "j"), "head": ("param", "i", "j"), "kernel": ("o", "c", "u", "v"), "input": ("input",),
         "score": ("score",)}


def which_weight(layer, query):
    """"dense", "head", "kernel", "input" or "score" by the query's parameters (a dict of them, None
    where not given); a 422 naming the one missing, or `layer` for none or a mix."""
    kinds = {kind: names for kind, names in PICKS.items() if kind != ("dense" if query.get("param") else "head")}
    chosen = [kind for kind, names in kinds.items() if any(query.get(name) is not None for name in names)]
    chosen = [kind for kind in chosen if not (kind == "dense" and "head" in chosen)]
    if len(chosen) == 1 and layer is not None:
        missing = [name for name in kinds[chosen[0]] if query.get(name) is None]
        if not missing:
            return chosen[0]
        raise ConfigError(missing[0], f"{missing[0]} is missing: give {', '.join(kinds[chosen[0]])} together",
                          location="query")
    raise ConfigError("layer", "give layer and one of: i and j (a dense weight), param=Wq|Wk|Wv with i and j (an "
                               "attention head's weight), o, c, u and v (a kernel weight), input=c,r,s (an input "
                               "of a conv2d or pool layer), or score=t,t2 (an attention score)", location="query")


def batch_row(trainer, sample):
    row = trainer.row_of(sample)
    if row is None:
        raise ConfigError("sample", f"sample {sample} is not in the current minibatch; pick one of its points, "
                                    f"or use the full batch", location="query")
    return row


def kernel_chain_of(job, session, layer, index, sample):
    """dL/dW[layer][o,c,u,v] for one sample as a sum over output positions, the batch's sum (= dW),
    and what the next step does with it."""
    trainer = session.trainer
    check_kernel_weight(trainer.network, layer, *index)
    current_rows(trainer)
    chain = kernel_chain(trainer.network, layer, *index, batch_row(trainer, sample))
    num = Numbers()
    reply = {key: value for key, value in asdict(chain).items() if key != "terms"}
    reply["sample"] = sample
    reply["terms"] = [{"position": list(t.position), "x": num.number(t.x), "dL_dz": num.number(t.dL_dz),
                       "product": num.number(t.product)} for t in chain.terms]
    reply.update(weight_update(trainer, layer, index, chain.batch_sum, chain.dW))
    return chain_reply(reply, num)


def input_chain_of(job, session, layer, where, sample):
    """dL/dx of input c,r,s of conv layer `layer` as a sum over the kernel weights that saw it, or
    where a pool layer sent its gradient."""
    trainer = session.trainer
    check_input(trainer.network, layer, where)
    current_rows(trainer)
    chain = input_chain(trainer.network, layer, where, batch_row(trainer, sample))
    num = Numbers()
    reply = asdict(chain)
    reply["sample"] = sample
    reply["input"] = list(where)
    if "terms" in reply:                  # a convolution's (a pool's routing has none)
        reply["terms"] = [{"out": t.out, "kernel": list(t.kernel), "position": list(t.position),
                           "weight": num.number(t.weight), "dL_dz": num.number(t.dL_dz),
                           "product": num.number(t.product)} for t in chain.terms]
    return chain_reply(reply, num)


def check_kernel_weight_job(job, session, layer, index):
    """A kernel weight's dW against central differences on the whole current batch."""
    trainer = session.trainer
    net = trainer.network
    check_kernel_weight(net, layer, *index)
    X, Y = current_rows(trainer)
    check_finite(trainer)
    analytic = float(net.layers[layer].dW[index])
    numeric = yield from numeric_weight_gradient(net, X, Y, layer, index)
    return check_reply({"layer": layer, "o": index[0], "c": index[1], "u": index[2], "v": index[3]},
                       analytic, numeric, len(X))


def check_input_job(job, session, layer, where, sample):
    """The gradient of an input of layer `layer` (c,r,s of the sample) against central
    differences: the network's input for layer 0, the previous layer's output after that."""
    trainer = session.trainer
    net = trainer.network
    check_input(net, layer, where)
    X, Y = current_rows(trainer)
    row = batch_row(trainer, sample)
    check_finite(trainer)
    net.replay()
    analytic = float(input_gradient(net, layer, row)[where])
    numeric = yield from numeric_input_gradient(net, X, Y, layer, row, where)
    return check_reply({"layer": layer, "input": list(where), "sample": sample}, analytic, numeric, len(X))


def check_reply(what, analytic, numeric, samples):
    num = Numbers()
    return dumps({**what, "analytic": num.number(analytic), "numeric": num.number(numeric),
                  "relative_error": num.number(relative_error(np.array([analytic]), np.array([numeric]))),
                  "samples": samples, "diverged": num.nonfinite})


def chain_of(job, session, layer, i, j, sample, position=0):
    """dL/dW[layer][i, j] of a dense layer for one sample as a_prev · f'(z) · dL/da, each row's
    share, the paths on to the loss, and what the next step does with it. After an attention head
    the rows are (sample, position) pairs: `position` picks the sample's row."""
    trainer = session.trainer
    trainer.network.check_weight(layer, i, j)
    current_rows(trainer)
    T = trainer.X.shape[1] if trainer.X.ndim == 3 else 1
    if not 0 <= position < T:
        raise ConfigError("position", f"position must be below {T}, the positions of a sequence", location="query")
    row = batch_row(trainer, sample) * T + position
    chain = asdict(chain_rule(trainer.network, layer, i, j, row))
    chain["sample"] = sample            # the dataset's index, not the batch row
    if T > 1:
        chain["position"] = position
    chain.update(weight_update(trainer, layer, (i, j), chain["batch_sum"], chain["dW"]))
    num = Numbers()
    terms = sample_terms(trainer.network, layer, i, j, MAX_TERMS)
    samples = trainer.batch[terms.rows // T]
    chain["terms"] = [{"sample": int(n), "a_prev": num.number(float(a)), "dL_dz": num.number(float(d)),
                       "product": num.number(float(p)), **({"position": int(r % T)} if T > 1 else {})}
                      for n, r, a, d, p in zip(samples, terms.rows, terms.a_prev, terms.dL_dz, terms.product)]
    chain["terms_count"] = terms.count
    chain["terms_sum"] = terms.total
    dense = trainer.network.layers[layer]
    if dense.activation.name == "softmax":      # the Jacobian the fused dL/dz stands for, made explicit
        net = trainer.network
        a = dense.A[row]
        jac = dense.activation.jacobian(a)
        chain["jacobian_row"] = [num.number(float(v)) for v in jac[j]]
        chain["dL_da_vector"] = [num.number(float(v)) for v in net.loss.grad_a(dense.A, net.Y)[row]]
    chain.update(options_chain(trainer.network, layer, j, row) or {})     # batch norm's terms, the mask
    routes = paths(trainer.network, layer, j, row)
    chain["paths"] = None if routes is None else [
        {"unit": p.unit, "w": num.number(p.w), "dL_dz": num.number(p.dL_dz)} for p in routes]
    return chain_reply(chain, num)


def weight_update(trainer, layer, index, batch_sum, dW):
    """What the next step does with W[layer][index]: the update, the optimiser's memory of it, and
    dW's two parts (with a weight penalty dW is the data's part, the batch sum, plus its own)."""
    opt = trainer.optimizer
    grads = trainer.network.layers[layer].dW
    reg = trainer.network.regularization
    memory = opt.memory((layer, "W"), grads)
    return {
        "update": float(opt.preview((layer, "W"), grads)[index]),
        "dW_penalty": 0.0 if reg is None else float(reg.grad(trainer.network.layers[layer].W)[index]),
        "dW_data": batch_sum if reg is not None else dW,
        "regularization": None if reg is None else {"kind": reg.kind, "rate": reg.rate},
        "optimizer": {"name": opt.name, **opt.settings()},
        "memory": None if memory is None else {
            name: float(value[index]) if isinstance(value, np.ndarray) else value for name, value in memory.items()},
    }


def chain_reply(chain, num):
    """The chain's JSON: its numbers (and its memory's) as num writes them, and `diverged`."""
    body = {key: num.number(value) if isinstance(value, float) else value for key, value in chain.items()}
    if body.get("memory") is not None:
        body["memory"] = {key: num.number(v) if isinstance(v, float) else v for key, v in body["memory"].items()}
    body["diverged"] = num.nonfinite
    return dumps(body)


def check_one_weight(job, session, layer, i, j):
    """A dense weight's dW against central differences on the whole current batch."""
    trainer = session.trainer
    X, Y = current_rows(trainer)
    net = trainer.network
    net.check_weight(layer, i, j)
    check_finite(trainer)
    analytic = float(net.layers[layer].dW[i, j])
    numeric = yield from numeric_weight_gradient(net, X, Y, layer, (i, j))
    return check_reply({"layer": layer, "i": i, "j": j}, analytic, numeric, len(X))


def head_chain_of(job, session, layer, param, i, j, sample):
    """dL/d{param}[i][j] of an attention head for one sample as one term per position, the batch's
    sum (= its dW), and what the next step does with it."""
    trainer = session.trainer
    head, column = head_index(trainer.network, layer, param, i, j)
    current_rows(trainer)
    chain = head_chain(trainer.network, layer, param, i, j, batch_row(trainer, sample))
    num = Numbers()
    reply = {key: value for key, value in asdict(chain).items() if key != "terms"}
    name = {"Wq": "dL_dq", "Wk": "dL_dk", "Wv": "dL_dv"}[param]
    reply["sample"] = sample
    reply["terms"] = [{"position": t.position, "x": num.number(t.x), name: num.number(t.grad),
                       "product": num.number(t.product)} for t in chain.terms]
    reply.update(weight_update(trainer, layer, (i, column), chain.batch_sum, chain.dW))
    return chain_reply(reply, num)


def score_chain_of(job, session, layer, where, sample):
    """dL/dscores[t][t2] for one sample through its row's softmax: the Jacobian's row times dL/dweights."""
    trainer = session.trainer
    check_score(trainer.network, layer, where)
    current_rows(trainer)
    chain = score_chain(trainer.network, layer, where, batch_row(trainer, sample))
    num = Numbers()
    reply = asdict(chain)
    reply["sample"], reply["score"] = sample, list(where)
    reply["terms"] = [{key: num.number(value) if isinstance(value, float) else value for key, value in asdict(t).items()}
                      for t in chain.terms]
    return chain_reply(reply, num)


def check_head_weight_job(job, session, layer, param, i, j):
    """A weight of Wq, Wk or Wv against central differences on the whole current batch."""
    trainer = session.trainer
    net = trainer.network
    head, column = head_index(net, layer, param, i, j)
    X, Y = current_rows(trainer)
    check_finite(trainer)
    analytic = float(head.dW[i, column])
    numeric = yield from numeric_weight_gradient(net, X, Y, layer, (i, column))
    return check_reply({"layer": layer, "param": param, "i": i, "j": j}, analytic, numeric, len(X))


def check_score_job(job, session, layer, where, sample):
    """A score's gradient (of the sample's row) against central differences."""
    trainer = session.trainer
    net = trainer.network
    head = check_score(net, layer, where)
    X, Y = current_rows(trainer)
    row = batch_row(trainer, sample)
    check_finite(trainer)
    net.replay()
    analytic = float(head.dZ[(row, *where)])
    numeric = yield from numeric_score_gradient(net, X, Y, layer, row, where)
    return check_reply({"layer": layer, "score": list(where), "sample": sample}, analytic, numeric, len(X))
