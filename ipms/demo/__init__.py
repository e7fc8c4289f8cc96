"""Demo data for the embedded mode: the top layer of the house.

Every other app is below this one, and none of them imports it; ``load_demo`` names each
app's demo rows here (docs/decisions/0006-layered-apps.md).
"""
