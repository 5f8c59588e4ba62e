-- wrk script of the CDS Hooks benchmark (bench/fhir/cds.ts): POSTs one hook request, each call with
-- its own pre-signed JWT. Tokens come from CDS_TOKENS (one per line); thread k of T sends tokens
-- k, k+T, k+2T, ... so no token is sent twice (the service refuses a replayed jti). When a thread
-- runs out it starts over, and the replays show up as non-2xx answers.
-- Prints one line "WRKJSON {...}" at the end.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("CDS_THREADS") or "2")
  tokens = {}
  local i = 0
  for line in io.lines(os.getenv("CDS_TOKENS")) do
    if i % nthreads == tid then tokens[#tokens + 1] = line end
    i = i + 1
  end
  local f = assert(io.open(os.getenv("CDS_BODY"), "r"))
  body = f:read("*a")
  f:close()
  nexti = 1
end

function request()
  local token = tokens[nexti]
  nexti = nexti + 1
  if nexti > #tokens then nexti = 1 end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_s":%.3f,"req_per_s":%.2f,"non2xx":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_timeout":%d,"lat_mean_ms":%.3f,"lat_p50_ms":%.3f,"lat_p90_ms":%.3f,"lat_p99_ms":%.3f,' ..
    '"lat_p999_ms":%.3f,"lat_max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), e.status, e.connect,
    e.read, e.write, e.timeout, latency.mean / 1e3, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3, latency.max / 1e3))
end
