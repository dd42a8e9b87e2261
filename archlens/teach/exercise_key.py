"""The exercise sheet's answer key, hashed: the page can mark an answer without holding it.

Each accepted answer and each known mistake's wrong answer is stored only as
``sha256(f"{salt}|{layer}|{field}|{canonical answer}")`` in hex, the canonical text being the
one ``archlens check`` compares (``answers.canonical``). The salt is per sheet (spec, input,
fields), so two sheets' hashes never match. This hides the answers from a reader of the page
source, not from a determined student who hashes every candidate; the answers file and
``archlens check`` remain the authoritative marking.
"""
from __future__ import annotations

import hashlib

from archlens.core.profile import ModelProfile
from archlens.teach.checker import answer_key


def sheet_salt(p: ModelProfile, fields, extra: str = "") -> str:
    """A per-sheet salt, reproducible (the site is byte-for-byte the same on a second run)."""
    text = f"{p.spec.name}|{p.input}|{','.join(fields)}|{extra}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def answer_hash(salt: str, layer: str, field: str, canonical: str) -> str:
    return hashlib.sha256(f"{salt}|{layer}|{field}|{canonical}".encode("utf-8")).hexdigest()


def hashed_key_payload(p: ModelProfile, fields, salt: str, convention: str = "default") -> dict:
    """Like ``checker.key_payload`` with every answer replaced by its hash (no expected value)."""
    key = answer_key(p, convention)
    dims = {lp.name: len(lp.out_shape) for lp in p.layers}

    def entry(layer: str, field: str) -> dict:
        k = key[layer][field]
        return {"accept": {answer_hash(salt, layer, field, a): note for a, note in k.accept.items()},
                "wrong": [[answer_hash(salt, layer, field, w[0]), w[1], w[2]] for w in k.wrong]}

    return {"spec": p.spec.name, "convention": convention, "salt": salt, "fields": list(fields),
            "layers": {name: {"dims": dims[name], "fields": {f: entry(name, f) for f in fields}}
                       for name in key}}
