"""Flask extensions, created here and bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from survey_app.models.base import Base
from survey_app.ratelimit import anonymous_client_key

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Keys are keyed hashes of the client address, never the address itself (design.md).
limiter = Limiter(key_func=anonymous_client_key, default_limits=[])
