"""The controller kinds a description's ``[controller] kind`` may name, each registered once.

A :class:`ControllerKind` says what the kind takes in ``[controller]`` (a URL and its schemes,
a station, credentials, ``power_loss``), which physical ops it can do at most, and how it is
built. The description parser, the command-line override of the kind and ExternalSut read
only this table: a new controller is its class (adapters/controllers.py or a module of its
own) and one registration here, under a name vocabulary/ops.py lists (checked at import).
docs/external.md §7 describes each.
"""

from __future__ import annotations

import sys
from typing import Callable

import attrs

from adapters.control import PHYSICAL_OPS
from adapters.controllers import (
    HttpController, ManualController, MicroOcppController, NoController, SapController,
)
from vocabulary import CONTROLLER_KINDS


@attrs.frozen
class ControllerKind:
    name: str
    build: Callable  # (spec: ControllerSpec, call_timeout, input, output) -> the controller
    ops: frozenset[str] | None  # the physical ops it can do at most; None: asked at open()
    schemes: tuple[str, ...] = ()  # the schemes of its [controller] url; (): it takes no url
    keys: tuple[str, ...] = ()  # the other [controller] keys it takes
    power_loss: str = "cut"  # its [controller] power_loss by default
    cable: bool = True  # False: its PlugIn is a message only; the charge point senses no cable (Options.cable_sensed)
    card: bool = True  # False: what a presented card does (authorize, start, stop) is the controller's choice, not the
    #                    charge point's (OCTT prerequisite card-logic)


CONTROLLERS: dict[str, ControllerKind] = {kind.name: kind for kind in (
    ControllerKind("http", lambda spec, timeout, input, output: HttpController(spec.url, timeout=timeout),
                   None, ("http://",), ("power_loss",)),
    ControllerKind("manual", lambda spec, timeout, input, output: ManualController(
        input or sys.stdin, output or sys.stdout), frozenset(PHYSICAL_OPS), (), ("power_loss",)),
    ControllerKind("none", lambda spec, timeout, input, output: NoController(), frozenset()),
    ControllerKind("sap", lambda spec, timeout, input, output: SapController(
        spec.url, spec.station, timeout, spec.basic_auth), SapController.OPS, ("ws://", "wss://"),
        ("station", "user", "password", "power_loss"), "graceful", cable=False, card=False),
    ControllerKind("microocpp", lambda spec, timeout, input, output: MicroOcppController(
        spec.url, timeout, spec.basic_auth), MicroOcppController.OPS, ("http://",), ("user", "password")),
)}
if tuple(CONTROLLERS) != CONTROLLER_KINDS:  # a kind named in one place but not the other
    raise ImportError(f"controller kinds registered {tuple(CONTROLLERS)} but named in vocabulary/ops.py "
                      f"{CONTROLLER_KINDS}")


def taking(key: str) -> str:
    """The kinds that take a [controller] key, in words: '"sap"', '"sap" or "microocpp"'."""
    return " or ".join(f'"{name}"' for name, kind in CONTROLLERS.items() if key in kind.keys)
