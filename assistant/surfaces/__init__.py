"""Front ends over the library: the CLI, the Gradio UI and the exports (briefings, CSV).

Nothing in the library (``assistant.*`` outside this package, ``ingest``) imports a surface;
a surface only calls library functions, so the CLI and the UI answer the same way.
"""
