"""The rules of the Local Auth List Management (OCPP 1.6 §3.5, §5.10, §5.15) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.

What the model knows of the Local Authorization List is what the Central
System installed with SendLocalList.req answered Accepted (§3.5.2: the Charge
Point changes it by no other means). Choices the spec leaves open are kept:

* The version after a Differential update without entries, which "will have
  no effect on the list" (§6.41), may be the old or the new one; the model
  keeps both (:attr:`LocalList.versions`) until a GetLocalListVersion.conf
  tells which (then a later Differential update may be VersionMismatch or not).
* An empty list reports version 0 (§5.10; OCTT TC_042_2_CS), whatever version
  the update that emptied it carried; a later Differential update may be
  compared with either (§7.47).
* Failed is allowed where the Charge Point cannot store the update: an injected
  storage failure (``SetLocalListFailure``), more entries than
  SendLocalListMaxLength or LocalAuthListMaxLength (§9.2.2, §9.2.3), or a
  malformed request (a Full entry without idTagInfo, §7.1; a duplicate idTag, §6.41).
* With LocalAuthListEnabled false (§9.2.1) the list is not used for
  authorization; an update may be answered NotSupported then.
* A listed idTag may be refused locally without Authorize.req (§4.1: the
  Charge Point "MAY send an Authorize.req"); an Accepted one starts without
  Authorize.req only under LocalPreAuthorize (§3.5, §9.1.13), like a cached one.
* An IdTagInfo of a listed idTag is not added to the authorization cache
  (§3.5.3); one already cached is updated (§3.5.1). With LocalAuthListEnabled
  false whether the idTag is "known in the Local Authorization List" is left
  open: the cache takes it (a Charge Point that does not only asks more online;
  offline the idTag is unknown to it, allowed under AllowOfflineTxForUnknownId).
"""

from __future__ import annotations

import attrs

from vocabulary.dates import seconds

from .configuration import value_of

PROFILE = "LocalAuthListManagement"
REFUSED = frozenset({"Blocked", "Expired", "Invalid"})
"""§3.5.4: listed identifiers with these statuses "MUST be rejected" offline."""

Entry = tuple[str, str, "str | None", "float | None"]
"""(idTag, status, parentIdTag, expiryDate as epoch seconds) of one list entry (§7.1, §7.27)."""


@attrs.frozen(cache_hash=True)
class LocalList:
    """The Local Authorization List (§3.5.2) and the storage failure the test injected.

    ``versions`` holds every version the Charge Point may report (one, unless
    the spec left a choice); ``entries`` are sorted by idTag.
    """

    entries: tuple[Entry, ...] = ()
    versions: frozenset[int] = frozenset({0})
    failing: bool = False
    withheld: tuple[tuple[str, str, "str | None", "float | None"], ...] = ()
    """(idTag, status, parentIdTag, expiryDate) of IdTagInfos the cache must not have taken (§3.5.3): the idTag was listed."""

    def entry(self, id_tag: str) -> Entry | None:
        return next((e for e in self.entries if e[0] == id_tag), None)


def setting(state, key: str, default=None):
    value = value_of(state.config, key)
    return default if value is None else value


def entry_of(data: dict) -> Entry | None:
    """The list entry an AuthorizationData (§7.1) installs, or None when it has no idTagInfo."""
    info = data.get("idTagInfo")
    if not isinstance(info, dict):
        return None
    expiry = seconds(info["expiryDate"]) if info.get("expiryDate") else None
    return data.get("idTag"), info.get("status"), info.get("parentIdTag"), expiry


def updated(entries: tuple[Entry, ...], update_type: str, changes: list[dict]) -> tuple[Entry, ...]:
    """The list after a Full (replace) or Differential (add, update, delete: §7.1) update."""
    if update_type == "Full":
        kept: dict = {}
    else:
        kept = {e[0]: e for e in entries}
    for data in changes:
        entry = entry_of(data)
        if entry is None:
            kept.pop(data.get("idTag"), None)
        else:
            kept[entry[0]] = entry
    return tuple(sorted(kept.values(), key=lambda e: e[0]))


