// MPEG-TS ingest.
