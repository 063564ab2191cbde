-- wrk script for every scenario: `wrk -tT ... -s bench/load.lua -- METHOD LINES_FILE T [COOKIE]`
--
-- LINES_FILE has one line per request: a path for GET, an urlencoded body for POST (the
-- path is wrk's URL). Each wrk thread takes every n-th line, so no two threads send the
-- same form token; a thread that runs out starts again (counted as "reused").
-- done() prints one JSON line: requests, duration, latency percentiles (µs), errors and
-- the count of each status code.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  method = args[1] or "GET"
  -- setup() runs for each thread just before that thread's init(), so the number of
  -- threads comes as an argument.
  local nthreads = tonumber(args[3])
  cookie = args[4]
  statuses = {}
  reused = 0
  lines = {}
  local all = {}
  for line in io.lines(args[2]) do
    if line ~= "" then
      table.insert(all, line)
    end
  end
  for index, line in ipairs(all) do
    if (index - 1) % nthreads == id - 1 then
      table.insert(lines, line)
    end
  end
  if #lines == 0 then
    lines = all -- fewer lines than threads: a GET of one page, shared
  end
  position = 0
end

function request()
  position = position + 1
  if position > #lines then
    position = 1
    reused = reused + 1
  end
  local headers = {}
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", wrk.path, headers, lines[position])
  end
  return wrk.format("GET", lines[position], headers, nil)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, wraps = {}, 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      merged[tostring(code)] = (merged[tostring(code)] or 0) + count
    end
    wraps = wraps + thread:get("reused")
  end
  local parts = {}
  for code, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', code, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"mean_us": %.1f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}, "reused": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ", "), wraps))
  -- The whole latency histogram (µs:count), so that rounds can be merged exactly.
  local buckets = {}
  for i = 1, #latency do
    local value, count = latency(i)
    table.insert(buckets, value .. ":" .. count)
  end
  io.write("BENCH_HIST " .. table.concat(buckets, ",") .. "\n")
end
