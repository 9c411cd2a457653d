"""What the model says when an observation breaks a rule."""

from __future__ import annotations

import attrs


@attrs.frozen
class Violation:
    """One broken rule: a short name, the spec section, and what was seen.

    ``rule`` is a stable identifier in the spec's words (for example
    ``"StatusTransitionNotAllowed"``), ``section`` cites the document and
    section (``"OCPP 1.6 §4.9"``), ``detail`` says what was observed.
    """

    rule: str
    section: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.section}): {self.detail}"


RECOMMENDATIONS: frozenset[str] = frozenset({
    "TriggeredBootNotificationAccepted",
    "AuthorizeNotForCharging",  # §4.1
    "TransactionIdInMainMeterValues",  # errata 3.16
    "StartAndStopValuesMissing",  # errata 3.14
    "ReservedIdTagNotValidated",  # §5.13
    "LocalListNotPersisted",  # §3.5.2
    "TxProfileNotDeletedAfterTransaction",  # §3.13.1
    "EVSideDisconnectedInfo", "HistoricalStatusNotification", "InternalClockNotSynchronized",
    "ChannelClosedWhilePending", "NonAsciiOutsideNaturalLanguageText", "VendorIdNotReversedDns",
    "ConnectorNotInUseNotUnavailable",
    "CallBeforeAnswer",  # OCPP-J §4.1.1
})
"""Rules that judge a SHOULD or RECOMMENDED statement (RFC 2119: there may be valid reasons to ignore it).

The model judges them like any rule, but breaking one is never a finding and never rules a world out: a run
reports each as a recommendation not followed (``recommendations`` in ``--json``)."""
