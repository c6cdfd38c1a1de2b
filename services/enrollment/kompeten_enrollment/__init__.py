"""Kompeten enrollment: programmes, participants (keyed by NIK), consent, attendance, completion."""
