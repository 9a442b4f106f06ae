"""The Flask application: create_app() runs a short list of named setup steps."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from survey_app import config as config_module
from survey_app.database import init_database
from survey_app.extensions import csrf, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from defaults, instance/config.py, the environment and test_config."""
    # SURVEY_INSTANCE_PATH moves instance/ (config.py, survey.db); tests point it at a temp folder.
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("SURVEY_INSTANCE_PATH") or None,
    )
    load_config(app, test_config)
    init_logging(app)
    init_proxies(app)
    init_database(app)
    init_security(app)
    init_extensions(app)
    init_templates(app)
    init_url_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def load_config(app: Flask, test_config: dict | None) -> None:
    """Layer the configuration and refuse to start without a secret outside development."""
    app.config.from_object(config_module.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    config_module.from_environment(app.config)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'survey.db'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no server that restarts or drops connections: a ping (SELECT 1) before
        # every checkout would only cost each request a statement.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }
    development = app.debug or app.testing or os.environ.get("SURVEY_ENV") == "development"
    if development:
        # Local http://127.0.0.1 has no TLS; everywhere else the cookie is Secure.
        app.config["SESSION_COOKIE_SECURE"] = (test_config or {}).get(
            "SESSION_COOKIE_SECURE", False
        )
    if app.testing:
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or "test-secret"
    elif development and not app.config.get("SECRET_KEY"):
        # Good for one process (make run preloads the app, so its workers share it).
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    else:
        problem = config_module.secret_key_problem(app.config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(problem)


def init_logging(app: Flask) -> None:
    """Log to stderr without request details: no address, user agent or referrer anywhere."""
    # The development server's request log would print client addresses: silence it.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.logger.setLevel(logging.INFO)


def init_proxies(app: Flask) -> None:
    """Believe forwarding headers from the configured proxies only (survey_app/proxy.py); serve
    cookieless start pages again without Flask (survey_app/start_page_shortcut.py)."""
    from survey_app.proxy import TrustedProxies, parse_networks
    from survey_app.start_page_shortcut import StartPageShortcut

    trusted = parse_networks(app.config["TRUSTED_PROXIES"])
    # The shortcut sits inside: it sees the scheme a trusted proxy gave, never a forged one.
    app.wsgi_app = TrustedProxies(StartPageShortcut(app.wsgi_app, app), trusted)


def init_extensions(app: Flask) -> None:
    """Bind the extensions created in extensions.py."""
    from survey_app.extensions import db

    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    # Templates sign their token with the serializer made once (csrf_tokens.py), not a new one.
    from survey_app.csrf_tokens import generate_csrf

    app.jinja_env.globals["csrf_token"] = generate_csrf
    # No current_user in every template: respondent pages must never touch the login session.
    login_manager.init_app(app, add_context_processor=False)
    # Flask-Login's session protection would put a hash of the address and user agent into the
    # cookie; the idle timeout, the absolute lifetime and session versions do that job instead.
    login_manager.session_protection = None
    login_manager.login_view = "staff.login"
    import survey_app.auth  # noqa: F401  (registers the user loader)

    limiter.init_app(app)
    # Its check before every request runs only where a limit it checks may apply (ratelimit.py).
    from survey_app.ratelimit import check_only_limits_that_may_apply

    check_only_limits_that_may_apply(app, limiter)


def init_templates(app: Flask) -> None:
    """Find our templates first, then the GOV.UK Frontend macros; every page's layout values
    (survey_app/pages/layout.py) come from one app-wide context processor."""
    from survey_app.pages.filters import indent_lines
    from survey_app.pages.layout import layout_context

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("survey_app"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["indent"] = indent_lines
    app.context_processor(layout_context)


def init_security(app: Flask) -> None:
    """Security headers and CSP nonces on every response, errors included; staff and research
    forms from another origin are refused before anything else (CSRF included) looks at them."""
    from survey_app.security import add_security_headers, make_nonce, refuse_cross_origin_forms
    from survey_app.session_cookie import CachedSerializerSessionInterface

    app.session_interface = CachedSerializerSessionInterface()

    from survey_app.request_guards import refuse_nul_in_url

    app.before_request(refuse_nul_in_url)
    app.before_request(refuse_cross_origin_forms)
    app.before_request(make_nonce)
    app.after_request(add_security_headers)


def init_url_converters(app: Flask) -> None:
    """`<int:...>` in a route matches only ids a database column can hold (0 to 2**63 - 1), so a
    huge number in a URL is a 404, never an overflow in the database driver (a 500)."""
    from werkzeug.routing import IntegerConverter

    class DatabaseId(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=0, max=2**63 - 1, signed=False):
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    app.url_map.converters["int"] = DatabaseId


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience; each declares its access rule where it is defined."""
    from survey_app.research import bp as research_bp
    from survey_app.respond import bp as respond_bp
    from survey_app.staff import bp as staff_bp
    from survey_app.status import bp as status_bp

    app.register_blueprint(status_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(research_bp)


def register_error_handlers(app: Flask) -> None:
    """Friendly error pages that keep the security headers."""
    from survey_app.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """flask questionnaires sync / users create / responses export."""
    from survey_app.cli import register

    register(app)
