"""Injected bugs of the Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile (see :mod:`.mutants`).

Their minimal traces assume SupportedFeatureProfiles lists LocalAuthListManagement.
"""

from __future__ import annotations

from .charge_point import ChargePoint

FULL_TAG1 = {"op": "SendLocalList", "listVersion": 1, "updateType": "Full",
             "localAuthorizationList": [{"idTag": "TAG1", "idTagInfo": {"status": "Accepted"}}]}
BLOCKED_TAG1 = {"op": "SendLocalList", "listVersion": 1, "updateType": "Full",
                "localAuthorizationList": [{"idTag": "TAG1", "idTagInfo": {"status": "Blocked"}}]}
LOCAL_PRE_AUTHORIZE = {"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"}


class DifferentialUpdateReplacesWholeList(ChargePoint):
    """§5.15, §7.1, §7.48 (rule LocalListVersion): a Differential update adds, updates and deletes
    entries; this one replaces the whole list, so a list that should still hold TAG1 is empty and
    GetLocalListVersion answers 0 (OCTT TC_043_CS)."""

    minimal_trace = [FULL_TAG1,
                     {"op": "SendLocalList", "listVersion": 2, "updateType": "Differential"},
                     {"op": "GetLocalListVersion"}]

    def _list_updated(self, update_type, changes):
        return super()._list_updated("Full", [d for d in changes if "idTagInfo" in d])


class LocalListVersionNotUpdated(ChargePoint):
    """§5.15, §6.41 (rule LocalListVersion): after a Differential update the list has the version of
    the request; this one keeps the old version (OCTT TC_043_2_CS)."""

    minimal_trace = [FULL_TAG1,
                     {"op": "SendLocalList", "listVersion": 2, "updateType": "Differential",
                      "localAuthorizationList": [{"idTag": "TAG2", "idTagInfo": {"status": "Accepted"}}]},
                     {"op": "GetLocalListVersion"}]

    def _list_apply(self, version, update_type, changes):
        if update_type == "Differential":
            version = self._local_list()["version"] or version
        super()._list_apply(version, update_type, changes)


class LocalListNotPreferredToCache(ChargePoint):
    """§3.5.3 (rule StartTransactionWithoutAuthorization): Local Authorization List entries have
    priority over cache entries; this one consults the cache first, so a Blocked list entry
    starts a transaction from an Accepted cache entry under LocalPreAuthorize."""

    minimal_trace = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, LOCAL_PRE_AUTHORIZE,
                     {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG1"},
                     BLOCKED_TAG1,
                     {"op": "PlugIn", "connectorId": 1},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    def _local_entry(self, id_tag):
        cached = self._cached(id_tag)
        return cached if cached is not None else self._listed(id_tag)


class LocalListUsedWhenDisabled(ChargePoint):
    """§9.2.1 (rule StartTransactionWithoutAuthorization): with LocalAuthListEnabled false the list is
    not used; this one still starts a listed idTag without Authorize.req under LocalPreAuthorize."""

    minimal_trace = [FULL_TAG1, LOCAL_PRE_AUTHORIZE,
                     {"op": "ChangeConfiguration", "key": "LocalAuthListEnabled", "value": "false"},
                     {"op": "PlugIn", "connectorId": 1},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    def _list_in_use(self):
        return self._supports("LocalAuthListManagement")


class LocalListLostAtReboot(ChargePoint):
    """§3.5.2 (recommendation LocalListNotPersisted, never a finding): the list SHOULD be kept in non-volatile
    memory and persist across reboots; this one forgets it when it boots (as the SAP simulator does). A SHOULD, no
    bug: the run reports the recommendation not followed and must not kill it (``recommendation``,
    properties/mutants.py)."""

    minimal_trace = [FULL_TAG1, {"op": "Reset", "type": "Soft"}, {"op": "GetLocalListVersion"}]
    recommendation = "LocalListNotPersisted"

    def _load(self):
        super()._load()
        self.store["local_list"] = {}


class LocalListEntriesLostAtReboot(ChargePoint):
    """§3.5.2, §5.10, §7.47 (rules LocalListConflictNotReported, SendLocalListStatus, StatusNotReported): a list lost
    at a reboot is no deviation (a SHOULD), but its version goes with it (0: the list is empty); this one forgets the
    entries and keeps the version, so after a reboot it reports and compares updates with the version of a list it
    no longer holds, and misses the conflict of a StartTransaction.conf with an entry it had."""

    minimal_trace = [BLOCKED_TAG1, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
                     {"op": "Reset", "type": "Soft"}, {"op": "GetLocalListVersion"},
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    def _load(self):
        super()._load()
        stored = self.store["local_list"]
        if stored:
            self.store["local_list"] = {"version": stored.get("version", 0), "entries": {}}


class ListedIdTagCached(ChargePoint):
    """§3.5.3 (rule ListedIdTagCached): identifiers known in the Local Authorization List SHALL NOT be added
    to the Authorization Cache; this one caches them, so once removed from the list the idTag still starts
    from the cache under LocalPreAuthorize, without Authorize.req."""

    minimal_trace = [LOCAL_PRE_AUTHORIZE, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, FULL_TAG1,
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"},
                     {"op": "SendLocalList", "listVersion": 2, "updateType": "Full"},
                     {"op": "PlugIn", "connectorId": 2}, {"op": "PresentIdTag", "connectorId": 2, "idTag": "TAG1"}]

    def _may_cache(self, id_tag: str) -> bool:
        return True


MUTANTS: tuple[type[ChargePoint], ...] = (
    DifferentialUpdateReplacesWholeList, LocalListVersionNotUpdated, LocalListNotPreferredToCache,
    LocalListUsedWhenDisabled, LocalListLostAtReboot, LocalListEntriesLostAtReboot, ListedIdTagCached,
)
