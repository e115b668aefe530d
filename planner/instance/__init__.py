"""Catalogue x request x rules -> Instance: priced, filtered, pruned, integer-scaled options (no I/O)."""
