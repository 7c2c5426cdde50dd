-- ceiling: the mhd and ulfius ceilings: the same GET as the leaderboard scenario (they answer every path with the server's leaderboard body).
-- No request() function: wrk sends one prebuilt request (its fastest path).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
wrk.path = "/v1/leaderboard"
