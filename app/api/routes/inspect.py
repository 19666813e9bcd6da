"""Looking closer: one weight's chain rule, gradient checks, batch pages, pictures, data, history."""
from dataclasses import asdict
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request

from ...engine import PhaseError, chain_rule, gradient_check_steps, numeric_weight_gradient, relative_error
from ...engine.chain import options_chain, paths, sample_terms
from ..jsonbody import dumps
from ...limits import MAX_BATCH_PAGE, MAX_DENSE_LAYERS, MAX_GRID, MAX_UNIT_GRID, MAX_UNITS
from ..responses import (BatchPage, ChainRule, Data, History, NetworkCheck, NoPicture, PastWeights, Picture,
    WeightCheck, errors)
from ...limits import MAX_STEP
from ...engine import ConfigError
from ..state import Numbers, batch_page, data_bounds, predictions
from ..routing import FastJSONRoute
from ..deps import SampleQuery, SessionDep, SessionId, held, sample_of
from ..work import compute, within

router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions/{session_id}", tags=["inspect"],
                   responses=errors(404, 413, 422, 503))

LayerQuery = Annotated[int, Query(ge=0, lt=MAX_DENSE_LAYERS, description="index into the state's `layers`")]
UnitQuery = Annotated[int, Query(ge=0, lt=MAX_UNITS)]
StepQuery = Annotated[int, Query(ge=0, le=MAX_STEP, description="an update number, 0 to the session's step")]
MAX_TERMS = 500                  # per-sample terms a chain reply lists at most (its batch may hold more)
GRADCHECK_SAMPLES = 256          # rows of the batch a whole-network gradient check uses at most
GRADCHECK_BUDGET = 5e7           # multiply-adds a whole-network check may spend, roughly


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


@router.get("/chain", response_model=ChainRule, responses=errors(409))
async def get_chain(request: Request, session_id: SessionId, layer: LayerQuery, i: UnitQuery, j: UnitQuery,
                    sample: SampleQuery = 0):
    """dL/dW[i][j] of layers[layer] for one sample as a_prev · f'(z) · dL/da, the batch sum that
    equals dW, and the update the optimiser's next step will make to this weight."""
    async with held(request, session_id) as session:      # a click: plain parameters, as the phases
        return await compute(request, session, "chain", chain_of, session, layer, i, j, sample_of(session, sample))


def chain_of(job, session, layer, i, j, sample):
    trainer = session.trainer
    trainer.network.check_weight(layer, i, j)
    current_rows(trainer)
    row = trainer.row_of(sample)
    if row is None:
        raise ConfigError("sample", f"sample {sample} is not in the current minibatch; pick one of "
                                    f"its points, or use the full batch", location="query")
    chain = asdict(chain_rule(trainer.network, layer, i, j, row))
    chain["sample"] = sample            # the dataset's index, not the batch row
    chain.update(weight_update(trainer, layer, (i, j), chain["batch_sum"], chain["dW"]))
    num = Numbers()
    terms = sample_terms(trainer.network, layer, i, j, MAX_TERMS)
    samples = trainer.batch[terms.rows]
    chain["terms"] = [{"sample": int(n), "a_prev": num.number(float(a)), "dL_dz": num.number(float(d)),
                       "product": num.number(float(p))}
                      for n, a, d, p in zip(samples, terms.a_prev, terms.dL_dz, terms.product)]
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


@router.get("/gradcheck", response_model=WeightCheck | NetworkCheck, responses=errors(409))
async def get_gradcheck(request: Request, session: SessionDep,
                        layer: Annotated[int | None, Query(ge=0, lt=MAX_DENSE_LAYERS)] = None,
                        i: Annotated[int | None, Query(ge=0, lt=MAX_UNITS)] = None,
                        j: Annotated[int | None, Query(ge=0, lt=MAX_UNITS)] = None):
    """Finite differences against backward. With layer, i and j: that one weight, on the whole
    current batch. Without: the relative error of every W and b array (on at most 256 rows of the
    batch, and a seeded sample of entries when the net is big), within the server's time limit
    per request: `W_checked` and `b_checked` say how many entries were. A diverged network is 409."""
    if (layer, i, j) != (None, None, None):
        if None in (layer, i, j):
            raise ConfigError("layer", "give all of layer, i and j to check one weight, or none of them",
                              location="query")
        return await compute(request, session, "gradcheck-weight", check_one_weight, session, layer, i, j)
    limit = request.app.state.settings.train_seconds
    return await compute(request, session, "gradcheck", check_network, session, limit)


def check_one_weight(job, session, layer, i, j):
    trainer = session.trainer
    X, Y = current_rows(trainer)
    net = trainer.network
    net.check_weight(layer, i, j)
    check_finite(trainer)
    analytic = float(net.layers[layer].dW[i, j])
    numeric = yield from numeric_weight_gradient(net, X, Y, layer, (i, j))
    num = Numbers()
    return dumps({
        "layer": layer, "i": i, "j": j,
        "analytic": num.number(analytic), "numeric": num.number(numeric),
        "relative_error": num.number(relative_error(np.array([analytic]), np.array([numeric]))),
        "samples": len(X), "diverged": num.nonfinite})


