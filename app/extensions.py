"""Extension singletons; no logic lives here."""

from flask_appbuilder.models.sqla.base import SQLA
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA()
csrf = CSRFProtect()
migrate = Migrate()  # `flask db ...`; migrations/env.py targets FAB's Model.metadata
mail = Mail()
