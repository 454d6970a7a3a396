"""Flask extensions, created unbound. Imports nothing from marac_app (no cycles)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# expire_on_commit=False: views audit a read and commit *before* rendering (so a failed audit
# write shows nothing); with expiry on, rendering would then reload every row it shows.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Only the sign-in route is limited; limits come from config when the app is built.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
