"""The page learners see."""
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def show_page(request: Request):
    """The playground."""
    return request.app.state.templates.TemplateResponse(request, "index.html", {})
