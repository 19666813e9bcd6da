"""Derive it yourself: a learner's formula for one sample's term of a dense weight's gradient,
checked on every sample of the batch, with the likely slip; in a class the verdict is collected
for the teacher's view, as predictions are."""
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from pydantic import Field

from ...classes.notes import note
from ...engine.derive import MAX_FORMULA, allowed_names, judge, prepare, shown_formula
from ...limits import MAX_DENSE_LAYERS, MAX_POINTS, MAX_UNITS
from ...sessions.fields import Strict
from ..chain_responses import Derivation
from ..chains import check_finite, current_rows
from ..deps import SessionDep, sample_of
from ..jsonbody import dumps
from ..responses import errors
from ..routing import FastJSONRoute
from ..state import Numbers
from ..work import compute

router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions/{session_id}", tags=["inspect"],
                   responses=errors(404, 413, 422, 503))
SHOWN_SAMPLES = 50           # rows of the batch a reply lists


class Formula(Strict):
    layer: int = Field(ge=0, lt=MAX_DENSE_LAYERS, description="index into the state's `layers`")
    param: Literal["W", "b"] = Field("W", description='"W" for the weight W[i][j], "b" for the bias of unit i')
    i: int = Field(ge=0, lt=MAX_UNITS, description="W: the row (fan_in side); b: the unit")
    j: int | None = Field(None, ge=0, lt=MAX_UNITS, description="W only: the column (fan_out side)")
    formula: str = Field(min_length=1, max_length=MAX_FORMULA, description=(
        "one sample's term of dW[i][j] (or db[i]) in the graph lab's language, with the names a_prev, x (a "
        "first layer), w, b, z, a, y (an output layer), n, dL_da"))


FollowedQuery = Annotated[int | None, Query(ge=0, lt=MAX_POINTS, description=(
    "a dataset index: the reply's `followed` gives your value and the truth for it"))]


@router.post("/derive", response_model=Derivation, responses=errors(409))
async def derive_formula(request: Request, session: SessionDep, body: Formula, sample: FollowedQuery = None):
    """The learner's formula for one sample's term of W[i][j] (or b[i]) of a dense layer against the
    true term on every sample of the batch, after Forward and Backward (409 before)."""
    followed = sample_of(session, sample) if sample is not None else None
    noted = {}
    layer, param, i, j = body.layer, body.param, body.i, body.j

    def check(job):
        trainer = session.trainer
        net = trainer.network
        graph = prepare(net, layer, param, i, j, body.formula)
        current_rows(trainer)
        check_finite(trainer)
        yield                                           # the checks done: others' work may go first
        result = judge(net, layer, param, i, j, graph)
        num = Numbers()

        def term(row):
            return {"sample": int(trainer.batch[row]), "yours": num.number(float(result.yours[row])),
                    "truth": num.number(float(result.truth[row]))}
        wrong = np.flatnonzero(~result.right)
        row = trainer.row_of(followed) if followed is not None else None
        noted.update(layer=layer, param=param, i=i, j=j, formula=shown_formula(body.formula), correct=result.correct,
                     slip=result.slip)
        return dumps({"layer": layer, "param": param, "i": i, "j": j,
                      "names": allowed_names(net, layer, param), "correct": result.correct,
                      "batch_size": len(result.truth), "wrong": len(wrong),
                      "samples": [term(r) for r in range(min(SHOWN_SAMPLES, len(result.truth)))],
                      "first_wrong": term(wrong[0]) if len(wrong) else None,
                      "followed": term(row) if row is not None else None,
                      "slip": result.slip, "hint": result.hint})

    reply = await compute(request, session, "derive", check)
    note(request, session.id, derivation=noted)         # collected, in a class
    return reply