def malformed(update_type: str, changes) -> bool:
    """§6.41: idTags MUST be unique; §7.1: idTagInfo is required in a Full update."""
    if not isinstance(changes, list) or not all(isinstance(d, dict) for d in changes):
        return True
    tags = [d.get("idTag") for d in changes]
    return len(set(tags)) != len(tags) or (update_type == "Full" and any(entry_of(d) is None for d in changes))


class LocalAuthListRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""

    # -- the list -------------------------------------------------------------

    @property
    def local_list(self) -> LocalList:
        return self.state.local_list

    def set_local_list(self, **changes) -> None:
        if any(getattr(self.state.local_list, name) != value for name, value in changes.items()):
            self.state = attrs.evolve(self.state, local_list=attrs.evolve(self.state.local_list, **changes))

    def list_in_use(self) -> bool:
        """§9.2.1 LocalAuthListEnabled; a value the model has not learnt counts as enabled."""
        return self.supports(PROFILE) and setting(self.state, "LocalAuthListEnabled", True) is not False

    def list_entry(self, id_tag: str) -> tuple[str, str | None] | None:
        """(status, parentIdTag) of a listed idTag while the list is in use; an Accepted entry whose
        expiryDate has passed is Expired (§3.5.4: "apparently expired due to passage of time")."""
        entry = self.local_list.entry(id_tag) if id_tag and self.list_in_use() else None
        if entry is None:
            return None
        _, status, parent, expiry = entry
        if status == "Accepted" and expiry is not None and expiry <= self.state.time:
            status = "Expired"
        return status, parent

    # -- GetLocalListVersion (§5.10) and SendLocalList (§5.15) ---------------------

    def answer_GetLocalListVersion(self, stimulus, payload) -> None:
        """§5.10: the version of the list, 0 when it is empty (OCTT TC_042_2_CS)."""
        version = payload.get("listVersion")
        empty = not self.local_list.entries
        expected = {0} if empty else self.local_list.versions
        if version not in expected:
            self.fail("LocalListVersion", "OCPP 1.6 §5.10, §6.28, §3.5.2",
                      f"GetLocalListVersion answered listVersion {version!r}, expected "
                      f"{' or '.join(map(str, sorted(expected)))}{' (the list is empty)' if empty else ''}")
        elif not empty:
            self.set_local_list(versions=frozenset({version}))

    def answer_SendLocalList(self, stimulus, payload) -> None:
        update_type, version = stimulus.get("updateType"), stimulus.get("listVersion")
        changes = stimulus.get("localAuthorizationList") or []
        allowed = self.update_statuses(update_type, version, changes)
        status = self.expect_status(stimulus, payload, allowed, "SendLocalListStatus", "OCPP 1.6 §5.15, §7.47")
        if status == "VersionMismatch":
            self.set_local_list(versions=frozenset(v for v in self.local_list.versions if v >= version))
        elif status == "Accepted":
            self.apply_update(update_type, version, changes)

    def update_statuses(self, update_type: str, version: int, changes) -> set[str]:
        """The UpdateStatus values (§7.47) the Charge Point may answer to this update."""
        versions = self.local_list.versions
        if update_type == "Differential" and version <= min(versions):
            applied = {"VersionMismatch"}
        elif update_type == "Differential" and version <= max(versions):
            applied = {"VersionMismatch", "Accepted"}
        else:
            applied = {"Accepted"}
        if self.local_list.failing:
            applied = (applied - {"Accepted"}) | {"Failed"}
        elif self.cannot_store(update_type, changes):
            applied = applied | {"Failed"}
        if self.supports(PROFILE) and setting(self.state, "LocalAuthListEnabled", True) is False:
            applied = applied | {"NotSupported", "Failed"}  # §7.47 names no status for a disabled list
        return applied

    def cannot_store(self, update_type: str, changes) -> bool:
        if malformed(update_type, changes):
            return True
        send_max, list_max = setting(self.state, "SendLocalListMaxLength"), setting(self.state, "LocalAuthListMaxLength")
        after = updated(self.local_list.entries, update_type, changes)
        return ((isinstance(send_max, int) and len(changes) > send_max)
                or (isinstance(list_max, int) and len(after) > list_max))

    def apply_update(self, update_type: str, version: int, changes) -> None:
        """An Accepted update: the list and its version change. An empty list reports 0 (§5.10), but
        whether a later Differential update compares with 0 or with the version that emptied it
        (§7.47) is left open."""
        entries = updated(self.local_list.entries, update_type, changes)
        if update_type == "Differential" and not changes:  # "no effect on the list" (§6.41)
            versions = frozenset(v for v in self.local_list.versions if v < version) | {version}
        elif not entries:
            versions = frozenset({0, version})
        else:
            versions = frozenset({version})
        self.set_local_list(entries=entries, versions=versions)

    def error_allowed(self, stimulus, answer) -> bool:
        """More entries than SendLocalListMaxLength (§6.41, §9.2.3) may be refused with a CALLERROR
        OccurenceConstraintViolation (OCPP-J 1.6 §4.2.3)."""
        if stimulus.op == "SendLocalList" and answer.error_code == "OccurenceConstraintViolation":
            limit = setting(self.state, "SendLocalListMaxLength")
            return not isinstance(limit, int) or len(stimulus.get("localAuthorizationList") or []) > limit
        return super().error_allowed(stimulus, answer)

    def on_SetLocalListFailure(self, stimulus) -> None:
        self.set_local_list(failing=bool(stimulus.get("failing")))

    # -- authorization (§3.5.3, §3.5.4) -----------------------------------------

    def local_entry(self, id_tag: str):
        """§3.5.3: a Local Authorization List entry has priority over the cache entry of the same idTag."""
        listed = self.list_entry(id_tag)
        return listed if listed is not None else super().local_entry(id_tag)

    def expiring(self, id_tag: str) -> bool:
        return self.list_entry(id_tag) is None and super().expiring(id_tag)

    def offline_authorizable(self, id_tag: str) -> bool:
        """§3.5.4: a listed idTag that is not valid "MUST be rejected"; a valid one is authorized
        offline under LocalAuthorizeOffline (§9.1.12). An idTag kept in a list that is not used (§9.2.1) may not
        be "known in the Local Authorization List" (§3.5.3): its IdTagInfo may not be cached, so it may be unknown."""
        listed = self.list_entry(id_tag)
        if listed is None and self.local_list.entry(id_tag) is not None and \
                setting(self.state, "AllowOfflineTxForUnknownId", True):
            return True
        if listed is None:
            return super().offline_authorizable(id_tag)
        return listed[0] not in REFUSED and setting(self.state, "LocalAuthorizeOffline", True) is not False

    def check_presented(self) -> None:
        """§4.1: for a listed idTag the Charge Point "MAY send an Authorize.req": a listed idTag
        that is not Accepted may be refused locally, silently."""
        for c in self.connectors():
            listed = self.list_entry(c.presented) if c.presented and c.tx is None else None
            if listed is not None and listed[0] != "Accepted":
                self.update(c.id, presented=None)
        super().check_presented()

    # -- listed identifiers are not added to the cache (§3.5.3) --------------------

    def learn(self, id_tag, info) -> None:
        """§3.5.3: "Identifiers known in the Local Authorization List SHALL NOT be added to the
        Authorization Cache"; an idTag already in the cache is updated (§3.5.1)."""
        withheld = tuple(w for w in self.local_list.withheld if w[0] != id_tag)
        listed = self.list_in_use() and self.local_list.entry(id_tag) is not None
        if id_tag and info and listed and self.state.cached(id_tag) is None:
            self.set_local_list(withheld=withheld + ((id_tag, info.get("status"), info.get("parentIdTag"),
                                                      seconds(info.get("expiryDate"))),))
            return
        if id_tag and info:
            self.set_local_list(withheld=withheld)
        super().learn(id_tag, info)

    def answer_ClearCache(self, stimulus, payload) -> None:
        super().answer_ClearCache(stimulus, payload)
        if not self.state.cache:
            self.set_local_list(withheld=())

    def may_start(self, c, id_tag: str) -> bool:
        """A start that only an IdTagInfo the cache must not have taken would allow is ListedIdTagCached (and,
        since the Charge Point may as well have skipped authorization, still not authorized)."""
        allowed = super().may_start(c, id_tag)
        if allowed or not any(w[0] == id_tag for w in self.local_list.withheld):
            return allowed
        state = self.state
        self.state = attrs.evolve(state, cache=state.cache + tuple(w for w in self.local_list.withheld if w[0] == id_tag))
        cached = super().may_start(c, id_tag)
        self.state = state
        if cached:
            self.fail("ListedIdTagCached", "OCPP 1.6 §3.5.3",
                      f"{id_tag!r} started on connector {c.id} as if cached, but its IdTagInfo came while it was in "
                      "the Local Authorization List, which SHALL NOT be added to the Authorization Cache")
        return False

    # -- LocalListConflict (§3.5.2) -----------------------------------------------

    def cp_Authorize(self, call) -> None:
        """§3.5.2: "Conflicts between the local authorization list and the validity reported ... might occur";
        the Charge Point reports them (LocalListConflict) but which of the two it follows is not said. An
        Authorize.conf refusing an idTag the list has Accepted leaves the card waiting there may start or not
        (MicroOcppSimulator starts from its list, sim-triage M10)."""
        id_tag = call.payload.get("idTag")
        listed = self.list_entry(id_tag)
        waiting = [c.id for c in self.connectors() if c.presented == id_tag and c.tx is None]
        super().cp_Authorize(call)
        refused = ((call.answer or {}).get("idTagInfo") or {}).get("status") not in (None, "Accepted")
        if listed is None or listed[0] != "Accepted" or not refused:
            return
        for connector_id in waiting:
            if self.usable(self.state.connector(connector_id)):
                self.update(connector_id, authorized=id_tag, authorized_at=self.state.time, uncertain=True)

    def cp_StartTransaction(self, call) -> None:
        """A conflict is owed when the status in the list and its expiryDate (§3.5.4) both say it."""
        listed = self.list_entry(call.payload.get("idTag"))
        stored = self.local_list.entry(call.payload.get("idTag"))
        super().cp_StartTransaction(call)
        info = (call.answer or {}).get("idTagInfo") or {}
        if listed is None or "status" not in info:
            return
        accepted = info["status"] == "Accepted"
        if accepted == (listed[0] == "Accepted") or accepted == (stored[1] == "Accepted"):
            return
        self.owe_message("StatusNotification", "LocalListConflictNotReported", "OCPP 1.6 §3.5.2",
                         f"StartTransaction.conf says {call.payload.get('idTag')!r} is {info['status']}, the Local "
                         f"Authorization List says {listed[0]}: a StatusNotification for connector 0 with "
                         "errorCode LocalListConflict", connector=0)

    def connection(self, event) -> None:
        """§3.7: only transaction-related messages MUST be queued while offline, and §4.9 after being offline: the
        Charge Point "MAY send a StatusNotification.req PDU to report an error". A LocalListConflict report not yet
        sent when the connection went is lost with it, not owed (nightly seed 1000, clean bundled charge point: the
        report queued behind a StopTransaction whose answer a lost connection took); it may still come."""
        if not event.connected:
            owed = tuple(o for o in self.state.owed if o.rule != "LocalListConflictNotReported")
            if len(owed) != len(self.state.owed):
                self.state = attrs.evolve(self.state, owed=owed)
        super().connection(event)

    def cp_StatusNotification(self, call) -> None:
        if call.payload.get("connectorId") == 0 and call.payload.get("errorCode") == "LocalListConflict":
            self.discharge(lambda o: o.rule == "LocalListConflictNotReported")
        super().cp_StatusNotification(call)
