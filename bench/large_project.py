"""The large benchmark project: a factory app of about 300 modules in several packages.

What a restart costs grows with the project's own imports, and a small app hides that.
This one is shaped like a real one: Flask-SQLAlchemy models, Flask-WTF forms, marshmallow
schemas, services and a blueprint per area, all importing one shared models module
(``big/models/base.py``), and a factory (``big/__init__.py``) that registers everything.
Its cold import takes over a second on the benchmark machine (seven models per models
module: SQLAlchemy's declarative classes are most of it).

The page at ``/`` shows three markers, one from each module the benchmark saves: a leaf
view (``big/views/v00.py``), the shared models module and the factory.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

PACKAGE = "big"
AREAS = 60  # modules per layer: models, schemas, forms, services, views
LAYERS = ("models", "schemas", "forms", "services", "views")
LEAF = f"{PACKAGE}/views/v00.py"
SHARED = f"{PACKAGE}/models/base.py"
FACTORY = f"{PACKAGE}/__init__.py"
MARKERS = {LEAF: "leaf-0", SHARED: "shared-0", FACTORY: "factory-0"}

_APP = '''"""Entry file: flask run and failsafe-flask run both find `app` here."""

from big import create_app

app = create_app()
'''

_FACTORY = """from flask import Flask

from .extensions import csrf, db

MARKER = "{marker}"


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        WTF_CSRF_ENABLED=False,
        FACTORY_MARKER=MARKER,
    )
    db.init_app(app)
    csrf.init_app(app)
    from .views import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
"""

_EXTENSIONS = """from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
"""

_BASE = '''"""What every model, schema and form shares: many modules import it."""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

MARKER = "{marker}"


class Timestamped:
    created: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=dt.datetime.utcnow)
    updated: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=dt.datetime.utcnow)


def money(value: Decimal) -> str:
    return f"{{value:.2f}}"


def slug(text: str) -> str:
    return "-".join(text.lower().split())
'''

_MODEL = """from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, slug


class Item{n}(Timestamped, db.Model):
    __tablename__ = "item{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(default=True)
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("{parent_table}.id"))
    entries: Mapped[list["Entry{n}"]] = relationship(back_populates="item")

    @property
    def slug(self) -> str:
        return slug(self.name)


class Entry{n}(Timestamped, db.Model):
    __tablename__ = "entry{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item{n}.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    note: Mapped[Optional[str]] = mapped_column(sa.Text)
    item: Mapped[Item{n}] = relationship(back_populates="entries")


class Note{n}(Timestamped, db.Model):
    __tablename__ = "note{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entry{n}.id"), index=True)
    author: Mapped[str] = mapped_column(sa.String(80))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    entry: Mapped[Entry{n}] = relationship()
    attachments: Mapped[list["Attachment{n}"]] = relationship(back_populates="note")


class Attachment{n}(Timestamped, db.Model):
    __tablename__ = "attachment{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("note{n}.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(default=0)
    note: Mapped[Note{n}] = relationship(back_populates="attachments")


class Price{n}(Timestamped, db.Model):
    __tablename__ = "price{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item{n}.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    item: Mapped[Item{n}] = relationship()


class Tag{n}(db.Model):
    __tablename__ = "tag{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item{n}.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40), unique=True)
    item: Mapped[Item{n}] = relationship()


class Review{n}(Timestamped, db.Model):
    __tablename__ = "review{n}"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item{n}.id"), index=True)
    stars: Mapped[int] = mapped_column(default=5)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    item: Mapped[Item{n}] = relationship()
"""

_SCHEMA = """from marshmallow import Schema, fields, post_dump, validate

from ..models.base import money
from ..models.m{n:02d} import Item{n}


class Entry{n}Schema(Schema):
    id = fields.Int(dump_only=True)
    quantity = fields.Int(validate=validate.Range(min=1, max=999))
    note = fields.Str(allow_none=True)


class Note{n}Schema(Schema):
    id = fields.Int(dump_only=True)
    author = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    body = fields.Str(load_default="")
    pinned = fields.Bool(load_default=False)


class Item{n}Schema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    price = fields.Decimal(as_string=True)
    active = fields.Bool()
    entries = fields.List(fields.Nested(Entry{n}Schema))

    @post_dump
    def add_label(self, data, **kwargs):
        data["label"] = f"{{data['name']}} ({{money(data.get('price') or 0)}})"
        return data


MODEL = Item{n}
"""

_FORM = """from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models.base import slug


