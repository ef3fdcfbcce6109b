"""Extension singletons; no logic lives here."""

from flask_appbuilder.models.sqla.base import SQLA
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect

db = SQLA()
csrf = CSRFProtect()
mail = Mail()
