"""Streamlit-facing pieces: the cached loader, shared filters, page layout, detail panel and pure chart/map builders."""
