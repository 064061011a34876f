"""Application factory: reads like a table of contents (no I/O, no scheduler here)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_env

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    config_class = config_class or config_from_env()
    config_class.validate()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_template_helpers(app)
    register_security_headers(app)
    from app.core.error_pages import register_error_handlers

    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.core.database import configure_engine
    from app.core.i18n import select_locale, select_timezone
    from app.extensions import babel, csrf, db, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    mail.init_app(app)
    from app.core.error_pages import refuse_unnamed_form_parts

    app.before_request(refuse_unnamed_form_parts)  # before the CSRF check, which assumes named parts
    csrf.init_app(app)
    from app.core.boundary import clean_request_text

    app.before_request(clean_request_text)  # after the CSRF check: normalise or refuse every text field
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    with app.app_context():
        configure_engine(db.engine)
    from app.auth import session_loader  # noqa: F401  (registers the user loader)


def register_blueprints(app: Flask) -> None:
    """Each feature's blueprint (``app.X.blueprint``), once its view modules have attached their routes."""
    import importlib

    views = {"auth": ("routes", "recovery", "first_password"), "main": ("routes",), "admin": ("routes", "imports"),
             "tasks": ("routes",), "directives": ("routes",), "progress": ("routes",),
             "reminders": ("routes",), "oversight": ("routes",), "reports": ("routes",),
             "api": ("routes", "report_inputs")}
    for feature, modules in views.items():
        for module in modules:
            importlib.import_module(f"app.{feature}.{module}")
        app.register_blueprint(importlib.import_module(f"app.{feature}.blueprint").bp)


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)


def register_template_helpers(app: Flask) -> None:
    from app.core.templating import register
    from app.main.chrome import register_layout_context

    register(app)
    register_layout_context(app)


def register_security_headers(app: Flask) -> None:
    from app.core.headers import add_security_headers

    app.after_request(add_security_headers)
