"""The Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists LocalAuthListManagement; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).

Choices where the specification leaves freedom:

* The list lives in the store (``store["local_list"]``: ``version`` and
  ``entries``, idTag -> IdTagInfo), so it survives reboots and power loss
  (§3.5.2 SHOULD).
* An empty list has version 0 (§5.10), also after an update that emptied it.
  A Differential update without entries leaves the list as it is but takes
  the new version when the list is not empty.
* Failed: while the storage fails (physical action ``SetLocalListFailure``),
  for more entries than SendLocalListMaxLength or a result longer than
  LocalAuthListMaxLength, and for a malformed request (a duplicate idTag, a
  Full entry without idTagInfo). VersionMismatch only for a Differential
  update whose version is not above the current one (§7.47).
* Authorization (§3.5.3): a listed idTag is judged by its list entry and never
  by the cache, and its IdTagInfo is not added to the cache (an entry it had
  before is updated, §3.5.1). An Accepted entry starts
  without Authorize.req under LocalPreAuthorize and offline under
  LocalAuthorizeOffline; otherwise Authorize.req is sent as for a cached idTag.
  A listed idTag that is not Accepted is refused offline, also when
  AllowOfflineTxForUnknownId is true (§3.5.4). With LocalAuthListEnabled false
  the list is kept and updated but not used.
* A StartTransaction.conf whose status disagrees with the Accepted-ness of the
  list entry is reported with a StatusNotification for connector 0 with
  errorCode LocalListConflict (§3.5.2).
"""

from __future__ import annotations

from adapters.clock import iso
from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from .keys import Key, boolean, non_negative
from .state import Outgoing
from .unsupported import refuse

PROFILE = "LocalAuthListManagement"
LOCAL_AUTH_LIST_MAX_LENGTH = 16
SEND_LOCAL_LIST_MAX_LENGTH = 8


def keys(settings) -> list[Key]:
    """This profile's configuration keys (§9.2), added to the key table when the profile is supported."""
    return [
        Key("LocalAuthListEnabled", "true", boolean),
        Key("LocalAuthListMaxLength", str(LOCAL_AUTH_LIST_MAX_LENGTH), non_negative, read_only=True),
        Key("SendLocalListMaxLength", str(SEND_LOCAL_LIST_MAX_LENGTH), non_negative, read_only=True),
    ]


class LocalAuthList:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    _local_list_failing = False
    """The storage of the list fails (physical action ``SetLocalListFailure``)."""

    # ---- the list in the store

    def _local_list(self) -> dict:
        stored = self.store["local_list"]
        stored.setdefault("version", 0)
        stored.setdefault("entries", {})
        return stored

    def _list_in_use(self) -> bool:
        return self._supports(PROFILE) and self.config.boolean("LocalAuthListEnabled")

    def _listed(self, id_tag: str) -> dict | None:
        """The list entry (an IdTagInfo) of ``id_tag`` while the list is in use; a passed expiryDate
        makes an Accepted entry Expired (§3.5.4)."""
        if not self._list_in_use():
            return None
        entry = self._local_list()["entries"].get(id_tag)
        if entry is not None and entry["status"] == "Accepted" and self._expired(entry):
            return {**entry, "status": "Expired"}
        return entry

    def _local_entry(self, id_tag: str) -> dict | None:
        """§3.5.3: the list entry has priority over the cache entry."""
        listed = self._listed(id_tag)
        return listed if listed is not None else self._cached(id_tag)

    def _in_local_list(self, id_tag: str) -> bool:
        """§3.5.3: "Identifiers known in the Local Authorization List SHALL NOT be added to the cache"."""
        return self._supports(PROFILE) and id_tag in self._local_list()["entries"]

    def _local_list_conflict(self, id_tag: str, info: dict) -> None:
        """§3.5.2: a StartTransaction.conf that contradicts the list is reported as LocalListConflict."""
        listed = self._listed(id_tag)
        if listed is None or (listed["status"] == "Accepted") == (info["status"] == "Accepted"):
            return
        zero = self.connectors[0]
        payload = {"connectorId": 0, "errorCode": "LocalListConflict", "status": zero.status,
                   "timestamp": iso(self.clock.now())}
        self._enqueue(Outgoing("StatusNotification", payload))

    def _physical_SetLocalListFailure(self, c, step) -> None:
        self._local_list_failing = step["failing"]

    # ---- GetLocalListVersion (§5.10)

    @on(Action.get_local_list_version, skip_schema_validation=True)
    def on_get_local_list_version(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_local_list_version)
        return call_result.GetLocalListVersion(list_version=self._local_list()["version"])

    # ---- SendLocalList (§5.15)

    @on(Action.send_local_list, skip_schema_validation=True)
    def on_send_local_list(self, list_version: int, update_type: str, local_authorization_list=None, **_):
        if not self._supports(PROFILE):
            return refuse(Action.send_local_list)
        changes = [snake_to_camel_case(data) for data in local_authorization_list or []]
        status = self._list_update_status(list_version, update_type, changes)
        if status == "Accepted":
            self._list_apply(list_version, update_type, changes)
        return call_result.SendLocalList(status=status)

    def _list_update_status(self, version: int, update_type: str, changes: list[dict]) -> str:
        if self._local_list_failing or self._list_malformed(update_type, changes):
            return "Failed"
        if update_type == "Differential" and version <= self._local_list()["version"]:
            return "VersionMismatch"
        too_long = len(self._list_updated(update_type, changes)) > self.config.integer("LocalAuthListMaxLength")
        if len(changes) > self.config.integer("SendLocalListMaxLength") or too_long:
            return "Failed"
        return "Accepted"

    def _list_malformed(self, update_type: str, changes: list[dict]) -> bool:
        """§6.41: unique idTags; §7.1: idTagInfo is required in a Full update."""
        tags = [data["idTag"] for data in changes]
        return len(set(tags)) != len(tags) or (update_type == "Full" and any("idTagInfo" not in d for d in changes))

    def _list_updated(self, update_type: str, changes: list[dict]) -> dict:
        """The entries after the update: replaced (Full) or added/updated/deleted (Differential, §7.1)."""
        entries = {} if update_type == "Full" else dict(self._local_list()["entries"])
        for data in changes:
            if "idTagInfo" in data:
                entries[data["idTag"]] = data["idTagInfo"]
            else:
                entries.pop(data["idTag"], None)
        return entries

    def _list_apply(self, version: int, update_type: str, changes: list[dict]) -> None:
        stored = self._local_list()
        entries = self._list_updated(update_type, changes)
        stored["entries"] = entries
        stored["version"] = version if entries else 0
        self.store.save()

