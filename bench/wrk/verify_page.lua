-- verify_page: GET /verify/{serial}, the HTML page a phone opens from the
-- certificate's QR code (anonymous), a random one of the BENCH_CERTS
-- certificates per request. Certificate n's serial is 'DC-' and the 16
-- Crockford base32 digits of n in groups of 4 (bench/certificates.sql).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local certs = tonumber(os.getenv("BENCH_CERTS") or "200000")

function init(args)
  c.seed(tid)
end

function request()
  return wrk.format("GET", "/verify/" .. c.serial(math.random(certs)))
end
