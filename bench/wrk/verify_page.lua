-- verify_page: GET /verify/{serial}, the HTML page a phone opens from the
-- certificate's QR code (anonymous), a random one of the BENCH_CERTS
-- certificates per request. Certificate n's serial is 'DC-' and the 16
-- Crockford base32 digits of n in groups of 4 (bench/certificates.sql).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local certs = tonumber(os.getenv("BENCH_CERTS") or "200000")
local alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

local function serial(n)
  local d = {}
  for i = 16, 1, -1 do
    local v = n % 32
    d[i] = alphabet:sub(v + 1, v + 1)
    n = (n - v) / 32
  end
  local s = table.concat(d)
  return "DC-" .. s:sub(1, 4) .. "-" .. s:sub(5, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16)
end

function init(args)
  c.seed(tid)
end

function request()
  return wrk.format("GET", "/verify/" .. serial(math.random(certs)))
end
