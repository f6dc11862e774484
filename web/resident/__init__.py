"""The residents' mobile pages (large type, few steps)."""
from web.resident import oauth  # noqa: F401  (registers the WeChat sign-in)
from web.resident.routes import bp


def init_app(app):
    app.register_blueprint(bp)
