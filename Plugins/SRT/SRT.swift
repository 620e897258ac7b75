// SRT ingest.
