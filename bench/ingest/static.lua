-- wrk script for bench/ingest baselines: one fixed request, built once by wrk (no request()
-- or response() function, so wrk sends a cached buffer: the cheapest client it has).
--   wrk ... -s static.lua URL -- SECRET RUNID
-- Every request carries the same run id, so the Express receiver only ever answers
-- "duplicate" (its cheapest path). Non-2xx answers are read from wrk's own summary.

function init(args)
  local run = args[2] or "same-run"
  wrk.method = "POST"
  wrk.headers["X-Webhook-Secret"] = args[1]
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"userId":"u1","createdAt":"2026-11-27T10:00:00.000Z","eventType":"ACTOR.RUN.SUCCEEDED",' ..
             '"eventData":{"actorId":"actorA","actorRunId":"' .. run .. '"},"resource":{"id":"' .. run ..
             '","actId":"actorA","status":"SUCCEEDED","startedAt":"2026-11-27T09:59:00.000Z",' ..
             '"finishedAt":"2026-11-27T10:00:00.000Z","defaultDatasetId":"ds1"}}'
end
