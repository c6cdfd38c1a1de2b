"""Kompeten assessment: the LSP's competency test (uji kompetensi), per unit K/BK, rapat pleno."""
