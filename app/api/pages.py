"""The page learners see."""
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .. import limits
from ..engine import DATASETS

router = APIRouter(include_in_schema=False)

# the page's limits come from the same constants the API enforces
PAGE_LIMITS = {
    "max_units": limits.MAX_UNITS,
    "max_hidden": limits.MAX_DENSE_LAYERS - 1,
    "max_points": limits.MAX_POINTS,
    "max_train": limits.MAX_TRAIN_STEPS,
}


@router.get("/", response_class=HTMLResponse)
async def show_page(request: Request):
    """The playground."""
    datasets = [{"name": name, "inputs": info.inputs, "outputs": info.outputs,
                 "task": info.task, "description": info.description}
                for name, info in DATASETS.items()]
    limits_shown = {**PAGE_LIMITS, "max_file_bytes": request.app.state.settings.max_import_bytes}
    return request.app.state.templates.TemplateResponse(
        request, "index.html", {"datasets": datasets, "limits": limits_shown})
