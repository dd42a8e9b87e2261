"""Hostile inputs that once ended in a traceback are refused in one line, exit 2, naming the file
and the problem (issue 13, item 7). Each case is data: the files it writes, the command line, and
the words its message must hold."""
import struct
import zlib
from pathlib import Path

import pytest

HEAD = "name: t\ntask: regression\ninput: [4]\n"
FC = "layers:\n  - {name: fc, kind: linear, out_features: 1}\n"
IMAGE_HEAD = "name: t\ninput: [3, 32, 32]\n"
LONG = "1" + "0" * 5000           # past Python's 4300-digit int-string conversion limit
HUGE = "1" + "0" * 1000           # readable, but no tensor has a dimension this large
CSV = "layer,field,value\n"
ADAM = "train:\n  quick: {{optimizer: {{name: adam, betas: {}}}}}\n"
NO_PROC = not Path("/proc/self").is_dir()   # /proc refuses new files, even to root


def _png(width: int, height: int) -> bytes:
    """A few dozen bytes of PNG whose header declares ``width`` x ``height`` RGB pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


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
INTEGERS = {  # 4. integers too long to read, or too large for any tensor
    "spec-long-int": ({"s.yaml": HEAD + f"layers:\n  - {{name: fc, kind: linear, out_features: {LONG}}}\n"},
                      ["profile", "s.yaml"], ["s.yaml", "line 5", "5,001 digits"]),
    "spec-huge-int": ({"s.yaml": HEAD + f"layers:\n  - {{name: fc, kind: linear, out_features: {HUGE}}}\n"},
                      ["profile", "s.yaml"], ["s.yaml", "layer 'fc'", "out_features", "1,001-digit"]),
    "spec-huge-input": ({"s.yaml": f"name: t\ninput: [3, {HUGE}, 32]\n" + FC}, ["profile", "s.yaml"],
                        ["s.yaml", "input", "1,001-digit", "up to 2**63 - 1"]),
    "spec-huge-float": ({"s.yaml": IMAGE_HEAD + f"layers:\n  - {{name: n, kind: lrn, size: 5, alpha: {HUGE}}}\n"},
                        ["profile", "s.yaml"], ["s.yaml", "layer 'n'", "alpha", "finite number", "1,001-digit"]),
    "spec-impossible-date": ({"s.yaml": HEAD + "notes: 2001-13-01\n" + FC}, ["profile", "s.yaml"],
                             ["s.yaml", "line 4", "2001-13-01", "month"]),
    "cli-huge-input": ({}, ["profile", "mlp", "--input", f"3x{HUGE}x32"], ["--input", "up to 2**63 - 1"]),
    "set-long-int": ({}, ["train", "linear_regression", "--quick", "--out", "{tmp}/run",
                          "--set", f"epochs={LONG}"], ["--set", "epochs", "5,001 digits"]),
    "answers-yaml-long-int": ({"a.yaml": f"layers:\n  fc1:\n    params: {LONG}\n"},
                              ["check", "mlp", "a.yaml"], ["a.yaml", "line 3", "5,001 digits"]),
    "answers-csv-long-int": ({"a.csv": CSV + f"fc1,params,{LONG}\n"}, ["check", "mlp", "a.csv"],
                             ["a.csv", "line 2", "fc1", "5,001-digit"]),
    "answers-csv-long-shape": ({"a.csv": f"layer,out_shape\nfc1,{LONG}\n"}, ["check", "mlp", "a.csv"],
                               ["a.csv", "line 2", "fc1", "out_shape"]),
}
CSV_CELLS = {  # 5. a CSV cell past the csv module's field limit
    "answers-csv-long-cell": ({"a.csv": CSV + "fc1,params," + "9" * 140_000 + "\n"},
                              ["check", "mlp", "a.csv"], ["a.csv", "line 2", "131,072 characters"]),
}
MEMORY = {  # 6. models too large to allocate: refused before building, with the number
    "verify-huge-linear": ({"s.yaml": HEAD + "layers:\n  - {name: fc, kind: linear, out_features: 1000000000000}\n"},
                           ["verify", "s.yaml"], ["s.yaml", "5,000,000,000,000 parameters", "memory"]),
    "verify-huge-input": ({"s.yaml": "name: t\ninput: [3, 100000, 100000]\n"
                                     "layers:\n  - {name: c, kind: conv, out_channels: 64, kernel_size: 3}\n"},
                          ["verify", "s.yaml"], ["s.yaml", "activation", "memory"]),
}
BETAS = {  # 7. Adam betas: two numbers in [0, 1)
    "betas-out-of-range": ({"s.yaml": HEAD + FC + ADAM.format("[2, 3]")}, ["profile", "s.yaml"],
                           ["s.yaml", "train.quick.optimizer.betas", "[0, 1)"]),
    "betas-one": ({"s.yaml": HEAD + FC + ADAM.format("[0.9]")}, ["profile", "s.yaml"],
                  ["s.yaml", "train.quick.optimizer.betas", "two numbers"]),
    "betas-one-is-too-much": ({"s.yaml": HEAD + FC + ADAM.format("[0.9, 1.0]")}, ["profile", "s.yaml"],
                              ["s.yaml", "train.quick.optimizer.betas", "[0, 1)"]),
    "betas-set": ({}, ["train", "linear_regression", "--quick", "--out", "{tmp}/run", "--set",
                       "optimizer.name=adam", "--set", "optimizer.betas=[2, 3]"],
                  ["optimizer.betas", "[0, 1)"]),
}
OUTPUTS = {  # 8. and 9. outputs that cannot be written: under a file, in a missing folder, in /proc
    "template-under-a-file": ({"file": "x"}, ["worksheet", "mlp", "--template", "{tmp}/file/a.yaml"],
                              ["file/a.yaml", "--template"]),
    "template-missing-folder": ({}, ["worksheet", "mlp", "--template", "{tmp}/missing/a.yaml"],
                                ["missing/a.yaml", "--template", "no folder"]),
    "out-spec-missing-folder": ({}, ["convolutionalize", "vgg11", "--out-spec", "{tmp}/missing/c.yaml"],
                                ["missing/c.yaml", "--out-spec", "no folder"]),
    "train-out-under-a-file": ({"file": "x"}, ["train", "linear_regression", "--quick", "--out",
                                               "{tmp}/file/run"], ["file/run", "--out"]),
    "train-out-a-file": ({"file": "x"}, ["train", "linear_regression", "--quick", "--out", "{tmp}/file"],
                         ["file", "--out"]),
    "site-docs-under-a-file": ({"s.yaml": HEAD + FC, "file": "x"},
                               ["site", "s.yaml", "--docs", "{tmp}/file/docs", "--cache", "{tmp}/cache",
                                "--no-train", "--no-crosscheck"], ["file/docs", "--docs"]),
    "site-cache-under-a-file": ({"s.yaml": HEAD + FC, "file": "x"},
                                ["site", "s.yaml", "--docs", "{tmp}/docs", "--cache", "{tmp}/file/cache",
                                 "--no-train", "--no-crosscheck"], ["file/cache", "--cache"]),
    "site-out-under-a-file": ({"s.yaml": HEAD + FC, "file": "x"},
                              ["site", "s.yaml", "--out", "{tmp}/file/site", "--cache", "{tmp}/cache",
                               "--no-train", "--no-crosscheck"], ["file/site", "--out", "file is a file"]),
    "site-out-a-file": ({"s.yaml": HEAD + FC, "file": "x"},
                        ["site", "s.yaml", "--out", "{tmp}/file", "--cache", "{tmp}/cache",
                         "--no-train", "--no-crosscheck"], ["file", "--out"]),
    "site-cache-a-file": ({"s.yaml": HEAD + FC, "file": "x"},
                          ["site", "s.yaml", "--docs", "{tmp}/docs", "--cache", "{tmp}/file",
                           "--no-train", "--no-crosscheck"], ["file", "--cache"]),
}
BOMBS = {  # 10. decompression bombs (PIL warns past 89 million pixels and refuses past twice that)
    "detect-bomb": ({"bomb.png": _png(100_000, 100_000)}, ["detect", "sppnet_zf5", "bomb.png"],
                    ["bomb.png", "declares 10,000,000,000 pixels", "decompression-bomb"]),
    "detect-bomb-warned": ({"bomb.png": _png(10_000, 10_000)}, ["detect", "sppnet_zf5", "bomb.png"],
                           ["bomb.png", "declares 100,000,000 pixels", "decompression-bomb"]),
}
SITE = {  # 11. the site: a bad expected: section (corrupt recorded runs: further down)
    "site-expected-int": ({"s.yaml": HEAD + FC + "expected: 5\n"},
                          ["site", "s.yaml", "--docs", "{tmp}/docs", "--cache", "{tmp}/cache",
                           "--no-train", "--no-crosscheck"], ["s.yaml", "expected must be a mapping"]),
}
CASES = {**BACKBONE, **BACKBONE_CYCLES, **VGG_STAGES, **INTEGERS, **CSV_CELLS, **MEMORY, **BETAS,
         **OUTPUTS, **BOMBS, **SITE}
PROC_CASES = {   # needs a /proc (Linux); nothing may be created there, not even by root
    "detect-out-proc": (["detect", "sppnet_zf5", "photo.png", "--out", "/proc/archlens.png"],
                        ["/proc/archlens.png", "cannot write"]),
    "out-spec-proc": (["convolutionalize", "vgg11", "--out-spec", "/proc/archlens.yaml"],
                      ["/proc/archlens.yaml", "cannot write"]),
    "template-proc": (["worksheet", "mlp", "--template", "/proc/archlens.yaml"],
                      ["/proc/archlens.yaml", "cannot write"]),
    "train-out-proc": (["train", "linear_regression", "--quick", "--out", "/proc/archlens"],
                       ["/proc/archlens", "--out"]),
    "site-docs-proc": (["site", "s.yaml", "--docs", "/proc/archlens", "--cache", "{tmp}/cache",
                        "--no-train", "--no-crosscheck"], ["/proc/archlens", "--docs"]),
    "site-out-proc": (["site", "s.yaml", "--out", "/proc/archlens", "--cache", "{tmp}/cache",
                       "--no-train", "--no-crosscheck"], ["/proc/archlens", "--out"]),
    "site-cache-proc": (["site", "s.yaml", "--docs", "{tmp}/docs", "--cache", "/proc/archlens",
                         "--no-train", "--no-crosscheck"], ["/proc/archlens", "--cache"]),
}


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


def test_a_field_past_float_range_is_still_profiled_exactly(cli, tmp_path, monkeypatch):
    """Strides multiply down a net: 20 layers of stride 2**62 give a field near 2**1240 pixels,
    past float's range; the analysis is exact integers and fractions, and so is its output."""
    layer = "  - {{name: c{0}, kind: conv, out_channels: 1, kernel_size: 2, stride: {1}, padding: {1}}}\n"
    layers = "".join(layer.format(i, 2**62) for i in range(20))
    _write(tmp_path, {"s.yaml": "name: t\ninput: [1, 32, 32]\nlayers:\n" + layers})
    for fmt in ("table", "json", "csv", "markdown"):
        code, _, err = _run(cli, tmp_path, monkeypatch, ["profile", "s.yaml", "--format", fmt])
        assert code == 0 and err == "", (fmt, err)
    code, _, err = _run(cli, tmp_path, monkeypatch, ["worksheet", "s.yaml", "--format", "html"])
    assert code == 0, err


