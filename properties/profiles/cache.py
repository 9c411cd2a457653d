"""The rules that reach the expiryDate of a cached IdTagInfo (OCPP 1.6 §3.5.1, §3.5.4, §7.27; issue 13) and
the IdTagInfo of a StartTransaction.conf (§3.5.1).

The Central System accepts a card until an expiryDate a little later (or now: the boundary itself); the
card is cached, time passes (beyond the expiryDate, exactly to it, or not), and the card comes back with a
cable, under LocalPreAuthorize or offline. A Charge Point that still takes an expired entry as valid starts
a transaction it was not authorized to (StartTransactionWithoutAuthorization). Choices are small and fixed,
the plainest first, so a failure shrinks to an entry expired 31 s before its card comes back.

§3.5.1: "The Cache is updated using all received IdTagInfo (from Authorize.conf, StartTransaction.conf and
StopTransaction.conf)". A card cached Accepted is blocked by the Central System before its cable comes: the
StartTransaction.conf says Blocked, and the card that comes back offline or under LocalPreAuthorize must not
start a transaction from the Accepted entry its Authorize.conf left.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from model.configuration import value_of
from vocabulary.dates import iso

from ..preconditions import precondition

VALID_FOR = (30, 0, 3600)
"""Seconds from now to the expiryDate: 30 s runs out within the example, 0 is now (the boundary)."""
WAITS = (61, 30)
"""Seconds before the card comes back: beyond, and exactly at, an expiryDate 30 s away."""
WAYS = {"pre-authorized": "LocalPreAuthorize", "offline": "LocalAuthorizeOffline"}
"""How the card comes back, and the key (§9.1.13, §9.1.12) that lets the cache authorize it that way."""
BLOCKED_WAYS = ("offline", "pre-authorized")
"""How the card blocked at its transaction's start comes back (the first: where shrinking goes)."""


class AuthorizationCacheRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``online``, ``can``, ``connector`` and
    ``connectors``."""

    @precondition(lambda self: self.online() and self.can("SetIdTag") and self.can("PresentIdTag")
                  and self.can("PlugIn") and self.can("AdvanceTime"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2")), valid_for=st.sampled_from(VALID_FOR),
          wait=st.sampled_from(WAITS), way=st.sampled_from(tuple(WAYS)))
    def card_cached_until_expiry(self, c, tag, valid_for, wait, way):
        """§3.5.1: the cache cleared, the card is accepted until ``valid_for`` seconds from now (Authorize.conf's
        expiryDate) and presented again to cancel; ``wait`` seconds later it comes back with a cable (one left in
        without a transaction is taken out first)."""
        free = sorted((i for i in (c, 3 - c) if i <= self.connectors and self.connector(i).tx is None
                       and self.connector(i).authorized is None), key=lambda i: self.connector(i).plugged)
        if not free or (way == "offline" and not self.can("NetworkDown")):
            return
        c = free[0]
        if self.connector(c).plugged and self.can("Unplug"):  # the cable comes with the card, at the end
            self.do({"op": "Unplug", "connectorId": c})
        if self.connector(c).plugged:
            return
        if value_of(self.model.config, WAYS[way]) is not True:
            self.do({"op": "ChangeConfiguration", "key": WAYS[way], "value": "true"})
        self.do({"op": "ClearCache"})  # so that the card is asked for (Authorize.req), not pre-authorized
        self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted", "expiryDate": iso(self.model.time + valid_for)})
        steps = [{"op": "PresentIdTag", "connectorId": c, "idTag": tag} for _ in range(2)]
        steps += [{"op": "NetworkDown"}] if way == "offline" else []
        steps += [{"op": "AdvanceTime", "seconds": wait}]
        steps += [{"op": "PlugIn", "connectorId": c}, {"op": "PresentIdTag", "connectorId": c, "idTag": tag}]
        steps += [{"op": "NetworkUp"}] if way == "offline" else []
        for step in steps:
            if self.model.powered:
                self.do(step)

    @precondition(lambda self: self.online() and self.can("SetIdTag") and self.can("PresentIdTag")
                  and self.can("PlugIn"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(("TAG1", "TAG2")), way=st.sampled_from(BLOCKED_WAYS))
    def card_blocked_at_start(self, c, tag, way):
        """§3.5.1: the card is accepted and cached (Authorize.conf), the Central System blocks its idTag, the cable
        comes and StartTransaction.conf says Blocked (StopTransactionOnInvalidId: stopped, DeAuthorized); the
        card comes back on the cable, offline or under LocalPreAuthorize: the cache updated from the
        StartTransaction.conf says Blocked."""
        if c > self.connectors or (way == "offline" and not self.can("NetworkDown")):
            return
        at = self.connector(c)
        if at.tx is not None or at.plugged or at.authorized is not None:
            return
        config = self.model.config
        keys = [WAYS[way]] if value_of(config, WAYS[way]) is not True else []
        keys += [key for key in ("AuthorizationCacheEnabled", "StopTransactionOnInvalidId")
                 if value_of(config, key) is False]
        for key in keys:
            self.do({"op": "ChangeConfiguration", "key": key, "value": "true"})
        if self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        steps = [{"op": "PresentIdTag", "connectorId": c, "idTag": tag},
                 {"op": "SetIdTag", "idTag": tag, "status": "Blocked"}, {"op": "PlugIn", "connectorId": c}]
        steps += [{"op": "NetworkDown"}] if way == "offline" else []
        steps += [{"op": "PresentIdTag", "connectorId": c, "idTag": tag}]
        steps += [{"op": "NetworkUp"}] if way == "offline" else []
        for step in steps:
            if self.model.powered:
                self.do(step)
