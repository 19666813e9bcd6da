"""Liveness for load balancers and the container's HEALTHCHECK."""
import asyncio
import os

from fastapi import APIRouter, Request

from ..jsonbody import JSONBytes
from ..responses import Health, Stalled, errors

router = APIRouter(tags=["health"], responses=errors(413))
HEALTH_SECONDS = 2.0      # the compute thread must take a turn this soon (the image's check waits 3 s)


@router.get("/healthz", response_model=Health, responses={503: {"model": Stalled, "description": "the server is stalled"}})
async def healthz(request: Request):
    """200 while the server answers and its compute thread takes work, with the number of live
    sessions and the id of the process that answered; 503 when a request would wait more than
    2 s for its turn."""
    store = request.app.state.store
    try:
        await asyncio.wait_for(request.app.state.scheduler.run(lambda job: None), HEALTH_SECONDS)
    except asyncio.TimeoutError:
        return JSONBytes({"status": "stalled", "sessions": None,
                          "detail": f"the compute thread took no work for {HEALTH_SECONDS:g} s"},
                         status_code=503)
    trouble = await store.trouble()
    if trouble:
        return JSONBytes({"status": "stalled", "sessions": None, "detail": trouble}, status_code=503)
    return JSONBytes({"status": "ok", "sessions": await store.count(), "process": os.getpid()})
