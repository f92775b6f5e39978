"""Readers of the spec's parts: markdown sections, tables, columns and the code fences."""
