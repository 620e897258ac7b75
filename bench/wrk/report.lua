-- Prints one machine-readable line after a wrk run (requests, errors, latency percentiles in us).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeouts=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
