from flask import Blueprint, current_app, render_template

bp = Blueprint("views", __name__)


@bp.route("/")
def index() -> str:
    return render_template("index.html", greeting=current_app.config["GREETING"])


@bp.route("/about")
def about() -> str:
    return render_template("about.html")


@bp.route("/boom")
def boom() -> str:
    raise RuntimeError("this route always fails: open it to see the squiggle")
