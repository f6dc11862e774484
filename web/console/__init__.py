"""The workers' and street office's console."""
# Importing the modules registers their pages on the blueprint.
from web.console import bindings, complaints, overview, register_admin, renovation, training, votes  # noqa: F401
from web.console.routes import bp


def init_app(app):
    app.register_blueprint(bp)
