#!/usr/bin/env python3
"""Derive the threat map's world shapes: public/world.svg and app/src/world.rs.

How to run (from the repository root; needs network access to the npm registry):

    apt-get install -y iso-codes        # once: ISO 3166-1 numeric -> alpha-2 table
    python3 scripts/derive-world.py

    # offline, from a tarball or unpacked package fetched earlier with
    #   npm pack world-atlas@2.0.2
    python3 scripts/derive-world.py --package /tmp/world-atlas-2.0.2.tgz

Needs Python 3.11 (standard library only), `npm` on PATH unless --package is given,
and Debian's `iso-codes` package (its /usr/share/iso-codes/json/iso_3166-1.json maps
the ISO 3166-1 numeric codes that world-atlas uses to alpha-2 codes; another copy of
that file may be given with --iso-codes).

Input: `countries-50m.json` of the npm package `world-atlas` 2.0.2 (Mike Bostock, ISC
licence), a TopoJSON redistribution of Natural Earth's 1:50m Admin 0 countries,
version 4.1.0 (public domain). The tarball that `npm pack` fetches is checked against
the registry's sha512 integrity pinned below.

Outputs (deterministic: the same input always gives the same bytes; re-runnable):
  public/world.svg   one <path id="c-XX"> per ISO 3166-1 alpha-2 code, without fill or
                     stroke so that <use href="/world.svg#c-FR" fill="..."> colours it;
                     land without a code in <g id="uncoded">.
  app/src/world.rs   VIEW_BOX, COUNTRIES (code, name, label point) sorted by code,
                     country() and name().

Processing:
  * The TopoJSON arcs are decoded here (quantized, delta-encoded, then transformed;
    a negative index ~i means arc i reversed). Polygon and MultiPolygon only.
  * Antarctica (010) is dropped and the map is cropped to the remaining land.
  * Coding decisions (features of world-atlas without an id or sharing one):
      Kosovo                       -> XK (user-assigned code in common use)
      Somaliland                   -> merged into SO (ISO 3166 and GeoIP data code it SO)
      N. Cyprus                    -> merged into CY (likewise)
      Ashmore and Cartier Is.(036) -> merged into AU (it carries Australia's id)
      Indian Ocean Ter.            -> split: Christmas Island CX, Cocos (Keeling) Is. CC
      Siachen Glacier              -> no code (claimed by India and Pakistan); drawn as
                                      plain land in <g id="uncoded">
    Merged features are dissolved (shared borders removed), so a country's path has no
    inner borders.
  * Each arc is projected (Equal Earth; 1000 units = 360 degrees of longitude at the
    equator) and simplified with Douglas-Peucker (tolerance SIMPLIFY units) before the
    rings are assembled, so neighbours keep identical borders.
  * Rings crossing the antimeridian (Russia's Chukotka, Fiji) are split at +/-180.
  * Coordinates are rounded to 0.1 unit and consecutive duplicates dropped; rings with
    a projected area under MIN_AREA square units are dropped unless they are the
    country's largest ring (so Singapore, Hong Kong, Bahrain stay). A largest ring that
    simplification or rounding would collapse is kept unsimplified at 0.01 unit.
  * Paths use relative commands (m with implicit l, z).
  * Label point: the centroid of the country's largest ring, in viewBox units; where
    the centroid lies outside that ring (Norway, Vietnam, Cuba, Somalia, Israel ...),
    the middle of the widest inside span of the horizontal line through it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "world-atlas"
VERSION = "2.0.2"
# `npm view world-atlas@2.0.2 dist.integrity`
INTEGRITY = ("sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoX"
             "nyTU5lFHcYa5ChG0LQ==")
MEMBER = "package/countries-50m.json"
NATURAL_EARTH = "4.1.0"
ISO_CODES = "/usr/share/iso-codes/json/iso_3166-1.json"

WIDTH = 1000.0      # viewBox width: 360 degrees of longitude at the equator
MARGIN = 4.0        # viewBox units kept above and below the land
SIMPLIFY = 0.1      # Douglas-Peucker tolerance, viewBox units
MIN_AREA = 0.5      # rings smaller than this (square units) are dropped ...
                    # ... unless they are their country's largest ring
GRID = 10           # normal rounding: 10 hundredths = 0.1 unit
FINE_GRID = 1       # for largest rings that would collapse: 0.01 unit

ANTARCTICA = "010"
# Features of world-atlas 2.0.2 without a numeric id, by properties.name.
NO_ID = {
    "Kosovo": "XK",
    "Somaliland": "SO",
    "N. Cyprus": "CY",
    "Siachen Glacier": None,
    "Indian Ocean Ter.": "split",  # Christmas Island CX, Cocos (Keeling) Islands CC
}
# Short common English names where world-atlas abbreviates or differs from common use.
NAMES = {
    "AG": "Antigua and Barbuda",
    "BA": "Bosnia and Herzegovina",
    "BL": "Saint Barthélemy",
    "CC": "Cocos (Keeling) Islands",
    "CD": "DR Congo",
    "CF": "Central African Republic",
    "CK": "Cook Islands",
    "CX": "Christmas Island",
    "DO": "Dominican Republic",
    "EH": "Western Sahara",
    "FK": "Falkland Islands",
    "FO": "Faroe Islands",
    "GQ": "Equatorial Guinea",
    "GS": "South Georgia and the South Sandwich Islands",
    "HM": "Heard Island and McDonald Islands",
    "IO": "British Indian Ocean Territory",
    "KN": "Saint Kitts and Nevis",
    "KY": "Cayman Islands",
    "MF": "Saint Martin",
    "MH": "Marshall Islands",
    "MK": "North Macedonia",
    "MP": "Northern Mariana Islands",
    "PF": "French Polynesia",
    "PM": "Saint Pierre and Miquelon",
    "PN": "Pitcairn Islands",
    "SB": "Solomon Islands",
    "SS": "South Sudan",
    "SZ": "Eswatini",
    "TC": "Turks and Caicos Islands",
    "TF": "French Southern Territories",
    "US": "United States",
    "VC": "Saint Vincent and the Grenadines",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "WF": "Wallis and Futuna",
    "XK": "Kosovo",
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------- input

def fetch_tarball(tmp: str) -> str:
    """`npm pack world-atlas@VERSION` into tmp; returns the tarball's path."""
    out = subprocess.run(
        ["npm", "pack", "--json", f"{PACKAGE}@{VERSION}"],
        cwd=tmp, check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out)[0]
    return os.path.join(tmp, info["filename"])