class Item{n}Form(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    price = DecimalField("Price", places=2, validators=[NumberRange(min=0)])
    active = BooleanField("Active", default=True)

    def slug(self) -> str:
        return slug(self.name.data or "")


class Note{n}Form(FlaskForm):
    author = StringField("Author", validators=[DataRequired(), Length(max=80)])
    body = TextAreaField("Body", validators=[Optional(), Length(max=5000)])
    pinned = BooleanField("Pinned")


class Entry{n}Form(FlaskForm):
    quantity = IntegerField("Quantity", validators=[NumberRange(min=1, max=999)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
"""

_SERVICE = """from decimal import Decimal

from ..extensions import db
from ..forms.f{n:02d} import Item{n}Form
from ..models.m{n:02d} import Entry{n}, Item{n}
from ..schemas.s{n:02d} import Item{n}Schema

SCHEMA = Item{n}Schema()


def listing(page: int = 1, size: int = 20) -> list[dict]:
    query = db.select(Item{n}).where(Item{n}.active).order_by(Item{n}.name)
    items = db.session.scalars(query.offset((page - 1) * size).limit(size))
    return [SCHEMA.dump(item) for item in items]


def create(form: Item{n}Form) -> Item{n}:
    item = Item{n}(name=form.name.data, price=form.price.data or Decimal("0"))
    db.session.add(item)
    db.session.add(Entry{n}(item=item, quantity=1))
    db.session.commit()
    return item
"""

_VIEW = """from flask import Blueprint, jsonify, request

from ..forms.f{n:02d} import Item{n}Form
from ..services import sv{n:02d} as service

bp = Blueprint("area{n}", __name__, url_prefix="/area{n}")


@bp.get("/")
def index():
    return jsonify(service.listing(int(request.args.get("page", 1))))


@bp.post("/")
def create():
    form = Item{n}Form()
    if not form.validate_on_submit():
        return jsonify(form.errors), 400
    return jsonify(service.SCHEMA.dump(service.create(form))), 201
"""

_LEAF_ROUTE = """

MARKER = "{marker}"


def home():
    from flask import current_app

    from ..models import base

    return f"{{MARKER}} {{base.MARKER}} {{current_app.config['FACTORY_MARKER']}}"


bp.record_once(lambda state: state.app.add_url_rule("/", "home", home))
"""

_LAYER_PREFIX = {"models": "m", "schemas": "s", "forms": "f", "services": "sv", "views": "v"}
_TEMPLATES = {
    "models": _MODEL,
    "schemas": _SCHEMA,
    "forms": _FORM,
    "services": _SERVICE,
    "views": _VIEW,
}


def files(areas: int = AREAS) -> dict[str, str]:
    """Every file of the project, by path relative to its root."""
    out = {
        "app.py": _APP,
        FACTORY: _FACTORY.format(marker=MARKERS[FACTORY]),
        f"{PACKAGE}/extensions.py": _EXTENSIONS,
        SHARED: _BASE.format(marker=MARKERS[SHARED]),
    }
    for layer in LAYERS:
        out[f"{PACKAGE}/{layer}/__init__.py"] = ""
        for n in range(areas):
            text = _TEMPLATES[layer].format(n=n, parent_table=f"item{max(n - 1, 0)}")
            out[f"{PACKAGE}/{layer}/{_LAYER_PREFIX[layer]}{n:02d}.py"] = text
    out[LEAF] += _LEAF_ROUTE.format(marker=MARKERS[LEAF])
    names = [f"v{n:02d}" for n in range(areas)]
    out[f"{PACKAGE}/views/__init__.py"] = (
        f"from . import {', '.join(names)}\n\n"
        f"BLUEPRINTS = [{', '.join(f'{name}.bp' for name in names)}]\n"
    )
    return out


class LargeProject:
    """The project in a folder: created once, markers saved as an editor saves."""

    def __init__(self, root: Path, areas: int = AREAS) -> None:
        self.root = root
        self.areas = areas
        self.markers = dict(MARKERS)

    def create(self) -> None:
        for name, text in files(self.areas).items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        self.markers = dict(MARKERS)

    def page(self) -> str:
        """What ``/`` serves now."""
        return " ".join(self.markers[name] for name in (LEAF, SHARED, FACTORY))

    def save_marker(self, name: str, marker: str) -> str:
        """Replace the marker of ``name`` (LEAF, SHARED or FACTORY) as an editor saves it
        (a temp file renamed over it); returns the page to wait for."""
        path = self.root / name
        text = path.read_text(encoding="utf-8").replace(self.markers[name], marker)
        temp = path.with_name(path.name + ".tmp~")
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
        self.markers[name] = marker
        return self.page()

    def reset(self) -> None:
        """The three saved files back to their first markers (the rest stays as it was,
        with its compiled files: a run does not pay for recompiling the project)."""
        for name, marker in MARKERS.items():
            if self.markers[name] != marker:
                self.save_marker(name, marker)

    def remove_churn(self) -> None:
        shutil.rmtree(self.root / "cache", ignore_errors=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
