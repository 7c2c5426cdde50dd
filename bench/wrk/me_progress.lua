-- me_progress: GET /v1/me/progress with a random bench token per request
-- (the learner summary and its per-content list).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local tokens

function init(args)
  c.seed(tid)
  tokens = c.lines("tokens.txt")
end

function request()
  return wrk.format("GET", "/v1/me/progress", c.auth(tokens[math.random(#tokens)]))
end
