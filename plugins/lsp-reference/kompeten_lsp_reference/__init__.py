"""A reference external LSP service: what an LSP with its own system runs to plug into
Kompeten, depending only on kompeten-shared."""
