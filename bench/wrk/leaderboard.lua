-- leaderboard: GET /v1/leaderboard (anonymous; default limit = the campaign's top_n, 100 entries).
-- No request() function: wrk sends one prebuilt request (its fastest path).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
wrk.path = "/v1/leaderboard"
