"""The home page: the user's to-do list and where to go next."""

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from app.security.actor import current_actor
from app.services.cycle.todo import todo_for
from app.services.engine.grid import last_open_month


class HomeView(IndexView):
    """'/': sign-in for visitors; the to-do list for users."""

    @expose("/")
    def index(self):
        """Show the to-do list of the signed-in user."""
        if not current_user.is_authenticated:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        actor = current_actor()
        return self.render_template(
            "mpr/home.html", items=todo_for(actor), actor=actor, month=last_open_month()
        )
