"""Rules of the Local Auth List Management profile for :class:`properties.machine.OcppMachine`.

Lists are small (at most three of TAG1..TAG3, Accepted or Blocked, or removed
in a Differential update) and versions come from a small set (1, 2, 5; never
0 or -1, errata 3.52), so that failures shrink to a few readable steps.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

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
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""

    @precondition(lambda self: self.online())
    @rule()
    def get_local_list_version(self):
        self.do({"op": "GetLocalListVersion"})

    @precondition(lambda self: self.online())
    @rule(differential=st.booleans(), version=st.sampled_from(VERSIONS), entries=_entries)
    def send_local_list(self, differential, version, entries):
        update_type = "Differential" if differential else "Full"
        step = {"op": "SendLocalList", "listVersion": version, "updateType": update_type}
        data = authorization_data(entries, update_type)
        if data:
            step["localAuthorizationList"] = data
        self.do(step)

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
