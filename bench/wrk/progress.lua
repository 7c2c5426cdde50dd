-- progress: POST /v1/progress, one heartbeat of 15 s per request, as a
-- player sends them. Each thread owns its share of the tokens; each token
-- watches a lesson from second 0 onwards (from_second/to_second advance by
-- 15 s per heartbeat, capped at the lesson's length) and goes on to the next
-- lesson at the end. The first lesson depends on the token and BENCH_SALT
-- (a new value each run), so reruns on a kept database mostly report new
-- seconds, which are credited (the campaign allows 10x real time).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local tokens, lessons, state = nil, nil, {}

function init(args)
  c.seed(tid)
  tokens = c.share(c.lines("tokens.txt"), tid)
  lessons = {}
  for _, l in ipairs(c.lines("lessons.txt")) do
    local id, len = l:match("(%d+) (%d+)")
    lessons[#lessons + 1] = { id = id, len = tonumber(len) }
  end
end

function request()
  local k = math.random(#tokens)
  local s = state[k]
  if s == nil then
    s = { lesson = (k * 31 + tid * 17 + c.salt) % #lessons + 1, pos = 0 }
    state[k] = s
  end
  local l = lessons[s.lesson]
  if s.pos >= l.len then
    s.lesson = s.lesson % #lessons + 1
    s.pos = 0
    l = lessons[s.lesson]
  end
  local from = s.pos
  local to = math.min(from + 15, l.len)
  s.pos = to
  local body = string.format(
    '{"items":[{"content_type":"lesson","content_id":"%s","from_second":%d,"to_second":%d}]}',
    l.id, from, to)
  local h = c.auth(tokens[k])
  h["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/progress", h, body)
end
