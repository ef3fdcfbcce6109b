"""FAB's database login view, with logout as a POST (global CSRF checks its token).

The class keeps FAB's name, so that its endpoints stay `AuthDBView.login` and
`AuthDBView.logout` everywhere (templates, the forced-password allow-list, tests).
"""

from __future__ import annotations

from flask_appbuilder import expose
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView


class AuthDBView(FabAuthDBView):
    """Login as FAB's; logout only by POST, so another site cannot sign a user out with a link."""

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """End the session (and every other session and token of the user); POST with CSRF only."""
        return super().logout()
