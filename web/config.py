"""Configuration, read from the environment inside create_app (never at import)."""
import os
import secrets
from pathlib import Path


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
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_SECURE": _flag(env, "SESSION_COOKIE_SECURE", True),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
    }


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in instance/, so that `make run` needs no setup."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
