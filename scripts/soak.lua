-- wrk script for scripts/soak.sh: mixed traffic against the users_api example that
-- creates no lasting state (reads, rejections, 429s, panics, 500s), so that memory
-- can settle.
--
-- Each request carries `X-Request-Id: soak-<kind>-<thread>-<n>`; the app echoes a
-- valid id on every response, so `response()` knows which kind of request it answers
-- even though a wrk thread interleaves many connections. It counts statuses per kind
-- and flags any status the kind does not expect; `done()` prints the table and one
-- `SOAK-RESULT` line that soak.sh checks.

local kinds = {
  { name = "healthz",  method = "GET",    path = "/healthz",            expect = { 200 } },
  { name = "user",     method = "GET",    path = "/api/users/1",        expect = { 200 } },
  { name = "missing",  method = "GET",    path = "/api/users/999999",   expect = { 404 } },
  { name = "badid",    method = "GET",    path = "/api/users/abc",      expect = { 400 } },
  { name = "nowhere",  method = "GET",    path = "/nowhere",            expect = { 404 } },
  -- A few tokens, 5 requests per 60 s each: mostly 429s.
  { name = "limited",  method = "GET",    path = "/api/limited",        expect = { 200, 429 },
    must = { 429 }, tokens = { "soak-a", "soak-b", "soak-c", "soak-d" } },
  { name = "crash",    method = "GET",    path = "/api/crash",          expect = { 500 } },
  { name = "internal", method = "GET",    path = "/api/internal",       expect = { 500 } },
  -- Authenticated, but the fields are invalid: 422, nothing is created.
  { name = "invalid",  method = "POST",   path = "/api/users",          expect = { 422 },
    auth = "Bearer user-token", body = '{"name":"","email":"not-an-email"}' },
  { name = "anon",     method = "GET",    path = "/api/admin/stats",    expect = { 401 } },
  { name = "method",   method = "DELETE", path = "/api/users",          expect = { 405 } },
}

local by_name = {}
for _, kind in ipairs(kinds) do
  kind.expected = {}
  for _, status in ipairs(kind.expect) do
    kind.expected[status] = true
  end
  by_name[kind.name] = kind
end

-- Main state: the threads, for done().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- Thread state.
function init(args)
  n = 0
  counts = {}     -- "kind status" -> count
  unexpected = 0  -- responses whose status the kind does not expect
  unknown = 0     -- responses without a soak request id
end

function request()
  n = n + 1
  local kind = kinds[(n % #kinds) + 1]
  local headers = { ["X-Request-Id"] = string.format("soak-%s-%d-%d", kind.name, tid, n) }
  if kind.tokens then
    headers["Authorization"] = "Bearer " .. kind.tokens[(n % #kind.tokens) + 1]
  end
  if kind.auth then
    headers["Authorization"] = kind.auth
  end
  if kind.body then
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(kind.method, kind.path, headers, kind.body)
end

function response(status, headers, body)
  local id = headers["x-request-id"] or headers["X-Request-Id"] or ""
  local name = string.match(id, "^soak%-(%a+)%-")
  local kind = name and by_name[name]
  if not kind then
    unknown = unknown + 1
    name = "?"
  elseif not kind.expected[status] then
    unexpected = unexpected + 1
  end
  local key = name .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local totals, bad, nameless = {}, 0, 0
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("counts") or {}) do
      totals[key] = (totals[key] or 0) + count
    end
    bad = bad + (thread:get("unexpected") or 0)
    nameless = nameless + (thread:get("unknown") or 0)
  end

  local keys = {}
  for key in pairs(totals) do table.insert(keys, key) end
  table.sort(keys)
  io.write(string.format("\n%-10s %-18s %6s %10s  %s\n", "kind", "path", "status", "count", ""))
  for _, key in ipairs(keys) do
    local name, status = string.match(key, "^(%S+) (%d+)$")
    local kind = by_name[name]
    local ok = kind and kind.expected[tonumber(status)]
    io.write(string.format("%-10s %-18s %6s %10d  %s\n", name, kind and kind.path or "?",
      status, totals[key], ok and "" or "UNEXPECTED"))
  end

  -- Every kind answered, with every status it must show.
  local missing = 0
  for _, kind in ipairs(kinds) do
    local seen = 0
    for _, status in ipairs(kind.expect) do
      seen = seen + (totals[kind.name .. " " .. status] or 0)
    end
    if seen == 0 then
      missing = missing + 1
      io.write(string.format("MISSING: no expected response for %s\n", kind.name))
    end
    for _, status in ipairs(kind.must or {}) do
      if (totals[kind.name .. " " .. status] or 0) == 0 then
        missing = missing + 1
        io.write(string.format("MISSING: no %d for %s\n", status, kind.name))
      end
    end
  end

  local e = summary.errors
  io.write(string.format(
    "\nrequests %d in %.1f s (%.0f/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format(
    "SOAK-RESULT requests=%d unexpected=%d unknown=%d missing=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, bad, nameless, missing, e.connect, e.read, e.write, e.timeout))
end
