"""Pure computation of the places app (no Django imports): typed dataclasses in, out."""
