"""Master lists as data: `flask mpr masters load` and the administrator's page check every problem at
once, add an item from a month, and never remove (or put out of force) an item that has figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.http.conftest import flashed, save_grid
from tests.http.test_cycle import signed_in

REFUND = "dpm_gst_4"
OFFICE = "CGST-MUM-E"
HELD = "EXCESS_CASH_LEDGER"  # the item that gets a figure in 2024-01


@pytest.fixture
def masters_restored(app):
    """Put the seeded master lists back after the test (the app is shared by the whole session)."""
    from app.extensions import db
    from app.models.masters import MasterItem

    with app.app_context():
        kept = [
            {
                c: getattr(i, c)
                for c in ("master", "key", "label", "label_hi", "position", "valid_from", "valid_until")
            }
            for i in db.session.execute(select(MasterItem)).scalars()
        ]
    yield
    with app.app_context():
        db.session.query(MasterItem).delete()
        db.session.add_all(MasterItem(**item) for item in kept)
        db.session.commit()


def _refund_items(app) -> dict[str, tuple]:
    from app.extensions import db
    from app.models.masters import MasterItem

    with app.app_context():
        items = db.session.execute(select(MasterItem).where(MasterItem.master == "REFUND_CATEGORY")).scalars()
        return {i.key: (i.label, i.valid_from, i.valid_until, i.position, i.label_hi) for i in items}


def _refund_file(app, tmp_path, drop: str | None = None, extra: str = "", until: dict | None = None) -> str:
    """The refund categories as stored, written as a file, less `drop`, plus `extra` lines."""
    lines = ["REFUND_CATEGORY:"]
    in_order = sorted(_refund_items(app).items(), key=lambda item: item[1][3])
    for key, (label, start, end, _position, hindi) in in_order:
        if key == drop:
            continue
        end = (until or {}).get(key, end)
        months = (f', from: "{start}"' if start else "") + (f', until: "{end}"' if end else "")
        hindi = f', label_hi: "{hindi}"' if hindi else ""
        lines.append(f'  - {{key: {key}, label: "{label}"{hindi}{months}}}')
    path = tmp_path / "refund.yaml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return str(path)


def _load(app, path: str, *flags: str):
    return app.test_cli_runner().invoke(args=["mpr", "masters", "load", path, *flags])


@pytest.fixture
def refund_figures(app):
    """A draft of the refund format for 2024-01 with a figure on one category."""
    save_grid(signed_in(app, "cgst-mum-e"), REFUND, OFFICE, "2024-01", {(HELD, "RECEIPT_NO"): "4"})


def test_the_cli_refuses_a_file_with_every_problem_listed_and_loads_nothing(app, tmp_path, masters_restored):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "REFUND_CATEGORY:\n"
        '  - {key: lower, label: "x"}\n'
        '  - {key: GOOD, label: "Good", from: "2024-13"}\n'
        '  - {key: DATED, label: "Dated", from: "2025-04", until: "2025-01"}\n'
        '  - {key: GOOD, label: "Again"}\n'
        "NOT_DECLARED:\n"
        '  - {key: X, label: "x"}\n'
    )
    before = _refund_items(app)
    result = _load(app, str(bad))
    assert result.exit_code == 1
    output = result.output
    assert "bad.yaml:2 REFUND_CATEGORY[0].key: 'lower' is not a row key" in output
    assert "bad.yaml:3 REFUND_CATEGORY[1].from: '2024-13' is not a month" in output
    assert "bad.yaml:4 REFUND_CATEGORY[2].until: 'until' 2025-01 is before 'from' 2025-04" in output
    assert "bad.yaml:5 REFUND_CATEGORY[3].key: 'GOOD' is repeated" in output
    assert "bad.yaml:6 NOT_DECLARED: not a master list declared in the definitions" in output
    assert "Nothing was loaded: 5 problem(s)." in output
    assert _refund_items(app) == before


def test_an_item_added_from_a_month_appears_in_that_month_only(app, tmp_path, masters_restored, login_as):
    path = _refund_file(
        app,
        tmp_path,
        extra='  - {key: NEW_CATEGORY, label: "A category added by a notification", from: "2024-06"}\n',
    )
    dry = _load(app, path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ REFUND_CATEGORY.NEW_CATEGORY" in dry.output and "dry run" in dry.output
    assert "NEW_CATEGORY" not in _refund_items(app)
    result = _load(app, path)
    assert result.exit_code == 0, result.output
    assert "1 change(s) made" in result.output
    client = login_as("cgst-mum-e")
    assert 'data-row="NEW_CATEGORY"' in client.get(f"/mpr/f/{REFUND}/{OFFICE}/2024-06").get_data(as_text=True)
    assert 'data-row="NEW_CATEGORY"' not in client.get(f"/mpr/f/{REFUND}/{OFFICE}/2024-05").get_data(
        as_text=True
    )
    assert "REFUND_CATEGORY.NEW_CATEGORY" in _audit_subjects(app, "master-item-add")


def _audit_subjects(app, action: str) -> str:
    from app.extensions import db
    from app.models.audit import AuditEvent

    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        return " ".join(f"{e.object_key.replace(':', '.')}" for e in events)


def test_an_item_with_figures_is_never_removed_nor_put_out_of_force_for_their_month(
    app, tmp_path, masters_restored, refund_figures
):
    removed = _load(app, _refund_file(app, tmp_path, drop=HELD))
    assert removed.exit_code == 1
    assert f"{HELD} has figures for 2024-01 and can not be removed" in removed.output
    assert 'until: "2024-01"' in removed.output
    ended_too_early = _load(app, _refund_file(app, tmp_path, until={HELD: "2023-12"}))
    assert ended_too_early.exit_code == 1
    assert f"{HELD} has figures for 2024-01, outside its from/until" in ended_too_early.output
    assert HELD in _refund_items(app)
    ended = _load(app, _refund_file(app, tmp_path, until={HELD: "2024-01"}))
    assert ended.exit_code == 0, ended.output
    assert _refund_items(app)[HELD][2] == "2024-01"


def test_an_item_can_not_join_months_already_filed_without_it(
    app, tmp_path, masters_restored, refund_figures
):
    result = _load(app, _refund_file(app, tmp_path, extra='  - {key: LATE, label: "Always in force"}\n'))
    assert result.exit_code == 1
    assert "returns for 2024-01 were filed without LATE" in result.output
    assert 'give it from: "2024-02"' in result.output


def _page_form(client, url: str) -> dict:
    return {"csrf_token": csrf_token(client.get(url).get_data(as_text=True))}


def test_the_admin_adds_edits_and_removes_items_on_the_page(app, login_as, masters_restored, refund_figures):
    admin = login_as("admin")
    page = admin.get("/admin/masters/REFUND_CATEGORY")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-key="{HELD}"' in html
    assert 'value="2024-02"' in html  # a new item is suggested from the first month with no return filed
    token = _page_form(admin, "/admin/masters/REFUND_CATEGORY")
    wrong = admin.post(
        "/admin/masters/REFUND_CATEGORY/items",
        data={**token, "key": "bad key", "label": "", "label_hi": "Hindi", "from": "June", "until": ""},
    )
    assert wrong.status_code == 422
    body = wrong.get_data(as_text=True)
    assert 'id="item-key-error"' in body and "is not a row key" in body
    assert 'id="item-label-error"' in body and 'id="item-label_hi-error"' in body
    assert "&#39;June&#39; is not a month" in body
    added = admin.post(
        "/admin/masters/REFUND_CATEGORY/items",
        data={
            **token,
            "key": "NOTIFIED",
            "label": "Notified category",
            "label_hi": "अधिसूचित श्रेणी",
            "from": "2024-02",
        },
    )
    assert added.status_code == 302
    assert _refund_items(app)["NOTIFIED"][:2] == ("Notified category", "2024-02")
    refused = admin.post(f"/admin/masters/REFUND_CATEGORY/{HELD}/remove", data=token)
    assert refused.status_code == 422
    assert f"{HELD} has figures for 2024-01 and can not be removed" in flashed(refused.get_data(as_text=True))
    edited = admin.post(
        f"/admin/masters/REFUND_CATEGORY/{HELD}/edit",
        data={
            **token,
            "label": "Excess balance (cash ledger)",
            "label_hi": "",
            "from": "",
            "until": "2024-03",
        },
    )
    assert edited.status_code == 302
    assert _refund_items(app)[HELD][:3] == ("Excess balance (cash ledger)", None, "2024-03")
    removed = admin.post("/admin/masters/REFUND_CATEGORY/NOTIFIED/remove", data=token)
    assert removed.status_code == 302
    assert "NOTIFIED" not in _refund_items(app)


def test_the_admin_loads_a_file_after_seeing_its_plan(app, login_as, masters_restored, tmp_path):
    admin = login_as("admin")
    token = _page_form(admin, "/admin/masters/load")
    path = _refund_file(app, tmp_path, extra='  - {key: PLANNED, label: "Planned"}\n')
    text = Path(path).read_text()
    plan = admin.post("/admin/masters/load", data={**token, "text": text})
    assert plan.status_code == 200
    assert "+ REFUND_CATEGORY.PLANNED" in plan.get_data(as_text=True)
    assert "PLANNED" not in _refund_items(app)
    done = admin.post("/admin/masters/load", data={**token, "text": text, "confirmed": "1"})
    assert done.status_code == 302
    assert "PLANNED" in _refund_items(app)
    wrong = admin.post("/admin/masters/load", data={**token, "text": "REFUND_CATEGORY:\n  - {key: x}\n"})
    assert wrong.status_code == 422
    body = wrong.get_data(as_text=True)
    assert "REFUND_CATEGORY[0].key" in body and "REFUND_CATEGORY[0].label: a label is required" in body


def test_master_lists_are_for_administrators_only(login_as):
    owner = login_as("dgicce")
    assert owner.get("/admin/masters/").status_code == 403
