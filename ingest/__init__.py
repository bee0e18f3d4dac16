"""Ingest: turn policy documents into cleaned, structured, cited chunks and an index.

Stages, one module each: load → clean → metadata → structure → chunk/records → pipeline.
"""
