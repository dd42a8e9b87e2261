"""fast_init (archlens.core.records) against dataclasses' own __init__ on the same record."""
from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from archlens.core.records import fast_init


def _record(fast: bool):
    @dataclasses.dataclass(frozen=True)
    class Record:
        name: str
        size: tuple = (1, 1)
        facts: dict = dataclasses.field(default_factory=dict)
        counted: bool = True
    return fast_init(Record) if fast else Record


@pytest.mark.parametrize("args, kwargs", [(("a",), {}), (("b", (2, 3)), {"counted": False}),
                                          ((), {"name": "c", "facts": {"offset": [5, 5]}})])
def test_fields_and_defaults_as_dataclasses_sets_them(args, kwargs):
    plain, fast = _record(False)(*args, **kwargs), _record(True)(*args, **kwargs)
    assert dataclasses.astuple(fast) == dataclasses.astuple(plain)
    assert repr(fast).split("(", 1)[1] == repr(plain).split("(", 1)[1]
    assert fast == dataclasses.replace(fast) and fast != dataclasses.replace(fast, name="z")


def test_each_record_gets_its_own_factory_default():
    Record = _record(True)
    first, second = Record("a"), Record("b")
    assert first.facts == {} and first.facts is not second.facts


def test_still_frozen_and_the_same_signature():
    Record = _record(True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Record("a").name = "b"
    assert list(inspect.signature(Record).parameters) == list(inspect.signature(_record(False)).parameters)
    with pytest.raises(TypeError):
        Record()   # the required field stays required
    with pytest.raises(TypeError):
        Record("a", size=(1, 1), colour="red")   # no unknown field


def test_profile_records_round_trip_through_pickle():
    from archlens.core.profile import profile
    p = profile("vgg11")
    assert pickle.loads(pickle.dumps(p.layers)) == p.layers


def test_refuses_records_it_cannot_build():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        n: int

        def __post_init__(self):
            pass
    with pytest.raises(TypeError, match="__post_init__"):
        fast_init(Checked)
