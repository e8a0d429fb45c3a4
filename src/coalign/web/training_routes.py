"""The participant's training pages: read the study's training, take its check, see the feedback
on each answer, and try again until the pass mark opens coding.

Each route passes the participant's id to one :mod:`coalign.coconstruct.training` function;
a study without a training answers "not found".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from coalign.coconstruct.training import submit_check, training_page
from coalign.web.dependencies import AppStore, CsrfForm, ParticipantId
from coalign.web.errors import TRAINING_PAGE
from coalign.web.forms import optional_int, prefixed
from coalign.web.pages import language, render

router = APIRouter()
#: Check answers are posted as ``answer.<question id>=<option position>``.
ANSWER = "answer."


@router.get(TRAINING_PAGE, response_class=HTMLResponse)
def training(request: Request, store: AppStore, pid: ParticipantId) -> Response:
    """The training in the page's language, with the feedback on the latest attempt."""
    return render(request, "c_training.html", training=training_page(store, pid, language(request)))


@router.post(TRAINING_PAGE)
async def check(request: Request, form: CsrfForm, store: AppStore, pid: ParticipantId) -> Response:
    """Score one attempt at the check, then show its feedback."""
    answers = {
        question: optional_int(form, ANSWER + question) for question in prefixed(form, ANSWER)
    }
    chosen = {question: option for question, option in answers.items() if option is not None}
    submit_check(store, pid, chosen, language(request))
    return RedirectResponse(f"{TRAINING_PAGE}#result", status_code=303)
