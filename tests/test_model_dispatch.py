"""model.judge.DISPATCH: the judge's composition, one table per kind of op (issue 20)."""

import ast
import inspect

import model.core
from model.judge import DISPATCH
from vocabulary import CENTRAL_SYSTEM_OPS, ENVIRONMENT_OPS, PHYSICAL_OPS, PROFILE_OPS


def test_every_op_of_a_trace_has_a_handler():
    assert set(DISPATCH["answer_"]) == CENTRAL_SYSTEM_OPS
    assert set(DISPATCH["on_"]) == PHYSICAL_OPS | ENVIRONMENT_OPS


def test_each_profile_operation_is_judged_by_its_profiles_rules():
    owners = {"LocalAuthListManagement": "LocalAuthListRules", "Reservation": "ReservationRules",
              "SmartCharging": "SmartChargingRules", "RemoteTrigger": "RemoteTriggerRules",
              "FirmwareManagement": "FirmwareRules"}
    for op, profile in PROFILE_OPS.items():
        assert DISPATCH["answer_"][op].__qualname__ == f"{owners[profile]}.answer_{op}"


def test_the_model_dispatches_by_the_table_not_by_building_method_names():
    source = inspect.getsource(model.core)
    built = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
             and getattr(node.func, "id", None) == "getattr" and any(isinstance(a, ast.JoinedStr) for a in node.args)]
    assert built == []
