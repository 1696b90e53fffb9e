"""`make bench`: seed PostgreSQL at several sizes; measure pages, a mixed load, sweeps, PDFs and the engine."""
