"""Liveness for load balancers and the container's HEALTHCHECK."""
from fastapi import APIRouter

from .deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(store: StoreDep):
    """200 while the server answers, with the number of live sessions."""
    return {"status": "ok", "sessions": len(store)}
