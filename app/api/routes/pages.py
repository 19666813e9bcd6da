"""The pages: the learners' playground (and a class's join link to it), the teacher's page, the graph lab."""
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..catalog import catalog

router = APIRouter(include_in_schema=False)


def playground(request, join_code=""):
    """The playground: its names, labels and limits from the catalog the API itself keeps."""
    page_catalog = catalog(request.app.state.settings)
    return request.app.state.templates.TemplateResponse(
        request, "index.html", {"catalog": page_catalog, "datasets": page_catalog["datasets"],
                                "limits": page_catalog["limits"], "join_code": join_code})


@router.get("/", response_class=HTMLResponse)
async def show_page(request: Request):
    """The playground."""
    return playground(request)


@router.get("/c/{code}", response_class=HTMLResponse)
async def show_join_page(request: Request, code: str):
    """A class's join link: the playground with "Join a class" open and the code filled in (any
    code: one that names no class is said so when the learner joins)."""
    return playground(request, join_code=code[:16])


@router.get("/teach", response_class=HTMLResponse)
async def show_teach_page(request: Request):
    """The teacher's page: create a class, project its code, watch every learner, pace the lesson."""
    return request.app.state.templates.TemplateResponse(
        request, "teach.html", {"hours": request.app.state.settings.class_hours})


@router.get("/graph", response_class=HTMLResponse)
async def show_graph_page(request: Request):
    """The computational graph lab: reverse and forward mode on any small expression."""
    return request.app.state.templates.TemplateResponse(request, "graph.html", {})
