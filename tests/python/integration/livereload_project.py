"""A small real project for the live-reload tests: a blueprint, templates, a static
stylesheet, a form, JSON, a file download and a page with a Content-Security-Policy."""

from __future__ import annotations

import textwrap


def _project(files: dict[str, str]) -> dict[str, str]:
    return {name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()}


def view(message: str) -> str:
    """shop/views.py, whose home page says ``message``."""
    return textwrap.dedent(
        f"""
        from flask import Blueprint, jsonify, render_template, send_from_directory, current_app

        bp = Blueprint("shop", __name__)


        @bp.route("/")
        def home():
            return render_template("home.html", message={message!r})


        @bp.route("/api/items")
        def items():
            return jsonify(items=[{{"id": 1, "name": "tea"}}], note="</body></html>")


        @bp.route("/download")
        def download():
            return send_from_directory(current_app.static_folder, "report.html", as_attachment=True)


        @bp.route("/strict")
        def strict():
            page = render_template("home.html", message="strict")
            return page, {{"Content-Security-Policy": "default-src 'self'; style-src 'self'"}}


        @bp.route("/locked")
        def locked():
            page = render_template("home.html", message="locked")
            return page, {{"Content-Security-Policy": "script-src 'none'"}}


        @bp.route("/boom")
        def boom():
            raise RuntimeError("boom")


        @bp.route("/fragment")
        def fragment():
            return "<p>a fragment</p>"


        @bp.route("/<path:anything>")
        def catch_all(anything):
            return f"app route: {{anything}}"
        """
    ).lstrip("\n")


PROJECT = _project(
    {
        ".flaskenv": "FLASK_APP=shop\n",
        "shop/__init__.py": """
        from flask import Flask


        def create_app():
            app = Flask(__name__)
            from shop.views import bp

            app.register_blueprint(bp)
            return app
        """,
        "shop/views.py": view("first"),
        "shop/templates/home.html": """
        <!doctype html>
        <html>
        <head>
          <meta charset="utf-8">
          <title>Shop</title>
          <link rel="stylesheet" href="/static/site.css">
        </head>
        <body>
          <h1 id="message">{{ message }}</h1>
          <p id="heading">Welcome</p>
          <form><input id="name" name="name"></form>
        </body>
        </html>
        """,
        "shop/static/site.css": "h1 { color: rgb(0, 0, 255); }\n",
        "shop/static/report.html": "<!doctype html><html><body>report</body></html>\n",
    }
)
