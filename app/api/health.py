"""Liveness for load balancers and the container's HEALTHCHECK."""
from fastapi import APIRouter

from ..responses import Health, errors
from .deps import StoreDep

router = APIRouter(tags=["health"], responses=errors(413))


@router.get("/healthz", response_model=Health)
async def healthz(store: StoreDep):
    """200 while the server answers, with the number of live sessions."""
    return {"status": "ok", "sessions": len(store)}
