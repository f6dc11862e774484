"""The workers' and street office's console."""
from web.console import votes  # noqa: F401  (registers the vote pages)
from web.console.routes import bp


def init_app(app):
    app.register_blueprint(bp)
