"""Configuration, read from the environment inside create_app (never at import)."""
import os
import secrets
from pathlib import Path

from core.residents.pushes import KINDS as PUSH_KINDS


def _flag(env, name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def from_environment(instance_path: str, env=None) -> dict:
    """Every setting the app reads, with its default; README lists each one."""
    env = os.environ if env is None else env
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'yishi.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs name no driver
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    settings = {
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", True),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "VOTE_REMINDER_HOURS": float(env.get("VOTE_REMINDER_HOURS", "24")),
        "NLP_MODEL_DIR": env.get("NLP_MODEL_DIR") or str(Path(instance_path) / "models"),
        "ROUTING_THRESHOLD": float(env.get("ROUTING_THRESHOLD", "0.7")),
        "OPEN311_RATE_LIMIT": env.get("OPEN311_RATE_LIMIT", "120 per minute"),
        "URGENT_DEADLINE_HOURS": int(env.get("URGENT_DEADLINE_HOURS", "2")),
        "URGENT_DUTY_OPENIDS": tuple(o.strip() for o in env.get("URGENT_DUTY_OPENIDS", "").split(",") if o.strip()),
        # The key that signs vote-log checkpoints lives outside the database (README: Consent votes).
        "LOG_SIGNING_KEY": env.get("YISHI_LOG_SIGNING_KEY", ""),
        "LOG_SIGNING_KEY_FILE": env.get("YISHI_LOG_SIGNING_KEY_FILE") or str(Path(instance_path) / "log_signing_key"),
        "LOG_TRUSTED_KEYS": env.get("YISHI_LOG_TRUSTED_KEYS", ""),
        "VOTE_OBJECTION_DAYS": int(env.get("VOTE_OBJECTION_DAYS", "7")),
        **wechat_settings(env),
    }
    if settings["WECHAT_SIMULATOR"] and not env.get("WECHAT_API_BASE_URL"):
        # The simulator's made-up account talks to WeChat's API played inside this app (/dev/wechat/api/),
        # so that the scheduler's pushes are delivered to the simulator page instead of nowhere.
        settings["WECHAT_API_BASE_URL"] = (settings["PUBLIC_BASE_URL"] or LOCAL_BASE_URL) + "/dev/wechat/api/"
    return settings


# Where `make run` serves: links printed in the terminal, and the simulator's API, when PUBLIC_BASE_URL is unset.
LOCAL_BASE_URL = "http://127.0.0.1:5000"

# The simulator's own account: not a real one, so nothing it signs can reach WeChat; its secret only
# opens the API the simulator plays (web/wechat/simulator.py).
SIMULATOR_ACCOUNT = {
    "WECHAT_TOKEN": "yishi-simulator",
    "WECHAT_APP_ID": "wx00000000simulator",
    "WECHAT_APP_SECRET": "simulator-secret",
    "WECHAT_ENCODING_AES_KEY": "c2ltdWxhdG9yLWtleS1mb3IteWlzaGktZGV2LW9ubHk",
}


def wechat_settings(env) -> dict:
    """The official account's settings; the simulator fills in its own account and refuses a real secret."""
    settings = {
        "WECHAT_TOKEN": env.get("WECHAT_TOKEN", ""),
        "WECHAT_APP_ID": env.get("WECHAT_APP_ID", ""),
        "WECHAT_APP_SECRET": env.get("WECHAT_APP_SECRET", ""),
        "WECHAT_ENCODING_AES_KEY": env.get("WECHAT_ENCODING_AES_KEY", ""),
        "WECHAT_PREVIOUS_AES_KEY": env.get("WECHAT_PREVIOUS_AES_KEY", ""),
        "WECHAT_MAX_CLOCK_SKEW": int(env.get("WECHAT_MAX_CLOCK_SKEW", "300")),
        "WECHAT_API_BASE_URL": env.get("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/").rstrip("/") + "/",
        "WECHAT_RATE_LIMIT": env.get("WECHAT_RATE_LIMIT", "30 per minute"),
        "WECHAT_SIMULATOR": _flag(env, "WECHAT_SIMULATOR", False),
        "WECHAT_TEMPLATES": {kind: env.get(f"WECHAT_TEMPLATE_{kind.upper()}", "") for kind in PUSH_KINDS},
    }
    if settings["WECHAT_SIMULATOR"]:
        if settings["WECHAT_APP_SECRET"]:
            raise RuntimeError("WECHAT_SIMULATOR=1 refuses to run with WECHAT_APP_SECRET set: "
                               "the simulator is for machines without a real official account.")
        settings.update(SIMULATOR_ACCOUNT)
        # Every kind of push gets a template, so that the demo shows them sent rather than skipped.
        settings["WECHAT_TEMPLATES"] = {kind: template or f"simulator-{kind}"
                                        for kind, template in settings["WECHAT_TEMPLATES"].items()}
    return settings



def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in instance/, so that `make run` needs no setup."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
