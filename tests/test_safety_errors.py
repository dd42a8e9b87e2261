"""Hostile inputs that once ended in a traceback are refused in one line, exit 2, naming the file
and the problem (issue 13, item 7). Each case is data: the files it writes, the command line, and
the words its message must hold."""
from pathlib import Path

import pytest

HEAD = "name: t\ntask: regression\ninput: [4]\n"
FC = "layers:\n  - {name: fc, kind: linear, out_features: 1}\n"
IMAGE_HEAD = "name: t\ninput: [3, 32, 32]\n"


# Each group: id -> (files to write, command line, words the message must hold). "{tmp}" is
# the test's folder; the file "s.yaml" is the spec under test.
BACKBONE = {  # 1. backbone: not the mapping {spec: NAME, until: LAYER, override: {...}}
    "backbone-int": ({"s.yaml": HEAD + "backbone: 5\n" + FC}, ["profile", "s.yaml"],
                     ["s.yaml", "backbone", "got 5"]),
    "backbone-list": ({"s.yaml": HEAD + "backbone: [vgg16]\n" + FC}, ["profile", "s.yaml"],
                      ["s.yaml", "backbone", "got ['vgg16']"]),
    "backbone-spec-int": ({"s.yaml": HEAD + "backbone: {spec: 5}\n" + FC}, ["profile", "s.yaml"],
                          ["s.yaml", "backbone 'spec'", "got 5"]),
    "backbone-spec-list": ({"s.yaml": HEAD + "backbone: {spec: [vgg16]}\n" + FC},
                           ["profile", "s.yaml"], ["s.yaml", "backbone 'spec'", "got ['vgg16']"]),
}
BACKBONE_CYCLES = {  # 2. backbone cycles
    "backbone-cycle": ({"s.yaml": HEAD + "backbone: {spec: b.yaml}\n" + FC,
                        "b.yaml": HEAD + "backbone: {spec: s.yaml}\n" + FC},
                       ["profile", "s.yaml"], ["s.yaml", "backbone cycle", "s.yaml -> b.yaml -> s.yaml"]),
    "backbone-self": ({"s.yaml": HEAD + "backbone: {spec: s.yaml}\n" + FC}, ["profile", "s.yaml"],
                      ["s.yaml", "backbone cycle", "s.yaml -> s.yaml"]),
    "backbone-error-names-its-file": ({"s.yaml": HEAD + "backbone: {spec: b.yaml}\n" + FC,
                                       "b.yaml": HEAD + "layers: 5\n"},
                                      ["profile", "s.yaml"], ["b.yaml", "layers must be a list"]),
}
VGG_STAGES = {  # 3. vgg_stages options of the wrong type
    "vgg-conv-int": ({"s.yaml": IMAGE_HEAD + "layers:\n  - {vgg_stages: [8, M], conv: 5}\n"},
                     ["profile", "s.yaml"], ["s.yaml", "vgg_stages", "conv", "got 5"]),
    "vgg-pool-list": ({"s.yaml": IMAGE_HEAD + "layers:\n  - {vgg_stages: [8, M], pool: [2]}\n"},
                      ["profile", "s.yaml"], ["s.yaml", "vgg_stages", "pool", "got [2]"]),
    "vgg-lrn-text": ({"s.yaml": IMAGE_HEAD + "layers:\n  - {vgg_stages: [8, LRN, M], lrn: x}\n"},
                     ["profile", "s.yaml"], ["s.yaml", "vgg_stages", "lrn", "got 'x'"]),
    "vgg-batch-norm-text": ({"s.yaml": IMAGE_HEAD + "layers:\n  - {vgg_stages: [8, M], batch_norm: maybe}\n"},
                            ["profile", "s.yaml"], ["s.yaml", "batch_norm", "true or false"]),
}
CASES = {**BACKBONE, **BACKBONE_CYCLES, **VGG_STAGES}


def _write(folder: Path, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _refusal_faults(code: int, err: str, words) -> list[str]:
    """What is wrong with a refusal: not exit 2, not one line, a traceback, or a word missing."""
    faults = [] if code == 2 else [f"exit code {code}, not 2"]
    if err.count("\n") != 1 or not err.startswith("archlens: "):
        faults.append(f"not one 'archlens: ' line on stderr: {err[:500]!r}")
    if "Traceback" in err:
        faults.append("a traceback")
    faults += [f"{word!r} not in the message {err[:500]!r}" for word in words if word not in err]
    return faults


def _run(cli, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)   # spec and answer files are named relative to the test folder
    return cli(*(a.replace("{tmp}", str(tmp_path)) for a in argv))


@pytest.mark.parametrize("files, argv, words", CASES.values(), ids=CASES.keys())
def test_a_hostile_input_is_refused_in_one_line(cli, tmp_path, monkeypatch, files, argv, words):
    _write(tmp_path, files)
    code, _, err = _run(cli, tmp_path, monkeypatch, argv)
    assert _refusal_faults(code, err, words) == []
