"""The workers' and street office's console."""
from web.console import bindings, complaints, overview, register_admin, renovation, votes  # noqa: F401  (register their pages)
from web.console.routes import bp


def init_app(app):
    app.register_blueprint(bp)