def check_integrity(data: bytes) -> None:
    algo, _, want = INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != want:
        sys.exit(f"derive-world: {PACKAGE}@{VERSION} tarball does not match {INTEGRITY}")


def load_topology(package: str | None) -> dict:
    if package and os.path.isdir(package):
        for rel in ("countries-50m.json", "package/countries-50m.json"):
            path = os.path.join(package, rel)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    return json.load(f)
        sys.exit(f"derive-world: no countries-50m.json in {package}")
    with tempfile.TemporaryDirectory(prefix="derive-world-") as tmp:
        tarball = package or fetch_tarball(tmp)
        with open(tarball, "rb") as f:
            data = f.read()
    check_integrity(data)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            sys.exit(f"derive-world: {MEMBER} missing from the tarball")
        return json.load(member)


def load_iso(path: str) -> dict[str, str]:
    """ISO 3166-1 numeric ('250') -> alpha-2 ('FR')."""
    try:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)["3166-1"]
    except FileNotFoundError:
        sys.exit(f"derive-world: {path} missing: apt-get install -y iso-codes")
    return {e["numeric"]: e["alpha_2"] for e in entries}


# ---------------------------------------------------------------------- projection

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
SCALE = WIDTH / 2 / (math.pi / (M * A1))  # lon +/-180 at the equator -> 0 .. WIDTH


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth (Šavrič, Patterson, Jenny 2018); x east, y north, unscaled radians."""
    lam = math.radians(lon)
    theta = math.asin(M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def project(lon: float, lat: float) -> tuple[float, float]:
    """Into viewBox units before the vertical crop: x in 0..WIDTH, y down."""
    x, y = equal_earth(lon, lat)
    return WIDTH / 2 + x * SCALE, -y * SCALE


# ------------------------------------------------------------------------ topology

def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def arc_points(arcs: list, i: int) -> list:
    return arcs[i] if i >= 0 else arcs[~i][::-1]


def dissolve(polygons: list[list[list[int]]], arcs: list) -> list[list[int]]:
    """Rings (signed arc indices) of the union of polygons that share borders.

    Arcs used twice within the group are inner borders and removed; rings that lost
    an arc are re-stitched from the remaining arcs by matching end points.
    """
    rings = [ring for poly in polygons for ring in poly]
    uses: dict[int, int] = {}
    for ring in rings:
        for a in ring:
            uses[a if a >= 0 else ~a] = uses.get(a if a >= 0 else ~a, 0) + 1
    inner = {a for a, n in uses.items() if n > 1}
    if not inner:
        return rings
    kept = [ring for ring in rings if not any((a if a >= 0 else ~a) in inner for a in ring)]
    loose = [a for ring in rings if any((a if a >= 0 else ~a) in inner for a in ring)
             for a in ring if (a if a >= 0 else ~a) not in inner]
    start = {a: arc_points(arcs, a)[0] for a in loose}
    end = {a: arc_points(arcs, a)[-1] for a in loose}
    used: set[int] = set()
    for first in loose:
        if first in used:
            continue
        ring = [first]
        used.add(first)
        while end[ring[-1]] != start[first]:
            nxt = next((a for a in loose if a not in used and start[a] == end[ring[-1]]), None)
            if nxt is None:
                sys.exit("derive-world: could not dissolve a merged country")
            ring.append(nxt)
            used.add(nxt)
        kept.append(ring)
    return kept


# -------------------------------------------------------------------- simplifying

def simplify(pts: list[tuple[float, float]], lonlat: list, tol: float) -> list[int]:
    """Indices kept by Douglas-Peucker on projected pts; both ends and the points on
    either side of an antimeridian jump are always kept."""
    n = len(pts)
    keep = {0, n - 1}
    for i in range(n - 1):
        if abs(lonlat[i + 1][0] - lonlat[i][0]) > 180:
            keep.update((i, i + 1))
    if n > 2 and pts[0] == pts[-1]:  # closed arc: split at the point farthest from the start
        x0, y0 = pts[0]
        keep.add(max(range(n), key=lambda i: (pts[i][0] - x0) ** 2 + (pts[i][1] - y0) ** 2))
    anchors = sorted(keep)
    out = set(anchors)
    stack = list(zip(anchors, anchors[1:]))
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, far = -1.0, -1
        for i in range(a + 1, b):
            px, py = pts[i]
            if norm == 0:
                d = math.hypot(px - ax, py - ay)
            else:
                d = abs(dy * (px - ax) - dx * (py - ay)) / norm
            if d > best:
                best, far = d, i
        if best > tol:
            out.add(far)
            stack.append((a, far))
            stack.append((far, b))
    return sorted(out)


def ring_lonlat(ring: list[int], arcs: list) -> list[tuple[float, float]]:
    """Closed ring of lon/lat points (first == last) from signed arc indices."""
    pts: list = []
    for a in ring:
        p = arc_points(arcs, a)
        pts.extend(p if not pts else p[1:])
    return pts


def split_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that jumps across +/-180 becomes two rings, one on each edge."""
    if not any(abs(b[0] - a[0]) > 180 for a, b in zip(ring, ring[1:])):
        return [ring]
    # unwrap longitudes so the ring is continuous (may run past 180)
    un = [ring[0]]
    for lon, lat in ring[1:]:
        prev = un[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        un.append((lon, lat))
    hi, lo = max(p[0] for p in un), min(p[0] for p in un)
    if hi > 180:
        cut, shift = 180.0, -360.0
    elif lo < -180:
        cut, shift = -180.0, 360.0
    else:  # only touches the antimeridian
        return [un]
    pieces = []
    for keep_below, offset in ((cut > 0, 0.0), (cut < 0, shift)):
        piece = clip_half_plane(un, cut, keep_below)
        if len(piece) >= 3:
            piece = [(lon + offset, lat) for lon, lat in piece]
            pieces.append(piece + [piece[0]])
    return pieces


def clip_half_plane(ring: list, cut: float, keep_below: bool) -> list:
    """Sutherland-Hodgman: the part of the closed ring west (keep_below) or east of
    the meridian `cut`, as an open ring."""
    def inside(p):
        return p[0] <= cut if keep_below else p[0] >= cut

    pts = ring[:-1]
    out = []
    for i, cur in enumerate(pts):
        prev = pts[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(crossing(prev, cur, cut))
            out.append(cur)
        elif inside(prev):
            out.append(crossing(prev, cur, cut))
    return out


def crossing(a, b, cut):
    t = (cut - a[0]) / (b[0] - a[0])
    return (cut, a[1] + t * (b[1] - a[1]))


def area(pts: list) -> float:
    """Signed shoelace area of a closed ring (first == last)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:])) / 2


def centroid(pts: list) -> tuple[float, float]:
    a = area(pts)
    if a == 0:
        n = len(pts) - 1
        return sum(p[0] for p in pts[:n]) / n, sum(p[1] for p in pts[:n]) / n
    cx = sum((p[0] + q[0]) * (p[0] * q[1] - q[0] * p[1]) for p, q in zip(pts, pts[1:]))
    cy = sum((p[1] + q[1]) * (p[0] * q[1] - q[0] * p[1]) for p, q in zip(pts, pts[1:]))
    return cx / (6 * a), cy / (6 * a)


def contains(pts: list, p: tuple[float, float]) -> bool:
    """Even-odd test of point p against the closed ring pts."""
    odd = False
    for a, b in zip(pts, pts[1:]):
        if (a[1] <= p[1]) != (b[1] <= p[1]):
            if a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]) > p[0]:
                odd = not odd
    return odd


def label_point(pts: list) -> tuple[float, float]:
    """The ring's centroid; when that falls outside the ring (Norway, Vietnam, Cuba,
    Somalia ...), the middle of the widest inside span of the horizontal line through it
    (or, failing that, of the widest span of the line through the ring's middle)."""
    c = centroid(pts)
    if contains(pts, c):
        return c
    ys = [p[1] for p in pts]
    for y in (c[1], (min(ys) + max(ys)) / 2):
        xs = sorted(a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
                    for a, b in zip(pts, pts[1:]) if (a[1] <= y) != (b[1] <= y))
        spans = [(xs[i + 1] - xs[i], xs[i]) for i in range(0, len(xs) - 1, 2)]
        if spans:
            width, x = max(spans)
            return x + width / 2, y
    return c


def snap(pts: list, grid: int, dy: float) -> list[tuple[int, int]]:
    """Round projected points (cropped by dy) to hundredths on a grid; drop repeats
    (and the closing point, which `z` restores)."""
    out: list[tuple[int, int]] = []
    for x, y in pts:
        p = (round(x * 100 / grid) * grid, round((y - dy) * 100 / grid) * grid)
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[-1] == out[0]:
        out.pop()
    return out


# ------------------------------------------------------------------------- output

def num(h: int) -> str:
    """Hundredths as the shortest decimal: 120 -> '1.2', -5 -> '-.05', 300 -> '3'."""
    sign = "-" if h < 0 else ""
    whole, frac = divmod(abs(h), 100)
    if frac == 0:
        return f"{sign}{whole}"
    f = f"{frac:02d}".rstrip("0")
    return f"{sign}{whole or ''}.{f}"


def path_data(rings: list[list[tuple[int, int]]]) -> str:
    out: list[str] = []
    last = ""

    def emit(s: str) -> None:
        nonlocal last
        if out and not s.startswith("-") and not (s.startswith(".") and "." in last) \
                and last[-1:].isdigit():
            out.append(" ")
        out.append(s)
        last = s

    origin = (0, 0)
    for k, ring in enumerate(rings):
        out.append("m")  # at the start of d, m takes absolute co-ordinates
        last = ""
        emit(num(ring[0][0] - origin[0]))
        emit(num(ring[0][1] - origin[1]))
        for p, q in zip(ring, ring[1:]):
            emit(num(q[0] - p[0]))
            emit(num(q[1] - p[1]))
        out.append("z")
        last = ""
        origin = ring[0]
    return "".join(out)


def rust_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--package", help="world-atlas tarball or unpacked directory "
                    "(default: npm pack world-atlas@%s)" % VERSION)
    ap.add_argument("--iso-codes", default=ISO_CODES, help="iso_3166-1.json of iso-codes")
    ap.add_argument("--svg", default=os.path.join(ROOT, "public", "world.svg"))
    ap.add_argument("--rust", default=os.path.join(ROOT, "app", "src", "world.rs"))
    args = ap.parse_args()

    topo = load_topology(args.package)
    alpha2 = load_iso(args.iso_codes)
    arcs = decode_arcs(topo)

    # code (None = uncoded) -> [(world-atlas name, polygons as rings of signed arcs)]
    parts: dict[str | None, list[tuple[str, list]]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] == "Polygon":
            polygons = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polygons = g["arcs"]
        else:
            continue
        name = g["properties"]["name"]
        num_id = g.get("id")
        if num_id == ANTARCTICA:
            continue
        if num_id is None:
            if name not in NO_ID:
                sys.exit(f"derive-world: feature {name!r} has no id and no rule")
            code = NO_ID[name]
            if code == "split":
                for poly in polygons:
                    lon = arcs[poly[0][0] if poly[0][0] >= 0 else ~poly[0][0]][0][0]
                    c = "CX" if lon > 100 else "CC"
                    parts.setdefault(c, []).append((NAMES[c], [poly]))
                continue
        else:
            code = alpha2.get(num_id)
            if code is None:
                sys.exit(f"derive-world: no alpha-2 code for {num_id} ({name})")
        parts.setdefault(code, []).append((name, polygons))

    # Project and simplify every arc once, so shared borders stay identical.
    projected = [[project(lon, lat) for lon, lat in arc] for arc in arcs]
    kept = [simplify(projected[i], arcs[i], SIMPLIFY) for i in range(len(arcs))]
    simple_arcs = [[arcs[i][k] for k in kept[i]] for i in range(len(arcs))]

    shapes = {}  # code -> (rings before rounding (full, simplified), name)
    for code, items in parts.items():
        polygons = [poly for _, polys in items for poly in polys]
        if code is None:
            rings = [r for poly in polygons for r in poly]
        else:
            rings = dissolve(polygons, arcs)
        name_area = {}
        pairs = []  # (full projected ring, simplified projected ring)
        for ring in rings:
            full = split_antimeridian(ring_lonlat(ring, arcs))
            simp = split_antimeridian(ring_lonlat(ring, simple_arcs))
            if len(full) != len(simp):
                sys.exit("derive-world: antimeridian split differs after simplifying")
            for f, s in zip(full, simp):
                pairs.append(([project(*p) for p in f], [project(*p) for p in s]))
        for name, polys in items:
            name_area[name] = sum(abs(area([project(*p) for p in ring_lonlat(r, arcs)]))
                                  for poly in polys for r in poly)
        main_name = max(sorted(name_area), key=lambda n: name_area[n])
        shapes[code] = (pairs, NAMES.get(code, main_name) if code else None)

    # Vertical crop to the land, with a margin.
    ys = [y for pairs, _ in shapes.values() for full, _ in pairs for _, y in full]
    top = math.floor(min(ys) - MARGIN)
    height = math.ceil(max(ys) + MARGIN) - top

    paths: dict[str | None, str] = {}
    labels = []
    fine = []
    for code in sorted(shapes, key=lambda c: (c is None, c or "")):
        pairs, name = shapes[code]
        areas = [abs(area(full)) for full, _ in pairs]
        largest = max(range(len(pairs)), key=lambda i: (areas[i], -i))
        out_rings = []
        for i, (full, simp) in enumerate(pairs):
            if i != largest and areas[i] < MIN_AREA:
                continue
            ring = snap(simp, GRID, top)
            if i == largest and (len(ring) < 3 or abs(area(ring + ring[:1])) / 1e4
                                 < 0.5 * areas[i]):
                ring = snap(full, GRID, top)
                if len(ring) < 3 or abs(area(ring + ring[:1])) / 1e4 < 0.5 * areas[i]:
                    ring = snap(full, FINE_GRID, top)
                    fine.append(code)
            if len(ring) >= 3:
                out_rings.append(ring)
        if not out_rings:
            sys.exit(f"derive-world: {code} lost every ring")
        paths[code] = path_data(out_rings)
        if code is not None:
            cx, cy = label_point(pairs[largest][0])
            labels.append((code, name, cx, cy - top))

    # ---- public/world.svg
    svg = [
        "<!-- Country shapes: Natural Earth (public domain), via world-atlas (ISC). -->",
        f"<!-- Generated by scripts/derive-world.py from {PACKAGE} {VERSION} "
        f"countries-50m.json (Natural Earth {NATURAL_EARTH}, 1:50m Admin 0), "
        "Equal Earth projection, Antarctica left out. "
        "Paths have no fill or stroke: colour them where they are used. -->",
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {int(WIDTH)} {height}">',
    ]
    for code in sorted(c for c in paths if c is not None):
        svg.append(f'<path id="c-{code}" d="{paths[code]}"/>')
    if None in paths:
        svg.append(f'<g id="uncoded"><path d="{paths[None]}"/></g>')
    svg.append("</svg>")
    write(args.svg, "\n".join(svg) + "\n")

    # ---- app/src/world.rs
    rs = [
        "//! Countries of the threat map: names and label points matching `public/world.svg`.",
        "//!",
        "//! Generated by `scripts/derive-world.py`: do not edit by hand, re-run the script.",
        f"//! Data: Natural Earth {NATURAL_EARTH} 1:50m Admin 0 countries (public domain), via the",
        f"//! npm package `world-atlas` {VERSION} by Mike Bostock (ISC licence); codes from",
        "//! ISO 3166-1 (Debian's `iso-codes`), plus `XK` for Kosovo. See `docs/third-party/world-atlas.md`.",
        "//! Coordinates are in the SVG's viewBox units (Equal Earth projection, y down).",
        "",
        "/// Width and height of the viewBox of `public/world.svg`.",
        f"pub const VIEW_BOX: (f32, f32) = ({WIDTH:.1f}, {float(height):.1f});",
        "",
        "/// A country (or territory) drawn in `public/world.svg` as `<path id=\"c-{iso}\">`.",
        "#[derive(Debug, Clone, Copy, PartialEq)]",
        "pub struct Country {",
        "    /// ISO 3166-1 alpha-2 code, upper case (`XK` for Kosovo).",
        "    pub iso: &'static str,",
        "    /// Short common English name.",
        "    pub name: &'static str,",
        "    /// Label point: the centroid of the country's largest ring (moved onto the ring",
        "    /// along its horizontal line where the centroid falls outside), in viewBox units.",
        "    pub x: f32,",
        "    /// See `x`; y grows downwards.",
        "    pub y: f32,",
        "}",
        "",
        f"/// Every country in the map ({len(labels)}), sorted by `iso`.",
        "pub const COUNTRIES: &[Country] = &[",
    ]
    for code, name, x, y in labels:
        rs.append(f"    Country {{ iso: {rust_str(code)}, name: {rust_str(name)}, "
                  f"x: {x:.1f}, y: {y:.1f} }},")
    rs += [
        "];",
        "",
        "/// The country with this ISO 3166-1 alpha-2 code (either case), if the map has it.",
        "pub fn country(iso: &str) -> Option<&'static Country> {",
        "    COUNTRIES",
        "        .binary_search_by(|c| c.iso.bytes().cmp(iso.bytes().map(|b| b.to_ascii_uppercase())))",
        "        .ok()",
        "        .map(|i| &COUNTRIES[i])",
        "}",
        "",
        "/// The country's name, or the code itself when the map does not know it.",
        "pub fn name(iso: &str) -> &str {",
        "    country(iso).map_or(iso, |c| c.name)",
        "}",
        "",
        "#[cfg(test)]",
        "mod tests {",
        "    use super::*;",
        "",
        "    #[test]",
        "    fn table_is_sorted_and_inside_the_view_box() {",
        "        for pair in COUNTRIES.windows(2) {",
        "            assert!(pair[0].iso < pair[1].iso, \"{} before {}\", pair[0].iso, pair[1].iso);",
        "        }",
        "        for c in COUNTRIES {",
        "            assert!(c.iso.len() == 2 && c.iso.bytes().all(|b| b.is_ascii_uppercase()));",
        "            assert!((0.0..=VIEW_BOX.0).contains(&c.x) && (0.0..=VIEW_BOX.1).contains(&c.y));",
        "        }",
        "    }",
        "",
        "    #[test]",
        "    fn lookup() {",
        "        assert_eq!(country(\"FR\").map(|c| c.name), Some(\"France\"));",
        "        assert_eq!(country(\"us\").map(|c| c.name), Some(\"United States\"));",
        "        assert_eq!(name(\"XK\"), \"Kosovo\");",
        "        assert_eq!(name(\"ZZ\"), \"ZZ\");",
        "        assert!(country(\"\").is_none());",
        "    }",
        "}",
    ]
    write(args.rust, "\n".join(rs) + "\n")

    size = os.path.getsize(args.svg)
    print(f"derive-world: {len(labels)} countries, viewBox 0 0 {int(WIDTH)} {height}, "
          f"{os.path.relpath(args.svg, ROOT)} {size} bytes, "
          f"{os.path.relpath(args.rust, ROOT)} {os.path.getsize(args.rust)} bytes"
          + (f"; kept at 0.01 unit: {' '.join(fine)}" if fine else ""))


if __name__ == "__main__":
    main()
