"""Kompeten's service chassis: what every service (and a plug-in that is a nameko service) runs
on, over the contract package kompeten_shared.

- consuming / publishing: nameko extensions that put the contract on RabbitMQ
- web, auth: HTTP routes that declare who may call them, tokens verified against the issuer
- endpoints, openapi, observability: health, the OpenAPI document, metrics and JSON logs
- mongo, unit_of_work, outbox: the service's database, use cases' units of work, the outbox
- privacy: the record of who read whose personal data; regions: regency codes
- client: the command lines' HTTP client and sign-in; catalogue: generates the AsyncAPI file
- testing: a unit of work over in-memory repositories, for use-case tests
"""
