"""The OpenAPI document describes exactly the routes the Chalice app serves."""

from app.app import app
from jobsched.api.openapi import SERVER, openapi_document


def chalice_routes() -> set[tuple[str, str]]:
    return {
        (path.removeprefix(SERVER), method.lower())
        for path, methods in app.routes.items()
        for method in methods
    }


def test_spec_and_routes_agree() -> None:
    spec = openapi_document()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == chalice_routes()


def test_only_health_is_public() -> None:
    spec = openapi_document()
    public = {
        path
        for path, ops in spec["paths"].items()
        for op in ops.values()
        if {} in op.get("security", spec["security"])  # {}: no key needed
    }
    assert public == {"/health"}


def test_every_operation_documents_its_errors_as_the_error_shape() -> None:
    for path, ops in openapi_document()["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if code.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method)
