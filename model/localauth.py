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
* The list "SHOULD be persisted across reboots and power outages" (§3.5.2): after
  a reboot the Charge Point may hold it still or have lost it (version 0, no
  entries; the SAP simulator keeps it in memory). The model keeps every list it
  may hold (:attr:`LocalList.lost`) until an observation tells which; one that
  tells the list was lost is a recommendation not followed (LocalListNotPersisted).
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
    lost: tuple["LocalList", ...] = ()
    """§3.5.2: the list "SHOULD be persisted across reboots and power outages", so it need not be. The lists (entries and
    versions only) the Charge Point may hold instead of this one, had it lost its list at a reboot since this one was
    known to be held: the empty list of version 0 it was left with, and the updates Accepted since applied to it. Empty
    once an observation told which (a GetLocalListVersion.conf, a SendLocalList.conf only one of them allows)."""

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

    # -- a list maybe not persisted across a reboot (§3.5.2) ------------------------------

    def lists(self) -> tuple[LocalList, ...]:
        """Every list the Charge Point may hold (§3.5.2): the one persisted across every reboot first, then those of
        :attr:`LocalList.lost`, each with the storage failure injected and the IdTagInfos withheld from the cache."""
        here = self.local_list
        if not here.lost:
            return (here,)
        return (attrs.evolve(here, lost=()),
                *(attrs.evolve(other, failing=here.failing, withheld=here.withheld) for other in here.lost))

    def in_each_list(self, judge) -> list[tuple]:
        """(what ``judge()`` says, the list after it) as if the Charge Point held each list of :meth:`lists`, in their
        order. ``judge`` may change the list, nothing else (what else it changes is undone while lists are kept)."""
        if not self.local_list.lost:
            return [(judge(), self.local_list)]
        state, results = self.state, []
        for local_list in self.lists():
            self.state = attrs.evolve(state, local_list=local_list)
            results.append((judge(), self.state.local_list))
        self.state = state
        return results

    def hold(self, lists: list[tuple[int, LocalList]], told: str) -> None:
        """Keep the lists an observation (``told``) left possible: (index in :meth:`lists`, the list after it), the
        first the one held from now on. The list persisted across every reboot (index 0) ruled out, the Charge Point
        lost it at a reboot: the recommendation of §3.5.2 not followed, never a deviation."""
        if not lists:
            return
        if lists[0][0] != 0:
            self.fail("LocalListNotPersisted", "OCPP 1.6 §3.5.2",
                      f"{told}: the Charge Point lost its Local Authorization List at a reboot (it SHOULD be maintained "
                      "in non-volatile memory, and SHOULD be persisted across reboots and power outages)")
        held = lists[0][1]
        others: list[LocalList] = []
        for _, other in lists[1:]:
            other = LocalList(entries=other.entries, versions=other.versions)
            if (other.entries, other.versions) != (held.entries, held.versions) and other not in others:
                others.append(other)
        self.set_local_list(entries=held.entries, versions=held.versions, failing=held.failing,
                            withheld=held.withheld, lost=tuple(others))

    def reboot(self, why: str) -> None:
        """A reboot asked for (a Reset Accepted, a firmware installation) or a power-on: the list may be lost (§3.5.2)."""
        super().reboot(why)
        self.may_lose_list()

    def boot(self, call) -> None:
        """The reboot itself, seen at its BootNotification: an observation since it was asked for may have told the list
        was kept while the Charge Point had not rebooted yet; it may be lost now (§3.5.2)."""
        if self.state.rebooting or self.install_reboot_owed():  # or the reboot into new firmware, unseen (§5.19)
            self.may_lose_list()
        super().boot(call)

    def may_lose_list(self) -> None:
        """§3.5.2: "The Local Authorization List SHOULD be maintained by the Charge Point in non-volatile memory, and SHOULD
        be persisted across reboots and power outages": a Charge Point that keeps it in memory (the SAP simulator,
        sim-sap final2) is left with none, version 0 (§5.10) at a reboot, and deviates from nothing. An emptied list
        of a version above 0 (a Full update with no entries, as fresh() leaves SAP's) may come back as version 0 too."""
        lists = self.lists()
        if any(local_list.entries or local_list.versions - {0} for local_list in lists):
            self.hold([*enumerate(lists), (len(lists), LocalList())], "a reboot")

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
        """§5.10: the version of the list, 0 when it is empty (OCTT TC_042_2_CS). Of the lists the Charge Point may
        hold (§3.5.2) those of another version are ruled out."""
        version = payload.get("listVersion")
        results = self.in_each_list(lambda: self.reported_version(version))
        held = [(i, local_list) for i, (expected, local_list) in enumerate(results) if version in expected]
        if not held:
            expected = set().union(*(expected for expected, _ in results))
            empty = not any(local_list.entries for _, local_list in results)
            self.fail("LocalListVersion", "OCPP 1.6 §5.10, §6.28, §3.5.2",
                      f"GetLocalListVersion answered listVersion {version!r}, expected "
                      f"{' or '.join(map(str, sorted(expected)))}{' (the list is empty)' if empty else ''}")
        self.hold(held, f"GetLocalListVersion answered listVersion {version!r}")

    def reported_version(self, version) -> frozenset[int]:
        """The versions the list may report; the one reported, if among them, is the list's from now on."""
        expected = frozenset({0}) if not self.local_list.entries else self.local_list.versions
        if version in expected and self.local_list.entries:
            self.set_local_list(versions=frozenset({version}))
        return expected

    def answer_SendLocalList(self, stimulus, payload) -> None:
        """§5.15, §7.47: the status the update may be answered with, for any list the Charge Point may hold (§3.5.2);
        those that do not allow the status answered are ruled out."""
        update_type, version = stimulus.get("updateType"), stimulus.get("listVersion")
        changes = stimulus.get("localAuthorizationList") or []
        answered = payload.get("status")

        def judge() -> set[str]:
            allowed = self.update_statuses(update_type, version, changes)
            if answered == "VersionMismatch" and answered in allowed:
                self.set_local_list(versions=frozenset(v for v in self.local_list.versions if v >= version))
            elif answered == "Accepted" and answered in allowed:
                self.apply_update(update_type, version, changes)
            return allowed

        results = self.in_each_list(judge)
        allowed = set().union(*(allowed for allowed, _ in results))
        if self.expect_status(stimulus, payload, allowed, "SendLocalListStatus", "OCPP 1.6 §5.15, §7.47") is not None:
            self.hold([(i, local_list) for i, (allowed, local_list) in enumerate(results) if answered in allowed],
                      f"a {update_type} SendLocalList of version {version!r} answered {answered}")

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
        """§3.5.3: a Local Authorization List entry has priority over the cache entry of the same idTag. Of the lists
        the Charge Point may hold (§3.5.2) one that lets the idTag start (Accepted) is taken; that it may hold another
        is :meth:`expiring`'s."""
        entries = [entry for entry, _ in self.in_each_list(lambda: self.held_entry(id_tag))]
        return next((entry for entry in entries if entry is not None and entry[0] == "Accepted"), entries[0])

    def held_entry(self, id_tag: str):
        listed = self.list_entry(id_tag)
        return listed if listed is not None else super().local_entry(id_tag)

    def expiring(self, id_tag: str) -> bool:
        """The entry reaches its expiryDate now (§3.5.1), or the lists the Charge Point may hold (§3.5.2) do not agree
        whether the idTag is Accepted: it may take it either way (or ask, Authorize.req)."""
        judged = [judged for judged, _ in self.in_each_list(
            lambda: (self.held_entry(id_tag), self.list_entry(id_tag) is None and self.cache_expiring(id_tag)))]
        accepted = {entry is not None and entry[0] == "Accepted" for entry, _ in judged}
        return len(accepted) > 1 or any(expiring for _, expiring in judged)

    def cache_expiring(self, id_tag: str) -> bool:
        return super().expiring(id_tag)

    def offline_authorizable(self, id_tag: str) -> bool:
        """Allowed by any list the Charge Point may hold (§3.5.2)."""
        return any(allowed for allowed, _ in self.in_each_list(lambda: self.offline_authorizable_by_list(id_tag)))

    def offline_authorizable_by_list(self, id_tag: str) -> bool:
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
            if c.presented and c.tx is None and any(listed is not None and listed[0] != "Accepted" for listed, _
                                                    in self.in_each_list(lambda: self.list_entry(c.presented))):
                self.update(c.id, presented=None)
        super().check_presented()

    # -- listed identifiers are not added to the cache (§3.5.3) --------------------

    def learn(self, id_tag, info) -> None:
        """§3.5.3: "Identifiers known in the Local Authorization List SHALL NOT be added to the
        Authorization Cache"; an idTag already in the cache is updated (§3.5.1)."""
        withheld = tuple(w for w in self.local_list.withheld if w[0] != id_tag)
        listed = self.list_in_use() and all(local_list.entry(id_tag) is not None for local_list in self.lists())
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
        listed = any(listed is not None and listed[0] == "Accepted"  # in any list it may hold (§3.5.2)
                     for listed, _ in self.in_each_list(lambda: self.list_entry(id_tag)))
        waiting = [c.id for c in self.connectors() if c.presented == id_tag and c.tx is None]
        super().cp_Authorize(call)
        refused = ((call.answer or {}).get("idTagInfo") or {}).get("status") not in (None, "Accepted")
        if not listed or not refused:
            return
        for connector_id in waiting:
            if self.usable(self.state.connector(connector_id)):
                self.update(connector_id, authorized=id_tag, authorized_at=self.state.time, uncertain=True)

    def cp_StartTransaction(self, call) -> None:
        """A conflict is owed when the status in the list and its expiryDate (§3.5.4) both say it, in every list the
        Charge Point may hold (§3.5.2)."""
        id_tag = call.payload.get("idTag")
        self.started_by_list(call)
        held = [held for held, _ in self.in_each_list(lambda: (self.list_entry(id_tag), self.local_list.entry(id_tag)))]
        super().cp_StartTransaction(call)
        info = (call.answer or {}).get("idTagInfo") or {}
        if "status" not in info:
            return
        accepted = info["status"] == "Accepted"
        if not all(listed is not None and accepted != (listed[0] == "Accepted") and accepted != (stored[1] == "Accepted")
                   for listed, stored in held):
            return
        listed = held[0][0]
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

    def started_by_list(self, call) -> None:
        """§3.5.2: a start that only some of the lists the Charge Point may hold authorize tells it holds one of them
        (a card started without Authorize.req under LocalPreAuthorize that only the list persisted has Accepted);
        one that none authorizes tells nothing (it is StartTransactionWithoutAuthorization whichever it holds)."""
        connector_id, id_tag = call.payload.get("connectorId"), call.payload.get("idTag")
        if not self.local_list.lost or not self.valid_connector(connector_id) \
                or self.state.connector(connector_id).tx is not None:
            return
        c = self.state.connector(connector_id)
        results = self.in_each_list(lambda: self.authorized_by_list(c, id_tag))
        allowed = [(i, local_list) for i, (authorized, local_list) in enumerate(results) if authorized]
        if allowed and len(allowed) < len(results):
            self.hold(allowed, f"StartTransaction for {id_tag!r} on connector {connector_id}")

    def authorized_by_list(self, c, id_tag: str) -> bool:
        """:meth:`may_start` as if the Charge Point held the list it is judged with; an authorization at the card's
        presentation, without Authorize.conf (LocalPreAuthorize, §3.5), taken as any list allowed it, stands only if
        this one allows it."""
        if c.presented == id_tag == c.authorized:
            return id_tag in c.alternatives or super().may_start(attrs.evolve(c, authorized=None), id_tag)
        return super().may_start(c, id_tag)

    def cp_StatusNotification(self, call) -> None:
        if call.payload.get("connectorId") == 0 and call.payload.get("errorCode") == "LocalListConflict":
            self.discharge(lambda o: o.rule == "LocalListConflictNotReported")
        super().cp_StatusNotification(call)
