"""The computational graph lab: an expression's DAG with values, local derivatives, reverse-mode
gradients, forward-mode tangents, finite differences and (for two inputs) the Hessian."""
import math
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Request
from pydantic import Field, StringConstraints

from ...engine import ConfigError
from ...engine.graph import MAX_SOURCE, Graph, finite_difference_steps, grid, hessian
from ..jsonbody import JSONBytes, dumps
from ..responses import GraphReply, errors
from ...sessions.fields import Strict
from ..deps import ToolLimit
from ..routing import FastJSONRoute

router = APIRouter(route_class=FastJSONRoute, tags=["graph"], responses=errors(413, 422, 503))

InputName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9]{0,15}$")]
MAX_INPUTS = 16
COSTS = {}             # the measured cost of a graph request: past a slice, it starts as bulk work


class GraphRequest(Strict):
    source: str = Field(min_length=1, max_length=MAX_SOURCE, description=(
        "lines of `name = expression`, the last line the output (two outputs: joined by a comma)"))
    values: dict[InputName, float] = Field({}, max_length=MAX_INPUTS, description="a value for every input name")
    wrt: InputName | None = Field(None, description="forward mode: the input whose tangents flow forward")
    hessian: bool = Field(False, description="for a function of exactly two inputs: its Hessian at the values")


class Reported:
    """Numbers for the reply, each as it is: a finite one as a number; NaN or ±inf as null (JSON
    has neither), with what it was under `nonfinite`, keyed by its JSON pointer."""

    def __init__(self):
        self.nonfinite = {}

    def at(self, pointer, x):
        if x is None:
            return None
        x = float(x)
        if math.isfinite(x):
            return x
        self.nonfinite[pointer] = "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"
        return None


def reply(body):
    """The reply, as a generator that pauses (yields) between its parts for the compute
    thread's slices."""
    g = Graph(body.source, body.values)
    yield
    num = Reported()
    outputs = [o.id for o in g.outputs]
    inputs = g.inputs()
    # one backward per output: its row of the Jacobian; the first output's gradients are the nodes'
    rows = []
    for out in reversed(outputs):
        g.backward(out)
        rows.insert(0, [g.names[name].grad for name in inputs])
    yield
    if body.wrt is not None:
        g.forward_tangents(body.wrt)
    nodes = [{"id": n.id, "op": n.op, "label": n.label, "name": n.name, "inputs": n.inputs,
              "value": num.at(f"/nodes/{k}/value", n.value), "grad": num.at(f"/nodes/{k}/grad", n.grad),
              "local": [num.at(f"/nodes/{k}/local/{m}", d) for m, d in enumerate(n.local)], "finite": n.finite,
              **({"tangent": num.at(f"/nodes/{k}/tangent", n.tangent)} if body.wrt is not None else {})}
             for k, n in enumerate(g.nodes)]
    result = {"nodes": nodes, "order": [n.id for n in g.nodes], "inputs": inputs,
              "gradients": {name: num.at(f"/gradients/{name}", v) for name, v in zip(inputs, rows[0])}}
    if len(outputs) == 1:
        result["output"] = outputs[0]
    else:
        result["outputs"] = outputs
        result["jacobian"] = {"rows": outputs, "columns": inputs,
                              "matrix": [[num.at(f"/jacobian/matrix/{r}/{c}", v) for c, v in enumerate(row)]
                                         for r, row in enumerate(rows)]}
    used = {name: body.values[name] for name in inputs}
    with np.errstate(all="ignore"):
        differences = yield from finite_difference_steps(body.source, used)
        result["finite_differences"] = {k: num.at(f"/finite_differences/{k}", v) for k, v in differences.items()}
        if body.hessian:
            if len(inputs) != 2 or len(outputs) != 1:
                raise ConfigError("hessian", "the Hessian is drawn for one output of exactly two inputs")
            h = hessian(body.source, used)
            yield
            result["grid"] = grid(body.source, used)       # for its contour plot
            result["hessian"] = {**h, "matrix": [[num.at(f"/hessian/matrix/{r}/{c}", v) for c, v in enumerate(row)]
                                                 for r, row in enumerate(h["matrix"])],
                                 "eigenvalues": [num.at(f"/hessian/eigenvalues/{k}", v) for k, v in enumerate(h["eigenvalues"])]}
    result["nonfinite"] = num.nonfinite
    return dumps(result)


@router.post("/api/graph", response_model=GraphReply, responses=errors(429), dependencies=[ToolLimit])
async def build_graph(request: Request, body: GraphRequest):
    """The computational graph of an expression: every node's value and local derivatives,
    reverse-mode gradients (accumulated over every use), forward-mode tangents for `wrt`, finite
    differences in extended precision, and the Hessian when asked for (two inputs)."""
    return JSONBytes(await request.app.state.scheduler.run(lambda job: reply(body), costs=COSTS, kind="graph"))
