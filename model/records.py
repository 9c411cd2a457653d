"""``attrs.evolve`` for the model's frozen records, on the judge's hot path.

``attrs.evolve`` walks the class's fields on every call (``getattr`` for each,
through ``attrs.fields``); a ChargePointState has 25 of them and a step makes
dozens of new states. :func:`evolve` makes the same new instance with code
written once per class.
"""

from __future__ import annotations

import functools

import attrs


def evolve(inst, **changes):
    """``attrs.evolve(inst, **changes)``: a new instance with ``changes``; an unknown name is a TypeError."""
    return _maker(type(inst))(inst, changes)


@functools.cache
def _maker(cls):
    fields = sorted((f for f in attrs.fields(cls) if f.init), key=lambda f: f.kw_only)
    args = ", ".join(("" if not f.kw_only else f"{f.alias}=")
                     + f"changes.pop({f.alias!r}) if {f.alias!r} in changes else inst.{f.name}" for f in fields)
    namespace = {"cls": cls}
    exec(f"def make(inst, changes):\n    new = cls({args})\n"  # positional: the fastest call  # noqa: S102
         f"    if changes:\n        raise TypeError(f'{cls.__name__} has no field {{next(iter(changes))!r}}')\n"
         f"    return new\n", namespace)
    return namespace["make"]
