"""Frozen records that are cheap to build: a profile makes several per layer.

``dataclass(frozen=True)`` writes each field of a new record through ``object.__setattr__``
(the record's own ``__setattr__`` refuses assignment), and that costs about four times a plain
dict store: on a 10,000-layer spec the records' ``__init__`` alone took a tenth of
``archlens profile``. ``fast_init`` gives a frozen dataclass an ``__init__`` of the same
signature that stores the fields straight into the new instance's ``__dict__``, as
``functools.cached_property`` writes onto frozen records. Everything else (eq, hash, repr,
``dataclasses.replace``, the refusal to assign afterwards) stays dataclasses' own.
"""
from __future__ import annotations

import dataclasses

class _Factory:
    """The default of a field with a default_factory: the factory is called."""

    def __repr__(self) -> str:
        return "<factory>"   # as dataclasses' own signature shows it


_FACTORY = _Factory()


def fast_init(cls: type) -> type:
    """Class decorator, above ``@dataclass(frozen=True)``: the faster ``__init__``."""
    fields = dataclasses.fields(cls)
    if any(not f.init or f.kw_only for f in fields) or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_init: {cls.__name__} has a field outside __init__, a keyword-only "
                        f"field or __post_init__; keep dataclasses' own __init__")
    scope: dict = {"_FACTORY": _FACTORY}
    params, body = ["self"], ["    d = self.__dict__"]
    for f in fields:
        if f.default is not dataclasses.MISSING:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"    d[{f.name!r}] = {f.name}")
    exec(f"def __init__({', '.join(params)}):\n" + "\n".join(body), scope)  # as dataclasses do
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls
