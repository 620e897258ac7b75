-- Blocking LL-HLS playlist reloads that always ask for the next part, so every request waits
-- for the server to finish a part. Arguments: PLAYLIST_PATH MSN PART (a starting point; the
-- preload hint of each response then names the next part).
local path, msn, part = "/", 0, 0

function init(args)
  path = args[1]
  msn = tonumber(args[2])
  part = tonumber(args[3])
end

function request()
  return wrk.format("GET", path .. "?_HLS_msn=" .. msn .. "&_HLS_part=" .. part)
end

function response(status, headers, body)
  local m, p = body:match('#EXT%-X%-PRELOAD%-HINT:TYPE=PART,URI="[^"]-/(%d+)%.(%d+)%.m4s"')
  if m then
    m, p = tonumber(m), tonumber(p)
    if m > msn or (m == msn and p > part) then
      msn, part = m, p
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeouts=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