@pytest.mark.skipif(NO_PROC, reason="no /proc on this system")
@pytest.mark.parametrize("argv, words", PROC_CASES.values(), ids=PROC_CASES.keys())
def test_an_output_that_cannot_be_created_is_refused_in_one_line(cli, tmp_path, monkeypatch, argv, words):
    from PIL import Image
    _write(tmp_path, {"s.yaml": HEAD + FC})
    Image.new("RGB", (60, 40), (200, 200, 200)).save(tmp_path / "photo.png")
    code, _, err = _run(cli, tmp_path, monkeypatch, argv)
    assert _refusal_faults(code, err, words) == []
    assert not Path("/proc/archlens").exists()


RECORDED = {   # corrupt recorded runs (package data: archlens/specs/recorded/<spec>/metrics.json)
    "not-json": b'{"history": [',
    "not-utf8": b"\xff\xfe",
    "a-list": b"[1, 2]",
    "history-a-number": b'{"history": 5}',
    "history-rows-numbers": b'{"history": [1, 2]}',
    "final-text": b'{"final": "x"}',
    "per-fold-text": b'{"per_fold": "x", "final": {}, "final_std": {}}',
}


@pytest.mark.parametrize("data", RECORDED.values(), ids=RECORDED.keys())
def test_a_corrupt_recorded_run_is_refused_before_any_page_is_written(cli, tmp_path, monkeypatch, data):
    from archlens.site import results
    monkeypatch.setattr(results, "RECORDED", tmp_path / "recorded")   # never the package's own
    _write(tmp_path, {"recorded/linear_regression/metrics.json": data})
    code, _, err = _run(cli, tmp_path, monkeypatch, ["site", "linear_regression", "--docs", "{tmp}/docs",
                                                     "--cache", "{tmp}/cache", "--no-train", "--no-crosscheck"])
    assert _refusal_faults(code, err, ["recorded/linear_regression/metrics.json", "restore"]) == []
    assert not (tmp_path / "docs").exists()
