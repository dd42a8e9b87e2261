"""The train: recipe schema: typed values, unknown keys named with a suggestion, overrides."""
import pytest

from archlens.errors import SpecError, TrainError
from archlens.spec.load import bundled_specs, load_spec, spec_from_dict
from archlens.train.config import TrainConfig, parse_overrides, recipe

LINE = {"name": "line", "task": "regression", "input": [1],
        "layers": [{"name": "fc", "kind": "linear", "out_features": 1}]}


def spec_with(train):
    return spec_from_dict({**LINE, "train": train}, file="line.yaml")


@pytest.mark.parametrize("name", bundled_specs())
@pytest.mark.parametrize("which", ["quick", "full"])
def test_every_bundled_recipe_parses(name, which):
    config = recipe(load_spec(name), which)
    assert isinstance(config, TrainConfig) and config.epochs >= 1


def test_values_are_typed_and_nested():
    c = recipe(spec_with({"quick": {"epochs": 3, "input": [1], "optimizer": {"name": "adam",
                                                                             "lr": 0.002}}}), "quick")
    assert (c.epochs, c.input, c.optimizer.name, c.optimizer.lr) == (3, (1,), "adam", 0.002)
    assert c.optimizer.betas == (0.9, 0.999)  # Adam's published defaults kept


@pytest.mark.parametrize("train, message", [
    ({"quick": {"epohcs": 3}}, "line.yaml: train.quick: unknown key 'epohcs'; did you mean 'epochs'?"),
    ({"quick": {"optimizer": {"lrr": 1}}},
     "line.yaml: train.quick.optimizer: unknown key 'lrr'; did you mean 'lr'?"),
    ({"quik": {}}, "line.yaml: train: unknown key 'quik'; did you mean 'quick'? (recipes: quick, full)"),
    ({"quick": {"optimizer": {"name": "adamw"}}},
     "line.yaml: train.quick.optimizer.name must be one of sgd, adam; got 'adamw'"),
    ({"quick": {"epochs": 0}}, "line.yaml: train.quick.epochs must be positive, got 0"),
    ({"quick": {"optimizer": "adam"}}, "line.yaml: train.quick.optimizer: must be a mapping, got 'adam'"),
])
def test_bad_recipes_fail_when_the_spec_loads_naming_file_key_and_fix(train, message):
    with pytest.raises(SpecError) as err:
        spec_with(train)
    assert str(err.value) == message


def test_an_override_is_checked_when_the_recipe_is_read():
    with pytest.raises(TrainError, match=r"^line\.yaml: train\.quick\.epochs must be positive, got 0$"):
        recipe(spec_with({"quick": {"epochs": 3}}), "quick", {"epochs": 0})


def test_overrides_parse_as_yaml_and_apply_by_dotted_key():
    overrides = parse_overrides(["optimizer.lr=0.5", "epochs=2", "schedule.milestones=[1, 2]"])
    assert overrides == {"optimizer.lr": 0.5, "epochs": 2, "schedule.milestones": [1, 2]}
    c = recipe(spec_with({"quick": {"optimizer": {"lr": 0.1}}}), "quick", overrides)
    assert (c.optimizer.lr, c.epochs, c.schedule.milestones) == (0.5, 2, (1, 2))


def test_misspelt_override_is_rejected_by_name():
    with pytest.raises(TrainError, match=r"train.quick.optimizer: unknown key 'lrate'"):
        recipe(spec_with({}), "quick", parse_overrides(["optimizer.lrate=0.1"]))
    with pytest.raises(TrainError, match="expected KEY=VALUE"):
        parse_overrides(["optimizer.lr"])


def test_task_settings_are_checked_by_the_task():
    from archlens.train.tasks import get_task
    spec = spec_with({"quick": {"task": {"slop": 2}}})
    with pytest.raises(TrainError, match="train.quick.task: unknown key 'slop'; did you mean 'slope'"):
        get_task("regression").settings(recipe(spec, "quick"), "line.yaml: train.quick")


def test_unknown_task_lists_trainable_ones():
    from archlens.train.tasks import get_task
    with pytest.raises(TrainError, match=r"task 'clasification' has no training recipe; did you mean "
                                         r"'classification'\?"):
        get_task("clasification")
