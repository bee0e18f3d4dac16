"""Per-format readers the load stage dispatches to (ingest/load.py keeps text, Markdown,
.docx, .pdf and HTML; the formats an office also keeps live here): spreadsheets, scans
(OCR), old Word files, and Word's automatic numbering."""
