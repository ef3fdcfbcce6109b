"""Administrator pages for master lists kept as data: items, months in force, use; add, edit, remove, load.

Every change goes through the same plan as `flask mpr masters load`: an item with figures
is never removed nor put out of force for a month that has them, and a new item never
joins months whose returns were filed without it.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.extensions import db
from app.security import permissions as p
from app.services.accounts import master_plan
from app.services.accounts.masters import MasterRow, item_problems
from app.services.engine import catalogue

ITEM_FIELDS = ("key", "label", "label_hi", "from", "until")


def _declared(code: str):
    master = catalogue.definitions().masters.get(code)
    if master is None:
        abort(404)
    return master


def _typed_item() -> dict[str, str]:
    return {name: (request.form.get(name) or "").strip() for name in ITEM_FIELDS}


def _row(master: str, values: dict[str, str], position: int) -> MasterRow:
    return MasterRow(
        master,
        values["key"],
        values["label"],
        position,
        values["from"] or None,
        values["until"] or None,
        values["label_hi"] or None,
    )


class MastersView(BaseView):
    """Master lists (Admin only): their items with the months they are in force and their use."""

    route_base = "/admin/masters"
    default_view = "index"
    class_permission_name = p.MASTER_LISTS
    method_permission_name = p.methods(
        read=("index", "show"), edit=("add_item", "edit_item", "remove_item", "load")
    )

    @expose("/")
    @has_access
    def index(self):
        """Every declared master list with its number of items and the formats built on it."""
        definitions = catalogue.definitions()
        lists = [
            (
                master,
                master_plan.item_count(master.code),
                [
                    f
                    for f in definitions.formats.values()
                    if f.rows.kind == "master" and f.rows.master == master.code
                ],
            )
            for master in definitions.masters.values()
        ]
        return self.render_template("mpr/masters.html", lists=lists)

    def _show(self, code: str, typed: dict | None = None, wrong: dict | None = None, status: int = 200):
        master = _declared(code)
        use = master_plan.list_use(code)
        rows = master_plan.current_rows(code)
        suggested = str(max(use.filed_months).next()) if use.filed_months else ""
        page = self.render_template(
            "mpr/master_list.html",
            master=master,
            rows=rows,
            use=use,
            typed=typed or {"from": suggested},
            wrong=wrong or {},
            editing=request.args.get("edit"),
        )
        return page, status

    @expose("/<code>")
    @has_access
    def show(self, code: str):
        """The items of one list; the form to add one."""
        return self._show(code)

    def _apply(self, code: str, rows: list[MasterRow], typed: dict, done: str):
        """Plan the new list; carry it out, or show every problem on the page (nothing changed)."""
        plan = master_plan.plan_list(code, rows)
        if plan.problems:
            for problem in plan.problems:
                flash(problem, "danger")
            return self._show(code, typed, status=422)
        master_plan.apply(plan, g.user.id, g.user.username)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("MastersView.show", code=code))

    @expose("/<code>/items", methods=["POST"])
    @has_access
    def add_item(self, code: str):
        """Add an item at the end of the list, in force from the month given."""
        _declared(code)
        typed = _typed_item()
        wrong = item_problems(typed)
        rows = master_plan.current_rows(code)
        if typed["key"] in {row.key for row in rows}:
            wrong["key"] = _("%(key)s is already in the list", key=typed["key"])
        if wrong:
            return self._show(code, typed, wrong, status=422)
        added = _row(code, typed, len(rows))
        return self._apply(code, [*rows, added], typed, _("%(key)s added.", key=added.key))

    @expose("/<code>/<key>/edit", methods=["POST"])
    @has_access
    def edit_item(self, code: str, key: str):
        """Change an item's labels or months (its key never changes: figures are stored under it)."""
        _declared(code)
        rows = master_plan.current_rows(code)
        position = next((i for i, row in enumerate(rows) if row.key == key), None)
        if position is None:
            abort(404)
        typed = _typed_item() | {"key": key}
        wrong = item_problems(typed)
        if wrong:
            for name, message in wrong.items():
                flash(f"{key}.{name}: {message}", "danger")
            return self._show(code, status=422)
        rows[position] = _row(code, typed, position)
        return self._apply(code, rows, {}, _("%(key)s changed.", key=key))

    @expose("/<code>/<key>/remove", methods=["POST"])
    @has_access
    def remove_item(self, code: str, key: str):
        """Remove an item that has no figures (one with figures is ended with 'until' instead)."""
        _declared(code)
        rows = master_plan.current_rows(code)
        if key not in {row.key for row in rows}:
            abort(404)
        kept = [row for row in rows if row.key != key]
        return self._apply(code, kept, {}, _("%(key)s removed.", key=key))

    @expose("/load", methods=["GET", "POST"])
    @has_access
    def load(self):
        """A master-list file: GET the form; POST shows its plan, POST with confirmed=1 carries it out."""
        if request.method == "GET":
            return self.render_template("mpr/master_load.html", plan=None, text="")
        text = self._sent_text()
        if text is None:
            flash(_("The file is not UTF-8 text: save it as UTF-8 and send it again."), "danger")
            return self.render_template("mpr/master_load.html", plan=None, text=""), 422
        declared = catalogue.definitions().masters
        plan = master_plan.plan_file(text, declared, _("the file"))
        if plan.problems or request.form.get("confirmed") != "1":
            status = 422 if plan.problems else 200
            return self.render_template("mpr/master_load.html", plan=plan, text=text), status
        count = master_plan.apply(plan, g.user.id, g.user.username)
        db.session.commit()
        flash(_("%(count)d change(s) made to the master lists.", count=count), "success")
        return redirect(url_for("MastersView.index"))

    @staticmethod
    def _sent_text() -> str | None:
        """The file sent, or the text typed or carried over from the plan; None if not UTF-8 text."""
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            try:
                return upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                return None
        return request.form.get("text", "")
