-- wrk script for bench/ingest: every request is a NEW Apify default-payload envelope.
--   wrk ... -s unique.lua URL -- SECRET PREFIX
-- The run id is PREFIX-t<thread>-<counter>, so no two requests of one invocation (nor of two
-- invocations with different prefixes) share a run id: each one is a new durable insert.
-- response() counts non-2xx answers and the "accepted"/"duplicate" bodies; done() prints one
-- machine-readable line starting with "LUA " that run.sh parses.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local prefix, n = "run", 0
-- globals, not locals: done() reads them from each thread with thread:get()
non2xx, accepted, duplicate = 0, 0, 0
local head = '{"userId":"u1","createdAt":"2026-11-27T10:00:00.000Z","eventType":"ACTOR.RUN.SUCCEEDED",' ..
             '"eventData":{"actorId":"actorA","actorRunId":"'
local mid = '"},"resource":{"id":"'
local tail = '","actId":"actorA","status":"SUCCEEDED","startedAt":"2026-11-27T09:59:00.000Z",' ..
             '"finishedAt":"2026-11-27T10:00:00.000Z","defaultDatasetId":"ds1"}}'

function init(args)
  wrk.method = "POST"
  wrk.headers["X-Webhook-Secret"] = args[1]
  wrk.headers["Content-Type"] = "application/json"
  prefix = (args[2] or "run") .. "-t" .. tostring(tid) .. "-"
end

function request()
  n = n + 1
  local run = prefix .. n
  return wrk.format(nil, nil, nil, head .. run .. mid .. run .. tail)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif string.find(body, '"accepted"', 1, true) then
    accepted = accepted + 1
  elseif string.find(body, '"duplicate"', 1, true) then
    duplicate = duplicate + 1
  end
end

function done(summary, latency, requests)
  local a, d, x = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + (t:get("accepted") or 0)
    d = d + (t:get("duplicate") or 0)
    x = x + (t:get("non2xx") or 0)
  end
  io.write(string.format("LUA requests=%d non2xx=%d accepted=%d duplicate=%d p99_us=%d\n",
                         summary.requests, x, a, d, latency:percentile(99.0)))
end
