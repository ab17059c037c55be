"""The example app: a factory, a second module with the routes, templates that link with
url_for, a stylesheet."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(GREETING="Hello from Failsafe Flask")

    from . import views

    app.register_blueprint(views.bp)
    return app
