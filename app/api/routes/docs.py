"""The OpenAPI page, with Swagger UI served from this server (no CDN, the strict CSP holds)."""
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def show_docs(request: Request):
    """Every endpoint and field, with its bounds."""
    return request.app.state.templates.TemplateResponse(request, "docs.html", {})
