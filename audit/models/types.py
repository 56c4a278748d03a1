"""Column types shared by the models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def stored_enum(enum_class: type[enum.StrEnum], constraint: str, length: int = 20) -> Enum:
    """A column of ``enum_class`` members stored as their string values in a VARCHAR, with a CHECK
    constraint named ``ck_<table>_<constraint>`` listing them: the same DDL as a hand-written
    ``CHECK (column IN (...))``, so existing databases need no migration. Strings are accepted
    on the way in (``validate_strings`` refuses unknown ones) and members come back out."""
    return Enum(
        enum_class,
        name=constraint,
        native_enum=False,
        values_callable=lambda members: [member.value for member in members],
        create_constraint=True,
        validate_strings=True,
        length=length,
    )
