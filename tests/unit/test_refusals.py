"""app/errors.py: one catalogue of refusals, turned into responses in one place."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, Refusal
from app.services.cycle.saving import ReturnLocked, SaveConflict
from app.services.cycle.workflow import (
    ConcurrentChange,
    FiguresDisagree,
    NotFedYet,
    NotPermitted,
    WorkflowRefused,
)
from app.services.engine.grid import GridClosed


def test_every_business_refusal_is_in_the_catalogue_with_its_status_and_a_distinct_code():
    refusals = [
        WorkflowRefused,
        FiguresDisagree,
        NotPermitted,
        ConcurrentChange,
        SaveConflict,
        ReturnLocked,
        GridClosed,
        NotFedYet,
    ]
    assert all(issubclass(r, Refusal) for r in refusals)
    assert {r: r.status for r in refusals} == {
        WorkflowRefused: 409,
        FiguresDisagree: 409,
        NotPermitted: 403,
        ConcurrentChange: 409,
        SaveConflict: 409,
        ReturnLocked: 409,
        GridClosed: 409,
        NotFedYet: 409,
    }
    assert len({r.code for r in refusals}) == len(refusals)


def test_cell_errors_make_a_refusal_answer_422_with_every_error_listed():
    cells = [{"row": "r1", "column": "receipt", "code": "required", "message": "Required"}]
    refused = WorkflowRefused("GI-GST-2 cannot be submitted", cells)
    assert refused.http_status() == 422
    assert refused.as_dict() == {
        "code": "workflow_refused",
        "message": "GI-GST-2 cannot be submitted",
        "errors": cells,
    }


def test_other_details_are_listed_as_missing_and_keep_the_class_status():
    refused = WorkflowRefused("Not all DGCEI formats are submitted", ["GI-GST-2", "GI-GST-5"])
    assert refused.http_status() == 409
    assert refused.as_dict()["missing"] == ["GI-GST-2", "GI-GST-5"]
    assert NotFound().http_status() == 404 and Forbidden().message == "Forbidden"
    assert Conflict("stale").as_dict() == {"code": "conflict", "message": "stale"}
