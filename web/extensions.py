"""Flask extensions, created without an app and bound in create_app."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate(render_as_batch=True, compare_type=True)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
