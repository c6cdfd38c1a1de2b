"""Kompeten certificate: certificates issued on a K decision, verifiable by anyone by number."""
