"""Kompeten's contract package: what every service and every partner integration depends on.

- envelope: the CloudEvents 1.0 envelope, built and parsed in one place
- events: a marshmallow schema per event type, the registry of event types
- catalogue: the AsyncAPI 3.0 document generated from that registry
- publishing / consuming: nameko extensions that put the contract on RabbitMQ
- config: environment variables with safe local defaults
"""
