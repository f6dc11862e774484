"""The WeChat server endpoint (/wechat), and the simulator page (/dev/wechat) when WECHAT_SIMULATOR=1."""
from bot import understand
from web.wechat.endpoint import bp


def init_app(app):
    app.register_blueprint(bp)
    # Load the chat's intent model now, not inside a resident's first 5-second reply (its tables are built
    # first when missing or outdated: nlp.intents.default_model).
    understand.warm()
    if app.config["WECHAT_SIMULATOR"]:
        from web.wechat.simulator import bp as simulator

        app.register_blueprint(simulator)
