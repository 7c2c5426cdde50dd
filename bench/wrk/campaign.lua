-- campaign: GET /v1/campaign (anonymous).
-- No request() function: wrk sends one prebuilt request (its fastest path).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
wrk.path = "/v1/campaign"