def check_network(job, session, limit):
    """The whole-network check, one finite difference at a time, within `limit` s of compute."""
    trainer = session.trainer
    X, Y = current_rows(trainer)
    check_finite(trainer)
    net = trainer.network
    X, Y = X[:GRADCHECK_SAMPLES], Y[:GRADCHECK_SAMPLES]
    per_forward = len(X) * net.multiply_adds()
    max_entries = max(1, int(GRADCHECK_BUDGET / (2 * per_forward) / (2 * len(net.layers))))
    report = yield from gradient_check_steps(net, X, Y, max_entries=max_entries, stop=lambda: job.spent > limit)
    num = Numbers()
    options = [getattr(layer, "batch_norm", False) for layer in net.layers]
    layers = [{key: num.number(v) if isinstance(v, float) else v for key, v in asdict(entry).items()
               if has_norm or not key.startswith(("gamma", "beta"))}       # γ, β only where they are
              for entry, has_norm in zip(report, options)]
    errors_found = [e for entry in report for e in (entry.W, entry.b, entry.gamma, entry.beta) if e is not None]
    worst = max(errors_found) if errors_found else None
    return dumps({"samples": len(X), "layers": layers,
                  "max_relative_error": num.number(worst), "diverged": num.nonfinite})


@router.get("/batch", response_model=BatchPage)
async def get_batch(request: Request, session: SessionDep,
                    offset: Annotated[int, Query(ge=0, lt=5000)] = 0,
                    limit: Annotated[int, Query(ge=1, le=MAX_BATCH_PAGE)] = 100,
                    arrays: Annotated[bool, Query(description="false: only the rows' dataset indices")] = True):
    """Per-sample Z, A, dZ, dA of every layer for a page of the current batch: up to `limit`
    rows, fewer when they would pass about 2 MB (`next_offset`: where the next page starts)."""
    return await compute(request, session, "batch",
                         lambda job: dumps(batch_page(session.trainer, offset, limit, arrays)))


@router.get("/predictions", response_model=Picture | NoPicture)
async def get_predictions(request: Request, session_id: SessionId,
                          resolution: Annotated[int, Query(ge=2, le=MAX_GRID)] = 50,
                          units: bool = True,
                          unit_resolution: Annotated[int, Query(ge=2, le=MAX_UNIT_GRID)] = 16,
                          extent: Annotated[float | None, Query(gt=0, le=100, description=(
                              "the grid covers at least [-extent, extent] on every input, "
                              "besides the padded box around the data"))] = None,
                          step: Annotated[int | None, Query(ge=0, le=MAX_STEP, description=(
                              "for the network as it was after this update (GET /history's `reachable`)"))] = None):
    """The output over a grid of the input plane (2-D inputs) or a line (1-D), for the decision
    boundary or fitted curve; with `units`, each unit's own activation on a coarser grid."""
    limit = request.app.state.settings.train_seconds

    def picture(job):
        network = None
        if step is not None:             # the network of an earlier update, replayed
            twin = yield from within(job, session.trainer.replayed(step), limit, step)
            network = twin.network
        reply = yield from predictions(session.trainer, resolution, unit_resolution, units, extent, network)
        if step is not None:
            reply["step"] = step
        return dumps(reply)
    async with held(request, session_id) as session:      # after every Play: plain parameters, as the phases
        return await compute(request, session, "predictions", picture)


@router.get("/weights", response_model=PastWeights, responses=errors(409))
async def get_weights(request: Request, session: SessionDep, step: StepQuery):
    """W and b of every layer after update `step`, replayed from the nearest kept state before
    it (GET /history's `reachable`): the network as it was, without changing the session."""
    limit = request.app.state.settings.train_seconds

    def weights(job):
        twin = yield from within(job, session.trainer.replayed(step), limit, step)
        num = Numbers()
        layers = [{"W": num.array(layer.W), "b": num.array(layer.b)} for layer in twin.network.layers]
        return dumps({"step": step, "layers": layers, "diverged": num.nonfinite})
    return await compute(request, session, "weights", weights)


@router.get("/data", response_model=Data)
async def get_data(request: Request, session: SessionDep):
    """The session's points: X (inputs) and Y (targets)."""
    trainer = session.trainer
    return await compute(request, session, "data", lambda job: dumps(
        {"X": trainer.points, "Y": trainer.targets(), "test": trainer.is_test, "task": session.config["task"],
         "bounds": data_bounds(trainer.points)}))


@router.get("/history", response_model=History)
async def get_history(request: Request, session: SessionDep):
    """The loss before each update so far (thinned to at most 4096 points for long runs)."""
    history, norms = session.trainer.history, session.trainer.norm_history
    layers = len(session.trainer.network.layers)

    def reply(job):
        values = norms.arrays(layers)[1]
        num = Numbers()
        tests = session.trainer.test_history
        return dumps({"steps": history.steps, "losses": history.losses,
                      "test_losses": {"steps": tests.steps, "losses": tests.losses},
                      "past_steps": session.trainer.past.steps(),
                      "reachable": session.trainer.past.reachable(session.trainer.steps), "grad_norms": {
            "steps": norms.steps,
            "layers": [{"W": num.array(values[:, k, 0]), "b": num.array(values[:, k, 1])} for k in range(layers)]}})
    return await compute(request, session, "history", reply)
