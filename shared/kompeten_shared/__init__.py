"""Kompeten's contract package: what every service and every partner integration depends on,
and all a partner needs (marshmallow and kombu, nothing else).

- envelope: the CloudEvents 1.0 envelope, built and parsed in one place
- events: a marshmallow schema per event type, the registry of event types
- asyncapi.yaml: the AsyncAPI 3.0 catalogue generated from that registry
- vocabulary: the domain's words and values (roles, K/BK, consent purposes ...)
- caller: who is acting, from a verified token; errors: refusals with stable codes
- signing: the HMAC an external LSP signs its decisions with
- partner: the SDK a partner's own consumer is written with
"""
