"""Looking closer: one weight's chain rule, gradient checks, batch pages, pictures, data, history."""
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ...engine import gradient_check_steps
from ...limits import MAX_BATCH_PAGE, MAX_DENSE_LAYERS, MAX_GRID, MAX_STEP, MAX_UNIT_GRID, MAX_UNITS
from ..chains import (InputQuery, KernelIndex, ParamQuery, ScoreQuery, chain_of, check_finite, check_head_weight_job,
                      check_input_job, check_kernel_weight_job, check_one_weight, check_score_job, current_rows,
                      head_chain_of, input_chain_of, kernel_chain_of, numbers_in, score_chain_of, which_weight)
from ..deps import SampleQuery, SessionDep, SessionId, held, sample_of
from ..jsonbody import dumps
from ..chain_responses import (ChainRule, HeadChain, InputChain, InputCheck, KernelChain, KernelCheck, NetworkCheck,
                              PoolRoute, ScoreChain, WeightCheck)
from ..responses import BatchPage, Data, History, NoPicture, PastWeights, Picture, errors
from ..routing import FastJSONRoute
from ..state import Numbers, batch_page, data_bounds, predictions
from ..work import compute, within

router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions/{session_id}", tags=["inspect"],
                   responses=errors(404, 413, 422, 503))

LayerQuery = Annotated[int, Query(ge=0, lt=MAX_DENSE_LAYERS, description="index into the state's `layers`")]
UnitQuery = Annotated[int, Query(ge=0, lt=MAX_UNITS)]
StepQuery = Annotated[int, Query(ge=0, le=MAX_STEP, description="an update number, 0 to the session's step")]
GRADCHECK_SAMPLES = 256          # rows of the batch a whole-network gradient check uses at most
GRADCHECK_BUDGET = 5e7           # multiply-adds a whole-network check may spend, roughly


@router.get("/chain", response_model=ChainRule | KernelChain | InputChain | PoolRoute | HeadChain | ScoreChain,
            responses=errors(409))
async def get_chain(request: Request, session_id: SessionId, layer: LayerQuery | None = None,
                    i: UnitQuery | None = None, j: UnitQuery | None = None, param: ParamQuery = None,
                    o: KernelIndex = None, c: KernelIndex = None, u: KernelIndex = None, v: KernelIndex = None,
                    input: InputQuery = None, score: ScoreQuery = None, sample: SampleQuery = 0,
                    position: Annotated[int, Query(ge=0, lt=8, description=(
                        "after an attention head: the position of the sample a dense weight's chain is of"))] = 0):
    """For one sample: with i and j, dL/dW[i][j] of a dense layer as a_prev · f'(z) · dL/da, the
    batch sum that equals dW, and the update the optimiser's next step will make to this weight;
    with param (Wq, Wk or Wv), i and j, an attention head's weight as one term per position; with
    o, c, u and v, a conv2d's kernel weight dL/dW[o,c,u,v] as one term per output position, the
    sample's and the batch's sums; with input=c,r,s, that input's gradient as one term per kernel
    weight that saw it (a conv2d), or where a pool sent it; with score=t,t2, an attention score's
    gradient through its row's softmax."""
    kind = which_weight(layer, dict(i=i, j=j, param=param, o=o, c=c, u=u, v=v, input=input, score=score))
    async with held(request, session_id) as session:      # a click: plain parameters, as the phases
        sample = sample_of(session, sample)
        if kind == "kernel":
            return await compute(request, session, "chain", kernel_chain_of, session, layer, (o, c, u, v), sample)
        if kind == "input":
            return await compute(request, session, "chain", input_chain_of, session, layer, numbers_in(input), sample)
        if kind == "head":
            return await compute(request, session, "chain", head_chain_of, session, layer, param, i, j, sample)
        if kind == "score":
            return await compute(request, session, "chain", score_chain_of, session, layer, numbers_in(score), sample)
        return await compute(request, session, "chain", chain_of, session, layer, i, j, sample, position)


@router.get("/gradcheck", response_model=WeightCheck | KernelCheck | InputCheck | NetworkCheck, responses=errors(409))
async def get_gradcheck(request: Request, session: SessionDep, layer: LayerQuery | None = None,
                        i: UnitQuery | None = None, j: UnitQuery | None = None, param: ParamQuery = None,
                        o: KernelIndex = None, c: KernelIndex = None, u: KernelIndex = None, v: KernelIndex = None,
                        input: InputQuery = None, score: ScoreQuery = None, sample: SampleQuery = 0):
    """Finite differences against backward. With layer, i and j: that dense weight, on the whole
    current batch (with param, a weight of an attention head's Wq, Wk or Wv); with layer, o, c,
    u, v: that kernel weight; with layer and input=c,r,s: that input of a conv2d or pool layer
    for `sample`; with score=t,t2 that attention score of `sample`. Without: the relative error
    of every W and b array (on at most 256 rows of the batch, and a seeded sample of entries when
    the net is big), within the server's time limit per request: `W_checked` and `b_checked` say
    how many entries were. A diverged network is 409."""
    query = dict(i=i, j=j, param=param, o=o, c=c, u=u, v=v, input=input, score=score)
    if layer is None and all(value is None for value in query.values()):
        limit = request.app.state.settings.train_seconds
        return await compute(request, session, "gradcheck", check_network, session, limit)
    kind = which_weight(layer, query)
    if kind == "kernel":
        return await compute(request, session, "gradcheck-weight", check_kernel_weight_job, session, layer, (o, c, u, v))
    if kind == "input":
        return await compute(request, session, "gradcheck-weight", check_input_job, session, layer, numbers_in(input),
                             sample_of(session, sample))
    if kind == "head":
        return await compute(request, session, "gradcheck-weight", check_head_weight_job, session, layer, param, i, j)
    if kind == "score":
        return await compute(request, session, "gradcheck-weight", check_score_job, session, layer, numbers_in(score),
                             sample_of(session, sample))
    return await compute(request, session, "gradcheck-weight", check_one_weight, session, layer, i, j)


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
