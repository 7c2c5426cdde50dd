-- submissions_likes_anon: GET /v1/submissions?sort=likes (anonymous; first page, 20 items).
-- No request() function: wrk sends one prebuilt request (its fastest path).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
wrk.path = "/v1/submissions?sort=likes"
