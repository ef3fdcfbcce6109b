"""Administrator pages: provision users with one-time passwords; see and clear lockouts."""

from __future__ import annotations

import datetime as dt

from flask import Response, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import or_, select

from app.extensions import db
from app.models.org import Office, OfficeKind, UserProfile
from app.security import permissions as p
from app.security import sessions
from app.services import audit, provisioning


class AccountsView(BaseView):
    """Provisioning, one-time password re-issue and lockouts (Admin only)."""

    route_base = "/admin/accounts"
    default_view = "index"
    class_permission_name = p.ACCOUNTS
    method_permission_name = {"index": p.READ, "provision": p.EDIT, "reissue": p.EDIT, "unlock": p.EDIT}

    @expose("/")
    @has_access
    def index(self):
        """Zones to provision, and accounts that are locked or waiting for first login."""
        zones = db.session.execute(
            select(Office).where(Office.kind.in_([OfficeKind.ZONE, OfficeKind.DG_HQ])).order_by(Office.code)
        ).scalars()
        moment = sessions.now()
        watched = db.session.execute(
            select(UserProfile).where(
                or_(UserProfile.locked_until > moment, UserProfile.must_change_password)
            )
        ).scalars()
        sm = self.appbuilder.sm
        accounts = [(profile, sm.get_user_by_id(profile.user_id)) for profile in watched]
        return self.render_template("mpr/accounts.html", zones=list(zones), accounts=accounts, now=moment)

    @expose("/provision", methods=["POST"])
    @has_access
    def provision(self):
        """Create users from a CSV or for a Zone's tree; answer with the hand-over workbook."""
        actor = g.user.username
        try:
            if request.form.get("zone"):
                issued = provisioning.for_zone(request.form["zone"], actor)
            else:
                upload = request.files.get("csv")
                text = upload.read().decode("utf-8-sig") if upload else request.form.get("csv_text", "")
                issued = provisioning.from_csv(text, actor)
        except (provisioning.ProvisioningError, UnicodeDecodeError) as error:
            flash(f"Nothing was created: {error}", "danger")
            return redirect(url_for("AccountsView.index"))
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
        return Response(
            provisioning.handover_workbook(issued),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="one-time-passwords-{stamp}.xlsx"',
                "Cache-Control": "no-store",
            },
        )

    @expose("/<username>/reissue", methods=["POST"])
    @has_access
    def reissue(self, username: str):
        """A new one-time password for one user (the old one stops working)."""
        try:
            issued = provisioning.reissue(username, g.user.username)
        except provisioning.ProvisioningError as error:
            flash(str(error), "danger")
            return redirect(url_for("AccountsView.index"))
        return Response(
            provisioning.handover_workbook([issued]),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="one-time-password-{username}.xlsx"',
                "Cache-Control": "no-store",
            },
        )

    @expose("/<username>/unlock", methods=["POST"])
    @has_access
    def unlock(self, username: str):
        """Lift a temporary lockout."""
        user = self.appbuilder.sm.find_user(username=username)
        profile = sessions.profile_of(user.id) if user is not None else None
        if profile is not None:
            profile.locked_until = None
            user.fail_login_count = 0
            audit.record(g.user.id, g.user.username, "unlock", "user", f"user:{username}")
            db.session.commit()
            flash(f"{username} unlocked.", "success")
        return redirect(url_for("AccountsView.index"))
