-- like_hot: PUT /v1/submissions/{hot}/like, all on one submission (the most
-- liked, BENCH_HOT). Each thread walks its own share of the tokens in order,
-- so every request is a new liker until the tokens run out (run.sh takes
-- back the bench accounts' likes of it before the run); after that, likes
-- repeat and are idempotent 200s.
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local tokens, i = nil, 0
local path = "/v1/submissions/" .. c.hot .. "/like"

function init(args)
  tokens = c.share(c.lines("tokens.txt"), tid)
end

function request()
  i = i % #tokens + 1
  return wrk.format("PUT", path, c.auth(tokens[i]))
end
