"""The predict-the-gradient exercise on the server: a learner's guess of a weight's dW (or of one
sample's term of it) against the truth, with the verdict the page shows; in a class the guess is
collected for the teacher's view."""
import math
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from ...classes.notes import note
from ...engine import chain_rule
from ...engine.chain import check_index
from ...limits import MAX_DENSE_LAYERS, MAX_POINTS, MAX_UNITS
from ...sessions.fields import Strict
from ..chains import batch_row, current_rows
from ..deps import SessionDep, sample_of
from ..jsonbody import dumps
from ..responses import errors
from ..routing import FastJSONRoute
from ..work import compute

router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions/{session_id}", tags=["inspect"],
                   responses=errors(404, 413, 422, 503))


class Prediction(Strict):
    layer: int = Field(ge=0, lt=MAX_DENSE_LAYERS)
    i: int = Field(ge=0, lt=MAX_UNITS)
    j: int = Field(ge=0, lt=MAX_UNITS)
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
    sample: int | None = Field(None, ge=0, lt=MAX_POINTS, description="predict this sample's term of dW, not dW")


def verdict(guess, truth):
    """How close `guess` is to `truth`, in the words of the page's exercise (controls/predict.js)."""
    if guess == truth:
        return "exactly right"
    if truth == 0:
        return "dW is exactly 0 here"
    if guess == 0 or math.copysign(1, guess) != math.copysign(1, truth):
        return "it is not 0" if guess == 0 else "wrong sign"
    relative = abs(guess - truth) / abs(truth)
    for within in (0.01, 0.1, 0.25):
        if relative <= within:
            return f"within {round(within * 100)} %"
    ratio = abs(guess / truth)
    factor = max(ratio, 1 / ratio)
    times = float(f"{factor:.2g}") if factor < 10 else round(factor)
    return f"right sign, off by {times:g}× (too {'large' if ratio >= 1 else 'small'})"


@router.post("/predict", responses=errors(409))
async def predict(request: Request, session: SessionDep, body: Prediction):
    """The learner's guess of dW[i][j] of a dense layer (with `sample`, of that sample's term of
    it, as /chain lists it) after Forward and Backward (409 before): {value, truth, verdict}."""
    sample = sample_of(session, body.sample) if body.sample is not None else None
    result = {}

    def judge(job):
        trainer = session.trainer
        trainer.network.check_weight(body.layer, body.i, body.j)
        current_rows(trainer)
        layer = trainer.network.layers[body.layer]
        if sample is None:
            truth = float(layer.dW[body.i, body.j])
        else:
            row = batch_row(trainer, sample)
            check_index("sample", row, len(layer.dZ))
            truth = chain_rule(trainer.network, body.layer, body.i, body.j, row).product
        result.update(layer=body.layer, i=body.i, j=body.j, sample=sample, value=body.value, truth=truth,
                      verdict=verdict(body.value, truth))
        return dumps(result)

    reply = await compute(request, session, "chain", judge)
    note(request, session.id, prediction=result)          # collected, in a class
    return reply
