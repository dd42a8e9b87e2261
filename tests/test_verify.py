"""verify holds the analysis against torch and the peers, and can fail."""
import dataclasses

import pytest

import archlens
from archlens.core.geometry import Calc
from archlens.core.kinds import KINDS


# Segmentation nets are checked at a smaller input here (their rules do not depend on the size;
# tests/test_fcn.py sweeps sizes) and once at native size below, to keep CI's time in bounds.
SMALLER = {"segmentation": (3, 96, 128)}


# The slow checks are spread (tests/conftest.py): grouped, the file was one 110 s unit that
# came last and left the other worker idle (measured on 2 AMD cores, 2026-12-02).
@pytest.mark.slow
@pytest.mark.spread
@pytest.mark.parametrize("name", [n for n in archlens.bundled_specs() if n != "fcn8s"])
def test_every_bundled_spec_verifies(name):
    """fcn8s is verified at its native size by the CLI, below."""
    spec = archlens.load_spec(name)
    report = archlens.verify(spec, input=SMALLER.get(spec.task))
    assert report.ok, report.failures
    assert {c.source for c in report.checks} >= {"torch", "torchinfo", "fvcore"}


@pytest.mark.slow
@pytest.mark.spread
def test_verify_fcn8s_at_native_size(cli):
    code, out, _ = cli("verify", "fcn8s")
    assert code == 0 and "OK:" in out
    assert "torchinfo overcounts strided ConvTranspose2d" in out
    header = out.splitlines()[1].split()        # a column per oracle: torch, footprint, peers
    assert {"macs", "rf", "torchinfo", "fvcore", "live", "saved"} <= set(header), header


@pytest.mark.slow
@pytest.mark.spread
def test_vgg16_verifies_at_another_input_size():
    report = archlens.verify("vgg16", input=(3, 320, 256))
    assert report.ok, report.failures


def test_a_wrong_rule_fails_with_the_layer_named(monkeypatch):
    conv = KINDS["conv"]
    real = type(conv).macs
    monkeypatch.setattr(type(conv), "macs", lambda self, a, ins, out: real(self, a, ins, out) + Calc(1))
    report = archlens.verify("mlp")  # no conv: still fine
    assert report.ok
    spec = {"input": [3, 8, 8], "layers": [{"name": "c1", "kind": "conv", "out_channels": 2, "kernel_size": 3}]}
    report = archlens.verify(archlens.load_spec(spec), peers=False)
    assert not report.ok
    assert {(c.layer, c.quantity) for c in report.failures} == {("c1", "macs")}


def test_a_wrong_rf_rule_is_caught_by_the_footprint(monkeypatch):
    pool = KINDS["maxpool"]
    real = type(pool).rf

    def off_by_one(self, a, in_rfs):
        rf = real(self, a, in_rfs)
        return dataclasses.replace(rf, size=tuple(s + 1 for s in rf.size))
    monkeypatch.setattr(type(pool), "rf", off_by_one)
    spec = {"input": [1, 12, 12], "layers": [{"name": "p", "kind": "maxpool", "kernel_size": 3, "stride": 2}]}
    report = archlens.verify(archlens.load_spec(spec), peers=False)
    assert [(c.layer, c.quantity) for c in report.failures] == [("p", "rf"), ("p", "rf extent")]


def test_no_peers_says_peers_were_skipped(cli):
    code, out, _ = cli("verify", "mlp", "--no-peers")
    assert code == 0 and "Peers skipped (--no-peers)" in out and "No peer differs" not in out
    code, out, _ = cli("verify", "mlp")
    assert code == 0 and "Peers skipped" not in out


def test_peer_differences_carry_reasons():
    report = archlens.verify("vgg11")
    diffs = [c for c in report.checks if c.source == "torchinfo" and c.quantity == "torchinfo mult-adds"
             and c.theirs != report.profile.layer(c.layer).macs.value]
    assert diffs and all("bias" in c.reason for c in diffs)
    conv1 = next(c for c in diffs if c.layer == "conv1_1")
    assert conv1.theirs - report.profile.layer("conv1_1").macs.value == 64 * 224 * 224  # bias adds


def test_footprint_of_a_grouped_first_layer_keeps_the_inputs_channels():
    """Fields are measured on a one-channel input where that changes no field; a first layer
    grouped over the input's three channels cannot take one, and is measured on three."""
    spec = {"input": [3, 16, 16], "layers": [
        {"name": "dw", "kind": "conv", "out_channels": 6, "kernel_size": 3, "groups": 3},
        {"name": "c2", "kind": "conv", "out_channels": 4, "kernel_size": 3, "stride": 2}]}
    report = archlens.verify(archlens.load_spec(spec), peers=False)
    assert report.ok, report.failures
    sizes = {c.layer: c.theirs for c in report.checks if c.quantity == "rf"}
    assert sizes == {"dw": (3, 3), "c2": (5, 5)}      # 3, then 3 + (3 - 1) * 1 (jump 1 before c2)
