import jsonschema
from kompeten_chassis.openapi import document


def test_every_route_of_every_service_is_documented_with_its_request_schema():
    from kompeten_assessment.service import AssessmentService
    from kompeten_certificate.service import CertificateService
    from kompeten_enrollment.service import EnrollmentService
    from kompeten_placement.service import PlacementService

    for service in (EnrollmentService, AssessmentService, CertificateService, PlacementService):
        doc = document(service)
        assert doc["openapi"] == "3.1.0"
        assert {"/health/ready", "/health/live", "/openapi.json"} <= set(doc["paths"])
        for path, operations in doc["paths"].items():
            for operation in operations.values():
                assert operation["summary"], (service.name, path)
                names = [p["name"] for p in operation["parameters"]]
                assert names == [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_request_bodies_are_json_schemas_that_refuse_what_the_service_refuses():
    from kompeten_enrollment.service import EnrollmentService

    doc = document(EnrollmentService)
    body = doc["paths"]["/programmes"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ProgrammeRequest"}
    schema = {**doc["components"]["schemas"]["ProgrammeRequest"],
              "$defs": doc["components"]["schemas"]}
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors({"title": "x"}))  # required fields missing
    assert "capacity" in schema["required"]
