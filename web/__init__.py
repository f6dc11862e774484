"""The Flask host: the app factory, blueprints and CLI commands."""
