"""A teacher's class: create it, let learners join by its code, watch them, push a lesson, pause,
export the results, end it. The teacher's routes take `Authorization: Bearer <teacher_key>`."""
import csv
import io
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.exceptions import HTTPException
from pydantic import Field, ValidationError

from ...classes.model import ClassFull, ClassNotFound, clean_name, key_matches, normal_code
from ...engine import ConfigError
from ...scenarios.links import MAX_CODE_CHARS, Scenario, ScenarioError, check_exercises, decode, encode
from ...sessions.fields import Strict
from ...sessions.session import build_trainer
from ..jsonbody import JSONBytes, dumps
from ..responses import errors
from ..routing import FastJSONRoute
from .sessions import make_session

router = APIRouter(route_class=FastJSONRoute, prefix="/api/classes", tags=["classes"],
                   responses=errors(404, 422, 503))
MAX_LESSON_CHARS = 32 * 1024     # a class's lesson as a link code (a preset is a few hundred)
CodePath = Annotated[str, Path(max_length=16, description="the class's six-character join code")]


class LessonBody(Strict):
    """A lesson: a scenario (as POST /api/scenarios/encode takes it) or its link code."""

    lesson: Scenario | Annotated[str, Field(min_length=1, max_length=MAX_CODE_CHARS)] | None = None


class NewClass(LessonBody):
    title: str | None = Field(None, max_length=120)


class Join(Strict):
    name: str = Field(min_length=1, max_length=64, description="a nickname, 1-24 printable characters")


class Pause(Strict):
    paused: bool


def lesson_code(lesson):
    """The lesson as a link code (422 naming `lesson` for one no session could have, or too long)."""
    if lesson is None:
        return None
    try:
        scenario = decode(lesson) if isinstance(lesson, str) else lesson
    except ScenarioError as e:
        raise ConfigError("lesson", str(e)) from None
    except ValidationError as e:
        raise ConfigError("lesson", f"the lesson's code holds a scenario this server refuses: {e.errors()[0]['msg']}")
    try:
        _, normalised = build_trainer(scenario.config)           # refuse a configuration no session could have
        check_exercises(scenario, normalised["layers"])          # and an exercise on a weight it lacks
    except ConfigError as e:
        raise ConfigError("lesson", f"the lesson's {e.field}: {e}") from None
    except ScenarioError as e:
        raise ConfigError("lesson", f"the lesson's {e}") from None
    code = encode(scenario)
    if len(code) > MAX_LESSON_CHARS:
        raise ConfigError("lesson", f"a class's lesson is at most {MAX_LESSON_CHARS:,} characters as a link "
                                    f"code, this one {len(code):,}: use fewer points of your own, or a preset")
    return {"code": code, "title": scenario.title}


def class_code(code):
    """The code as stored, or 404 (any string that names no class is a 404, whatever its form)."""
    normal = normal_code(code)
    if normal is None:
        raise ClassNotFound(code)
    return normal


async def teacher(request: Request, code: CodePath, authorization: Annotated[str | None, Header()] = None):
    """The class (without its learners), for the holder of its key: 401 without one, 403 with
    another, 404 if gone."""
    room = await request.app.state.classes.get(class_code(code), learners=False)
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "this needs the class's teacher key: Authorization: Bearer <teacher_key>",
                            headers={"WWW-Authenticate": "Bearer"})
    if not key_matches(room.digest, authorization[len("Bearer "):].strip()):
        raise HTTPException(403, "that is not this class's teacher key")
    return room


Teacher = Annotated[object, Depends(teacher)]


@router.post("", status_code=201, responses=errors(415, 429))
async def create_class(request: Request, body: NewClass | None = None):
    """A new class: {code, teacher_key, expires_at}. Keep the key: it is shown once."""
    body = body or NewClass()
    lesson = await request.app.state.scheduler.run(lambda job: lesson_code(body.lesson))
    code, key, expires = await request.app.state.classes.create(body.title, lesson)
    return JSONBytes(dumps({"code": code, "teacher_key": key, "expires_at": expires}), status_code=201,
                     headers={"Location": f"/api/classes/{code}"})


@router.get("/{code}", responses=errors(401, 403))
async def class_view(request: Request, room: Teacher):
    """Every learner's name, step, loss, phase, accuracy, last_seen (s ago), recent refusals,
    predictions and formulas' verdicts (derive it yourself); no session ids."""
    room = await request.app.state.classes.get(room.code)
    return JSONBytes(dumps(room.view(time.time())))


