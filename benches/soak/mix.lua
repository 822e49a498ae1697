-- The request mix of benches/soak.sh, for wrk. Every request carries its
-- kind in X-Request-ID (request_id keeps a valid incoming ID and every
-- response, a layer's own answer included, echoes it), so each response is
-- tallied under its kind and status; benches/soak/analyze.py then holds each
-- kind to the statuses it may get. A status outside a kind's always-expected
-- set is tallied with the second it arrived in, so that the 503s of the
-- Redis outage can be checked against its window.
--
-- Environment: SOAK_TOKEN (a JWT from /login), SOAK_COOKIE (the session
-- cookie from /login), SOAK_API_KEY, SOAK_GZ_BODY (a gzip file),
-- SOAK_TALLY (where done() writes the tallies).

local token = os.getenv("SOAK_TOKEN") or ""
local cookie = os.getenv("SOAK_COOKIE") or ""
local api_key = os.getenv("SOAK_API_KEY") or ""

local function read_file(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

local gz_body = read_file(os.getenv("SOAK_GZ_BODY"))

-- kind, share of the mix (out of 100), and the statuses it always may get.
-- Keep in step with EXPECTED in analyze.py.
local kinds = {
  { "home", 38 },      -- GET / from one of 1,000 clients, gzip: 200 (429 if a client outruns 100/s)
  { "me", 20 },        -- GET /me with token, API key and Redis session: 200 (503 while Redis is down)
  { "hammer", 5 },     -- GET / from one client far over its limit: 429 (200 while Redis is down: allow)
  { "health", 5 },     -- GET /health, exempt from the limit: 200
  { "preflight", 5 },  -- CORS preflight: 200
  { "echo", 5 },       -- POST /echo with a gzip body (decompression, body_limit): 200
  { "blocked", 4 },    -- User-Agent BadBot: 403
  { "bad_host", 4 },   -- Host: evil.example: 400
  { "no_token", 4 },   -- GET /me without a token: 401
  { "metrics", 2 },    -- GET /metrics: 200
  { "slash", 4 },      -- GET /health/: 307 to /health
  { "plain_http", 4 }, -- no X-Forwarded-Proto: 307 to https
}

local function client(n)
  return string.format("198.51.%d.%d", 100 + math.floor(n / 250) % 4, n % 250 + 1)
end

local function build(kind, n)
  local headers = {
    ["Host"] = "localhost",
    ["X-Request-ID"] = kind,
    ["X-Forwarded-For"] = client(n),
    ["X-Forwarded-Proto"] = "https",
  }
  local method, path, body = "GET", "/", nil
  if kind == "home" then
    headers["Accept-Encoding"] = "gzip"
  elseif kind == "me" then
    path = "/me"
    headers["Authorization"] = "Bearer " .. token
    headers["X-API-Key"] = api_key
    headers["Cookie"] = cookie
  elseif kind == "hammer" then
    headers["X-Forwarded-For"] = "203.0.113.250"
  elseif kind == "health" then
    path = "/health"
  elseif kind == "preflight" then
    method, path = "OPTIONS", "/me"
    headers["Origin"] = "http://localhost:3000"
    headers["Access-Control-Request-Method"] = "GET"
    headers["Access-Control-Request-Headers"] = "authorization, x-api-key"
  elseif kind == "echo" then
    method, path, body = "POST", "/echo", gz_body
    headers["Content-Encoding"] = "gzip"
    headers["Content-Type"] = "application/octet-stream"
  elseif kind == "blocked" then
    headers["User-Agent"] = "BadBot/1.0"
  elseif kind == "bad_host" then
    headers["Host"] = "evil.example"
  elseif kind == "no_token" then
    path = "/me"
    headers["X-API-Key"] = api_key
  elseif kind == "metrics" then
    path = "/metrics"
  elseif kind == "slash" then
    path = "/health/"
  elseif kind == "plain_http" then
    headers["X-Forwarded-Proto"] = nil
  end
  return wrk.format(method, path, headers, body)
end

-- 10 rounds of the mix, interleaved, each request from the next client.
local requests = {}
local n = 0
for round = 1, 10 do
  for slot = 1, 100 do
    local acc = 0
    for _, entry in ipairs(kinds) do
      acc = acc + entry[2]
      -- Spread each kind over the 100 slots rather than in a block.
      if ((slot * 37) % 100) < acc then
        n = n + 1
        requests[n] = build(entry[1], n)
        break
      end
    end
  end
end

local always = {
  home = { [200] = true, [429] = true },
  me = { [200] = true, [429] = true },
  hammer = { [200] = true, [429] = true },
  health = { [200] = true },
  preflight = { [200] = true },
  echo = { [200] = true, [429] = true },
  blocked = { [403] = true },
  bad_host = { [400] = true },
  no_token = { [401] = true, [429] = true },
  metrics = { [200] = true },
  slash = { [307] = true },
  plain_http = { [307] = true },
}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local next_request = 0
tally = {}

function init(args)
  -- Threads start at different places in the cycle.
  next_request = (thread_number or 1) * 397 % #requests
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  local kind = headers["x-request-id"] or headers["X-Request-ID"] or "?"
  local key
  if always[kind] and always[kind][status] then
    key = kind .. " " .. status
  else
    key = kind .. " " .. status .. " " .. os.time()
  end
  tally[key] = (tally[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("tally")
    for key, count in pairs(counts or {}) do
      merged[key] = (merged[key] or 0) + count
    end
  end
  local out = assert(io.open(os.getenv("SOAK_TALLY"), "w"))
  for key, count in pairs(merged) do
    out:write(key, " ", count, "\n")
  end
  out:write("# errors connect ", summary.errors.connect, " read ", summary.errors.read, " write ",
    summary.errors.write, " status ", summary.errors.status, " timeout ", summary.errors.timeout, "\n")
  out:write("# requests count ", summary.requests, " duration_us ", summary.duration, "\n")
  out:write(string.format("# latency_us p50 %d p99 %d max %d\n", latency:percentile(50), latency:percentile(99),
    latency.max))
  out:close()
end
