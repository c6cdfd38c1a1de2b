"""Local operations for Kompeten: make the servers reachable, run the four services as
processes, drive the demo scenario."""