@router.delete("/{code}", status_code=204, responses=errors(401, 403))
async def end_class(request: Request, room: Teacher):
    """End the class: its roster, progress and answers go; the learners' sessions carry on."""
    await request.app.state.classes.end(room.code)
    return Response(status_code=204)


@router.post("/{code}/join", status_code=201, responses=errors(409, 429))
async def join_class(request: Request, code: CodePath, body: Join):
    """A learner joins with a nickname: a new session on the class's lesson (as a create, counted
    by the rate limit); {session, name, lesson}."""
    classes = request.app.state.classes
    room = await classes.get(class_code(code), learners=False)
    try:
        name = clean_name(body.name)
    except ValueError as e:
        raise ConfigError("name", str(e)) from None
    if room.size >= classes.size:            # checked again as the learner is added
        raise ClassFull(f"the class has {classes.size} learners, as many as this server allows")
    scenario = decode(room.lesson["code"]) if room.lesson else Scenario()
    session, _ = await make_session(request, lambda: (*build_trainer(scenario.config), scenario.config))
    try:
        name = await classes.join(room.code, name, session.id)
    except (ClassFull, ClassNotFound):
        await request.app.state.store.delete(session.id)
        raise
    return JSONBytes(dumps({"session": session.id, "name": name, "lesson": room.lesson,
                            "lesson_version": room.lesson_version}), status_code=201)


@router.get("/{code}/lesson")
async def get_lesson(request: Request, code: CodePath):
    """The class's lesson (a link code and its title, or null), its version, whether it is paused:
    what a learner's page polls to offer a new lesson."""
    room = await request.app.state.classes.get(class_code(code), learners=False)
    return JSONBytes(dumps({"title": room.title, "lesson": room.lesson, "lesson_version": room.lesson_version,
                            "paused": room.paused}))


@router.put("/{code}/lesson", responses=errors(401, 403))
async def put_lesson(request: Request, room: Teacher, body: LessonBody):
    """Replace the lesson; every learner's page offers to open it (never without their click)."""
    lesson = await request.app.state.scheduler.run(lambda job: lesson_code(body.lesson))
    version = await request.app.state.classes.set_lesson(room.code, lesson)
    return JSONBytes(dumps({"lesson": lesson, "lesson_version": version}))


@router.post("/{code}/pause", responses=errors(401, 403))
async def pause_class(request: Request, room: Teacher, body: Pause):
    """While paused, the class's sessions answer Forward, Backward, Step and Train with 423."""
    await request.app.state.classes.set_paused(room.code, body.paused)
    return JSONBytes(dumps({"paused": body.paused}))


@router.delete("/{code}/learners/{name:path}", status_code=204, responses=errors(401, 403))
async def remove_learner(request: Request, room: Teacher, name: Annotated[str, Path(max_length=64)]):
    """Take a learner out of the class; their session carries on outside it."""
    await request.app.state.classes.remove(room.code, name)
    return Response(status_code=204)


@router.get("/{code}/results.csv", response_class=Response, responses={
    **errors(401, 403), 200: {"description": "The results as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def results(request: Request, room: Teacher):
    """The class's results as CSV: name, step, last loss, accuracy, then each prediction and each
    formula written (derive it yourself)."""
    room = await request.app.state.classes.get(room.code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "step", "last loss", "accuracy", "phase", "predictions (layer i j: value / truth)",
                     "formulas (layer i j: formula: right, or the slip)"])
    for learner in room.learners.values():
        p = learner.progress
        guesses = "; ".join(f"{g['layer']} {g['i']} {g['j']}: {g['value']:.6g} / {g['truth']:.6g}"
                            for g in learner.predictions)
        formulas = "; ".join(f"{d['layer']} {d['i']} {'b' if d['j'] is None else d['j']}: {d['formula']}: "
                             f"{'right' if d['correct'] else d['slip'] or 'wrong'}" for d in learner.derivations)
        writer.writerow([csv_safe(learner.name), p.get("step"), p.get("loss"), p.get("accuracy"), p.get("phase"), guesses,
                         csv_safe(formulas)])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="class-{room.code}.csv"'})


def csv_safe(text):
    """A name a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in "=+-@\t\r" else text
