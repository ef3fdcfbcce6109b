"""The home page: signed-in users go to their format index; others to the login page."""

from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user


class HomeView(IndexView):
    """'/' sends users where their work is."""

    @expose("/")
    def index(self):
        """Redirect to the format index, or to login."""
        if not current_user.is_authenticated:
            return redirect(url_for(f"{self.appbuilder.sm.auth_view.endpoint}.login"))
        return redirect(url_for("FormatIndexView.index"))
