"""What audits and supervision records share once they are locked: a change made from an older
copy is refused (``EditConflict``), and a change to a locked record is an amendment, recorded item
by item with who, when, from what, to what and why (``amend``).

Each kind of record says what its amendable items are, in words (a ``describe`` function), and how
to apply the new values; everything else is done here, the same way for both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from audit.clock import to_local, utcnow
from audit.domain.atomic import Refused, all_or_nothing
from audit.extensions import db
from audit.models import AmendmentColumns, User

# Every amendable item of a record as (label, value in words), keyed by field name.
Items = dict[str, tuple[str, str | None]]

AmendmentT = TypeVar("AmendmentT", bound=AmendmentColumns)


class Versioned(Protocol):
    """A record with optimistic locking and a note of who saved it last."""

    version: int
    updated_at: datetime
    updated_by_id: int | None

    @property
    def updated_by(self) -> User | None: ...


class EditConflict(Exception):
    """The record (an audit or a supervision record) was saved by someone else since this copy
    was opened."""

    def __init__(self, record: Versioned, noun: str = "audit") -> None:
        self.saved_by = record.updated_by.name if record.updated_by else "Someone"
        self.saved_by_id = record.updated_by_id
        self.saved_at = record.updated_at
        self.current_version = record.version
        self.noun = noun
        super().__init__(
            f"{self.saved_by} saved this {noun} at {to_local(self.saved_at):%H:%M on %d %B %Y} since you opened it"
        )

    def by_same_user(self, user_id: int | None) -> bool:
        """Whether the newer save was this user's own (in another tab or window)."""
        return user_id is not None and self.saved_by_id == user_id

    def told_to(self, user_id: int | None) -> str:
        """The message for the user whose save was refused: "you", not their own name."""
        if not self.by_same_user(user_id):
            return str(self)
        when = f"{to_local(self.saved_at):%H:%M on %d %B %Y}"
        return f"You saved this {self.noun} in another tab or window at {when}, after you opened this one"


def check_version(record: Versioned, expected_version: int | None, noun: str = "audit") -> None:
    """Refuse a change made from a copy older than the saved record. A copy that does not say which
    version it was made from (``None``: the form's version was missing or empty) might be older, so it
    is refused too: a conflict shown is recoverable, an overwrite of newer words is not."""
    if expected_version is None or expected_version != record.version:
        raise EditConflict(record, noun)


def amend(
    record: Versioned,
    *,
    describe: Callable[[], Items],
    apply: Callable[[], None],
    amendment: Callable[..., AmendmentT],
    recorded: list[AmendmentT],
    user: User,
    reason: str,
    expected_version: int | None,
    noun: str,
) -> list[AmendmentT]:
    """Apply a change to a locked record and record each item it changed as an ``amendment``
    (the record's amendment model), appended to ``recorded`` (the record's amendments). Returns the
    new amendments: none if nothing changed, and then the record is not marked as saved."""
    check_version(record, expected_version, noun)
    before = describe()
    apply()
    after = describe()
    amendments = [
        amendment(user_id=user.id, field=label, old_value=old, new_value=after[name][1], reason=reason)
        for name, (label, old) in before.items()
        if (old or None) != (after[name][1] or None)
    ]
    recorded.extend(amendments)
    if amendments:
        record.updated_at = utcnow()
        record.updated_by_id = user.id
    db.session.flush()
    return amendments


def amend_if_complete(
    amend_record: Callable[[], list[AmendmentT]], problems: Callable[[], list[tuple[str, str]]]
) -> list[AmendmentT]:
    """Amend a locked record, all or nothing: an amendment that would leave the record incomplete
    (``problems`` finds some once it is applied) changes nothing and raises ``Refused`` with them."""
    with all_or_nothing():
        changes = amend_record()
        found = problems()
        if found:
            raise Refused(found)
    return changes


def amendments_recorded(count: int) -> str:
    """What to tell the user after an amendment, for audits and supervision records alike."""
    if not count:
        return "Nothing was changed."
    return f"{count} change{'s' if count != 1 else ''} recorded as an amendment."
