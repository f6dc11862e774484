"""The residents' mobile pages (large type, few steps)."""
from web.resident import complaints, demands, notices, oauth, surveys  # noqa: F401  (register their pages)
from web.resident.routes import bp


def init_app(app):
    app.register_blueprint(bp)
