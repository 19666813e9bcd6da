"""The page learners see."""
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..catalog import catalog

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def show_page(request: Request):
    """The playground: its names, labels and limits from the catalog the API itself keeps."""
    page_catalog = catalog(request.app.state.settings)
    return request.app.state.templates.TemplateResponse(
        request, "index.html", {"catalog": page_catalog, "datasets": page_catalog["datasets"],
                                "limits": page_catalog["limits"]})


@router.get("/graph", response_class=HTMLResponse)
async def show_graph_page(request: Request):
    """The computational graph lab: reverse and forward mode on any small expression."""
    return request.app.state.templates.TemplateResponse(request, "graph.html", {})
