"""The web chat page at / (filled in by the web work)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


def token_page() -> HTMLResponse:
    """The page shown when a token is required and the browser has none: it asks for it and keeps it in a cookie."""
    return HTMLResponse("<!doctype html><title>alloygan</title><p>This server needs its token.</p>"
                        "<form onsubmit=\"document.cookie='alloygan_token='+encodeURIComponent(t.value)+"
                        "';path=/;SameSite=Strict';location.reload();return false\">"
                        "<input id=t type=password placeholder='ALLOYGAN_API_TOKEN' autofocus>"
                        "<button>Open</button></form>", status_code=401)
