"""``attrs.evolve`` for the model's frozen records, on the judge's hot path.

``attrs.evolve`` walks the class's fields on every call (``getattr`` for each,
through ``attrs.fields``); a ChargePointState has 25 of them and a step makes
dozens of new states. :func:`evolve` makes the same new instance with code
written once per class. A record without slots (ChargePointState, Connector)
is copied as its ``__dict__``: with slots, each of its fields is set by a call
(check-log: 10 % of its time on a long log went to making states).
"""

from __future__ import annotations

import functools

import attrs


def evolve(inst, **changes):
    """``attrs.evolve(inst, **changes)``: a new instance with ``changes``; an unknown name is a TypeError."""
    return _maker(type(inst))(inst, changes)


@functools.cache
def _maker(cls):
    if _by_dict(cls):
        return _dict_maker(cls)
    fields = sorted((f for f in attrs.fields(cls) if f.init), key=lambda f: f.kw_only)
    args = ", ".join(("" if not f.kw_only else f"{f.alias}=")
                     + f"changes.pop({f.alias!r}) if {f.alias!r} in changes else inst.{f.name}" for f in fields)
    namespace = {"cls": cls}
    exec(f"def make(inst, changes):\n    new = cls({args})\n"  # positional: the fastest call  # noqa: S102
         f"    if changes:\n        raise TypeError(f'{cls.__name__} has no field {{next(iter(changes))!r}}')\n"
         f"    return new\n", namespace)
    return namespace["make"]


def _by_dict(cls) -> bool:
    """A record kept in an instance ``__dict__`` (``slots=False``) whose fields are all set by ``__init__`` under
    their own names, with no post-init: a new instance is a copy of that dict (its cached hash, if any, cleared)."""
    return ("__slots__" not in cls.__dict__ and not hasattr(cls, "__attrs_post_init__")
            and all(f.init and f.alias == f.name and f.validator is None and f.converter is None
                    for f in attrs.fields(cls)))


_CACHED_HASH = "_attrs_cached_hash"
"""Where attrs keeps the hash of an instance of a ``cache_hash=True`` class."""


def _dict_maker(cls):
    new, set_attribute = object.__new__, object.__setattr__

    def make(inst, changes):
        values = inst.__dict__.copy()  # one copy of the whole table: a third of the time of {**a, **b}
        size = len(values)
        values.update(changes)
        if len(values) != size:
            raise TypeError(f"{cls.__name__} has no field {next(k for k in changes if k not in inst.__dict__)!r}")
        if _CACHED_HASH in values:
            values[_CACHED_HASH] = None
        made = new(cls)
        set_attribute(made, "__dict__", values)
        return made

    return make
