"""The read API fuzzed against its own OpenAPI schema (issue 14 part 5): for every
operation, schemathesis sends requests made from the schema's parameters, as an
anonymous reader and with an editor's key, to the app in this process (its WSGI
handler, on the test database), and checks each answer: no server error, a
status code, content type, headers and body the schema declares.

The number of examples per operation is bounded (EXAMPLES) so the suite stays
quick; the detail operations are also asked for every demo id, since ids drawn
at random seldom name a row that exists."""

import json
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claimtracker.api.models import ApiKey
from claimtracker.claims import services
from claimtracker.claims.models import Actor, Claim, Source

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _document() -> dict[str, Any]:
    """The schema as /api/v1/schema/ serves it (test_the_schema_is_the_one_served checks)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


# Read when the tests are collected, as schemathesis makes one test per operation from it.
schema = schemathesis.openapi.from_dict(_document())
schema.app = get_wsgi_application()


@pytest.fixture
def callers(demo: None, editor: User, settings: Any, connection_kept: None) -> list[dict[str, str]]:
    """Anonymous, and an editor's key; the demo's claims, and one not yet assessed
    (no status, no sides). Schemathesis calls the WSGI handler: the test's open
    transaction outlives each request (connection_kept)."""
    services.create_claim(text="An unassessed claim", by=editor)
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis's WSGI client's host
    settings.API_RATE_LIMIT = settings.API_ANONYMOUS_RATE_LIMIT = "100000/minute"
    return [{}, {"Authorization": f"Bearer {ApiKey.make(editor)[1]}"}]


def test_the_schema_is_the_one_served(db: None) -> None:
    assert Client().get("/api/v1/schema/?format=json").json() == _document()


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case: Any, callers: list[dict[str, str]]) -> None:
    for headers in callers:
        case.call_and_validate(headers=headers, checks=CHECKS)


@pytest.mark.django_db
def test_every_demo_record_answers_as_the_schema_says(callers: list[dict[str, str]]) -> None:
    records = {
        "/api/v1/claims/{id}/": Claim.objects.values_list("pk", flat=True),
        "/api/v1/actors/{id}/": Actor.objects.values_list("pk", flat=True),
        "/api/v1/sources/{id}/": Source.objects.values_list("pk", flat=True),
    }
    answered: dict[tuple[str, int], int] = {}
    for path, ids in records.items():
        operation = schema[path]["GET"]
        for pk in ids:
            for headers in callers:
                case = operation.Case(path_parameters={"id": pk})
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                answered[(path, bool(headers))] = response.status_code
    # With a key every record is read; without one, claims are (the demo publishes them) and the rest need a key.
    assert answered[("/api/v1/claims/{id}/", True)] == answered[("/api/v1/claims/{id}/", False)] == 200
    assert answered[("/api/v1/actors/{id}/", True)] == 200 and answered[("/api/v1/actors/{id}/", False)] == 401
    assert answered[("/api/v1/sources/{id}/", True)] == 200 and answered[("/api/v1/sources/{id}/", False)] == 401
