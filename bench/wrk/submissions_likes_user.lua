-- submissions_likes_user: GET /v1/submissions?sort=likes with a random bench
-- token per request (each item says whether the caller liked it).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local tokens

function init(args)
  c.seed(tid)
  tokens = c.lines("tokens.txt")
end

function request()
  return wrk.format("GET", "/v1/submissions?sort=likes", c.auth(tokens[math.random(#tokens)]))
end
