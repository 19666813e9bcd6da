"""Scenarios (links and presets) and session files (export, import)."""
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError

from ...engine import PhaseError
from ..jsonbody import JSONBytes, dumps
from ..responses import Code, Presets, SessionState, errors
from ...scenarios.files import check_file, export_session, restore
from ...scenarios.links import (MAX_CODE_CHARS, MAX_DECODED_BYTES, Scenario, ScenarioError, check_exercises,
                                decode, encode, encode_steps)
from ...sessions.fields import Strict
from ...engine import ConfigError
from ...sessions.session import build_trainer
from ..routing import FastJSONRoute
from ..deps import ReplacesQuery, SessionDep, ToolLimit
from .sessions import open_session
from ..work import compute

router = APIRouter(route_class=FastJSONRoute, tags=["scenarios"], responses=errors(413, 422, 503))
IMPORT_PATH = "/api/sessions/import"   # its body limit is MANUALGRAD_MAX_IMPORT_BYTES (app.main)


class ScenarioCode(Strict):
    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS, description='what follows "#s=" in a scenario link')


def invalid(field, error: ValidationError):
    """A 422 for a pydantic error inside a code or file, its fields under `field`."""
    return RequestValidationError([{**e, "loc": ("body", field, *e["loc"])} for e in error.errors()])


def preset_list(presets):
    """The reply of GET /api/scenarios, encoded once at start-up."""
    return dumps({"presets": [
        {"name": p.name, "title": p.title, "description": p.description,
         "code": encode(Scenario(**p.model_dump(exclude={"name"})))} for p in presets.values()]})


@router.get("/api/scenarios", response_model=Presets)
async def list_presets(request: Request):
    """The named presets this server ships (and the teacher's own), each with its link code."""
    return JSONBytes(request.app.state.preset_list)


class ScenarioToEncode(Scenario):
    name: str | None = Field(None, max_length=41, description="a preset file's name, so that such a "
                             "file can be sent as it is; not part of the code")


@router.post("/api/scenarios/encode", response_model=Code, responses=errors(429), dependencies=[ToolLimit])
async def encode_scenario(request: Request, body: ScenarioToEncode):
    """The compact, versioned code of a scenario (or of a preset file), for a link like /#s=CODE."""
    def work(job):
        # the parts as they are (validated with the body): no second validation of its points
        scenario = Scenario(title=body.title, description=body.description, config=body.config, teacher=body.teacher)
        _, normalised = build_trainer(scenario.config)   # refuse a configuration no session could have
        yield
        try:
            check_exercises(scenario, normalised["layers"])
        except ScenarioError as e:
            raise ConfigError(e.field, str(e)) from None
        code = yield from encode_steps(scenario)
        if len(code) > MAX_CODE_CHARS:      # the link would be refused when opened: say so now
            field, what = (("config.params", "these starting weights") if scenario.config.params
                           else ("config.dataset", "these points"))
            raise ConfigError(field, f"a link with {what} would be {len(code):,} characters, over the "
                                     f"{MAX_CODE_CHARS:,} a link may have: make the link without them, "
                                     f"or export the session as a file")
        return dumps({"code": code})
    return JSONBytes(await request.app.state.scheduler.run(work))


@router.post("/api/scenarios/decode", response_model=Scenario, responses=errors(429), dependencies=[ToolLimit])
async def decode_scenario(request: Request, body: ScenarioCode):
    """The scenario in a link's code (422 naming `code` if it is damaged or unknown)."""
    def work(job):
        try:
            scenario = decode(body.code)
        except ScenarioError as e:
            raise ConfigError("code", str(e)) from None
        except ValidationError as e:
            raise invalid("code", e) from None
        reply = dumps(scenario.model_dump(mode="json"))
        if len(reply) > MAX_DECODED_REPLY:      # numbers written longer than the code had them
            raise ConfigError("code", f"the scenario is {len(reply):,} bytes once written out, over the "
                                      f"{MAX_DECODED_REPLY:,} a decoded link may have")
        return reply
    return JSONBytes(await request.app.state.scheduler.run(work))


MAX_DECODED_REPLY = MAX_DECODED_BYTES + 64 * 1024   # what a code may unpack to, and a little


def finite(trainer):
    """Whether every weight and optimiser value is a finite number (JSON has no NaN or inf)."""
    arrays = [value for layer in trainer.network.layers for _, value in layer.parameters()]   # W, b (γ, β)
    for value in trainer.optimizer.state.values():
        arrays += list(value) if isinstance(value, tuple) else [] if value is None else [value]
    return all(np.isfinite(a).all() for a in arrays)


@router.get("/api/sessions/{session_id}/export", responses=errors(404, 409))
async def export_file(request: Request, session: SessionDep):
    """The session as a JSON file: configuration, starting and current weights, optimiser state,
    loss history, and a sha256 of the content so that a changed file is noticed on import."""
    def work(job):
        if not finite(session.trainer):     # JSON has no NaN: the file could not be read back
            raise PhaseError("this session diverged: some weights or optimiser values are no longer "
                             "finite numbers, so it cannot be saved; reset it, or lower the learning rate")
        return dumps((yield from export_session(session, request.app.state.settings.secret_key())))
    name = f"manualgrad-step{session.trainer.steps}.json"
    return await compute(request, session, "export", work,
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})


def trainer_from_file(body, secret):
    """The trainer a session file describes, where it left off; 422 naming what is wrong.
    A generator: it pauses while it hashes the file."""
    try:
        file = yield from check_file(body, secret)
        trainer, normalised = build_trainer(file.config)
        restore(trainer, file)
    except ScenarioError as e:
        raise ConfigError("file", str(e)) from None
    except ConfigError as e:     # the file's configuration, refused as a new session's would be
        raise ConfigError(f"file.config.{e.field}", str(e)) from None
    except ValidationError as e:
        raise invalid("file", e) from None
    return trainer, normalised, file.config


@router.post(IMPORT_PATH, status_code=201, response_model=SessionState, responses=errors(415, 429),
             dependencies=[ToolLimit])
async def import_file(request: Request, body: Annotated[dict, Body(description="an exported session file")],
                      replaces: ReplacesQuery = None):
    """A new session from an exported file, where the exported one left off (`replaces` as for
    a create)."""
    secret = request.app.state.settings.secret_key()
    return await open_session(request, lambda: trainer_from_file(body, secret), 0, replaces)
