"""Looking closer: one weight's chain rule, gradient checks, batch pages, pictures, data, history."""
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from ..engine import PhaseError, chain_rule, gradient_check, numeric_weight_gradient, relative_error
from ..limits import MAX_BATCH_PAGE, MAX_DENSE_LAYERS, MAX_GRID, MAX_UNIT_GRID, MAX_UNITS
from ..responses import (BatchPage, ChainRule, Data, History, NetworkCheck, NoPicture, Picture,
                         WeightCheck, errors)
from ..sessions import ConfigError
from ..state import Numbers, batch_page, predictions
from .deps import SampleQuery, SessionDep

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["inspect"], responses=errors(404, 413, 422))

LayerQuery = Annotated[int, Query(ge=0, lt=MAX_DENSE_LAYERS, description="index into the state's `layers`")]
UnitQuery = Annotated[int, Query(ge=0, lt=MAX_UNITS)]
GRADCHECK_SAMPLES = 256          # rows of the batch a whole-network gradient check uses at most
GRADCHECK_BUDGET = 5e7           # multiply-adds a whole-network check may spend, roughly


def check_weight(net, layer, i, j):
    """422 naming the index that does not fit the network."""
    if layer >= len(net.layers):
        raise ConfigError("layer", f"layer must be below {len(net.layers)}, got {layer}", location="query")
    W = net.layers[layer].W
    if i >= W.shape[0]:
        raise ConfigError("i", f"i must be below {W.shape[0]} (fan_in of layer {layer}), got {i}",
                          location="query")
    if j >= W.shape[1]:
        raise ConfigError("j", f"j must be below {W.shape[1]} (fan_out of layer {layer}), got {j}",
                          location="query")


def current_rows(trainer):
    """X, Y of the batch the current gradients belong to."""
    if trainer.network.phase.value != "backward":
        raise PhaseError("click Forward, then Backward: there are no gradients for the current "
                         "parameters to look at yet")
    return trainer.X[trainer.batch], trainer.Y[trainer.batch]


@router.get("/chain", response_model=ChainRule, responses=errors(409))
def get_chain(session: SessionDep, layer: LayerQuery, i: UnitQuery, j: UnitQuery, sample: SampleQuery = 0):
    """dL/dW[i][j] of layers[layer] for one sample as a_prev · f'(z) · dL/da, the batch sum that
    equals dW, and the update the optimiser's next step will make to this weight."""
    trainer = session.trainer
    check_weight(trainer.network, layer, i, j)
    current_rows(trainer)
    row = trainer.row_of(sample)
    if row is None:
        raise ConfigError("sample", f"sample {sample} is not in the current minibatch; pick one of "
                                    f"its points, or use the full batch", location="query")
    chain = chain_rule(trainer.network, layer, i, j, row)
    chain["sample"] = sample
    opt = trainer.optimizer
    dW = trainer.network.layers[layer].dW
    chain["update"] = float(opt.preview((layer, "W"), dW)[i, j])
    chain["optimizer"] = {"name": opt.name, **opt.settings()}
    num = Numbers()
    body = {key: num.number(value) if isinstance(value, float) else value for key, value in chain.items()}
    body["diverged"] = num.nonfinite
    return JSONResponse(body)


@router.get("/gradcheck", response_model=WeightCheck | NetworkCheck, responses=errors(409))
def get_gradcheck(session: SessionDep,
                  layer: Annotated[int | None, Query(ge=0, lt=MAX_DENSE_LAYERS)] = None,
                  i: Annotated[int | None, Query(ge=0, lt=MAX_UNITS)] = None,
                  j: Annotated[int | None, Query(ge=0, lt=MAX_UNITS)] = None):
    """Finite differences against backward. With layer, i and j: that one weight, on the whole
    current batch. Without: the relative error of every W and b array (on at most 256 rows of the
    batch, and a seeded sample of entries when the net is big)."""
    trainer = session.trainer
    X, Y = current_rows(trainer)
    net = trainer.network
    if (layer, i, j) != (None, None, None):
        if None in (layer, i, j):
            raise ConfigError("layer", "give all of layer, i and j to check one weight, or none of them",
                              location="query")
        check_weight(net, layer, i, j)
        analytic = float(net.layers[layer].dW[i, j])
        numeric = numeric_weight_gradient(net, X, Y, layer, i, j)
        num = Numbers()
        return JSONResponse({
            "layer": layer, "i": i, "j": j,
            "analytic": num.number(analytic), "numeric": num.number(numeric),
            "relative_error": num.number(relative_error(np.array([analytic]), np.array([numeric]))),
            "samples": len(X), "diverged": num.nonfinite})
    X, Y = X[:GRADCHECK_SAMPLES], Y[:GRADCHECK_SAMPLES]
    per_forward = len(X) * sum(l.W.size for l in net.layers)
    max_entries = max(1, int(GRADCHECK_BUDGET / (2 * per_forward) / (2 * len(net.layers))))
    report = gradient_check(net, X, Y, max_entries=max_entries)
    num = Numbers()
    layers = [{key: num.number(v) if isinstance(v, float) else v for key, v in entry.items()}
              for entry in report]
    worst = max(max(e["W"], e["b"]) for e in report)
    return JSONResponse({"samples": len(X), "layers": layers,
                         "max_relative_error": num.number(worst), "diverged": num.nonfinite})


@router.get("/batch", response_model=BatchPage)
def get_batch(session: SessionDep,
              offset: Annotated[int, Query(ge=0, lt=5000)] = 0,
              limit: Annotated[int, Query(ge=1, le=MAX_BATCH_PAGE)] = 100):
    """Per-sample Z, A, dZ, dA of every layer for a page of the current batch."""
    return JSONResponse(batch_page(session.trainer, offset, limit))


@router.get("/predictions", response_model=Picture | NoPicture)
def get_predictions(session: SessionDep,
                    resolution: Annotated[int, Query(ge=2, le=MAX_GRID)] = 50,
                    units: bool = True,
                    unit_resolution: Annotated[int, Query(ge=2, le=MAX_UNIT_GRID)] = 16,
                    extent: Annotated[float | None, Query(gt=0, le=100, description=(
                        "the grid covers at least [-extent, extent] on every input, "
                        "besides the padded box around the data"))] = None):
    """The output over a grid of the input plane (2-D inputs) or a line (1-D), for the decision
    boundary or fitted curve; with `units`, each unit's own activation on a coarser grid."""
    return JSONResponse(predictions(session.trainer, resolution, unit_resolution, units, extent))


@router.get("/data", response_model=Data)
def get_data(session: SessionDep):
    """The session's points: X (inputs) and Y (targets)."""
    trainer = session.trainer
    return JSONResponse({"X": trainer.X.tolist(), "Y": trainer.Y.tolist(),
                         "task": session.config["task"]})


@router.get("/history", response_model=History)
def get_history(session: SessionDep):
    """The loss before each update so far (thinned to at most 4096 points for long runs)."""
    history = session.trainer.history
    return JSONResponse({"steps": list(history.steps),
                         "losses": Numbers().array(np.array(history.losses, dtype=float))})
