"""Kompeten placement: partner employers, vacancies, the graduate pool, offers and placements."""
