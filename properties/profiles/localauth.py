"""Rules of the Local Auth List Management profile for :class:`properties.machine.OcppMachine`.

Lists are small (at most three of TAG1..TAG3, Accepted or Blocked, or removed
in a Differential update) and versions come from a small set (1, 2, 5; never
0 or -1, errata 3.52), so that failures shrink to a few readable steps.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from model.configuration import value_of

ID_TAGS = ("TAG1", "TAG2", "TAG3")
LIST_STATUSES = ("Accepted", "Blocked", None)
"""None: an entry without idTagInfo, which a Differential update deletes (§7.1)."""
VERSIONS = (1, 2, 5)

_entries = st.lists(st.tuples(st.sampled_from(ID_TAGS), st.sampled_from(LIST_STATUSES)),
                    max_size=3, unique_by=lambda entry: entry[0])


def authorization_data(entries, update_type: str) -> list[dict]:
    """AuthorizationData (§7.1); a Full update carries idTagInfo in every entry, so removals are dropped."""
    return [{"idTag": tag} if status is None else {"idTag": tag, "idTagInfo": {"status": status}}
            for tag, status in entries if status is not None or update_type == "Differential"]


class LocalAuthListRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can``, ``connectors`` and ``card_cached_then_blocked``."""

    @precondition(lambda self: self.online())
    @rule()
    def get_local_list_version(self):
        self.do({"op": "GetLocalListVersion"})

    @precondition(lambda self: self.online())
    @rule(version=st.sampled_from(VERSIONS), entries=_entries, ask=st.booleans())
    def send_full_list(self, version, entries, ask):
        """A whole new list (§3.5.2 Figure 3), and (``ask``) the version it left (OCTT TC_043_2_CS)."""
        self.send_local_list("Full", version, authorization_data(entries, "Full"), ask)

    @precondition(lambda self: self.online())
    @rule(stale=st.booleans(), entries=_entries, ask=st.booleans())
    def send_differential_update(self, stale, entries, ask):
        """Changes to the list (§3.5.2 Figure 4) with the next version of :data:`VERSIONS`, or (``stale``)
        with the current one, which is a VersionMismatch (§7.47)."""
        current = max(self.model.local_list.versions)
        newer = [v for v in VERSIONS if v > current]
        version = current if stale or not newer else newer[0]
        self.send_local_list("Differential", max(version, 1), authorization_data(entries, "Differential"), ask)

    @precondition(lambda self: self.online() and self.can("PlugIn") and self.can("PresentIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS), status=st.sampled_from(LIST_STATUSES[:2]),
          plug_first=st.booleans())
    def local_list_charging(self, c, tag, status, plug_first):
        """OCTT TC_008_CS: the idTag put in the list (Differential update), then a cable and the card."""
        if c > self.connectors or self.connector(c).tx is not None:
            return
        self.send_differential_update(False, [(tag, status)], False)
        plug = [] if self.connector(c).plugged else [{"op": "PlugIn", "connectorId": c}]
        card = [{"op": "PresentIdTag", "connectorId": c, "idTag": tag}]
        for step in (plug + card if plug_first else card + plug):
            self.do(step)

    def send_local_list(self, update_type: str, version: int, data: list[dict], ask: bool) -> None:
        step = {"op": "SendLocalList", "listVersion": version, "updateType": update_type}
        if data:
            step["localAuthorizationList"] = data
        self.do(step)
        if ask and self.online():
            self.do({"op": "GetLocalListVersion"})

    @precondition(lambda self: self.online() and self.connectors > 1 and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS))
    def list_over_cache(self, c, tag):
        """§3.5.3: an entry of the Local Authorization List has priority over the cache. The idTag is
        cached Accepted (its card on the other connector), then listed Blocked; under LocalPreAuthorize
        its card on a plugged connector must not start a transaction on the strength of the cache."""
        self.card_cached_then_blocked(c, tag, lambda: self.send_differential_update(False, [(tag, "Blocked")], False))

    @precondition(lambda self: self.online() and self.connectors > 1 and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS))
    def card_after_list_removal(self, c, tag):
        """§3.5.3: an idTag known in the Local Authorization List is not added to the cache. Listed Accepted
        (LocalPreAuthorize on), it charges on the other connector, which brings its IdTagInfo, and stops;
        removed from the list, its card on connector ``c`` must be authorized again, not from a cache."""
        other = 3 - c
        if any(self.connector(i).tx is not None or self.connector(i).plugged for i in (1, 2)):
            return
        if self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        if value_of(self.model.config, "LocalPreAuthorize") is not True:
            self.do({"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"})
        self.send_differential_update(False, [(tag, "Accepted")], False)
        for step in ({"op": "PlugIn", "connectorId": other}, {"op": "PresentIdTag", "connectorId": other, "idTag": tag},
                     {"op": "PresentIdTag", "connectorId": other, "idTag": tag}):
            self.do(step)
        self.send_differential_update(False, [(tag, None)], False)
        for step in ({"op": "PlugIn", "connectorId": c}, {"op": "PresentIdTag", "connectorId": c, "idTag": tag}):
            if self.model.powered:
                self.do(step)

    @precondition(lambda self: self.online() and self.can("PlugIn") and self.can("PresentIdTag")
                  and self.can("SetIdTag"))
    @rule(c=st.integers(1, 2), tag=st.sampled_from(ID_TAGS), kind=st.sampled_from(("Soft", "Hard")))
    def listed_card_after_reboot(self, c, tag, kind):
        """§3.5.2, §5.10: the idTag listed Blocked (the Central System would accept it), a reboot (Reset, §5.14), the
        list's version asked, and its card at a plugged connector: a Charge Point that reports the version of the
        list it kept must still refuse the card locally (a list lost at the reboot has version 0, a SHOULD)."""
        if c > self.connectors or self.connector(c).tx is not None:
            return
        self.send_local_list("Full", VERSIONS[0], authorization_data([(tag, "Blocked")], "Full"), False)
        if self.model.policy_for(tag)[0] != "Accepted":
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        for step in ({"op": "Reset", "type": kind}, {"op": "GetLocalListVersion"}):
            if self.online():
                self.do(step)
        if self.model.powered and self.connector(c).tx is None:
            if not self.connector(c).plugged:
                self.do({"op": "PlugIn", "connectorId": c})
            self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})

    @precondition(lambda self: self.online())
    @rule(disable=st.booleans())
    def local_auth_list_enabled(self, disable):
        """§9.2.1: LocalAuthListEnabled decides whether the list is used for authorization."""
        self.do({"op": "ChangeConfiguration", "key": "LocalAuthListEnabled", "value": "false" if disable else "true"})

    @precondition(lambda self: self.can("SetLocalListFailure"))
    @rule(failing=st.booleans())
    def local_list_failure(self, failing):
        if self.model.local_list.failing != failing:
            self.do({"op": "SetLocalListFailure", "failing": failing})
