-- bench/certificates.sql - the data set's certificates: one for each of the
-- first :certs learners (in account id order), certificate n (1-based) with
-- the serial computable from n alone, so that a wrk script can pick an
-- existing one at random:
--   serial(n) = 'DC-' || 16 Crockford base32 digits of n (most significant
--               first, alphabet 0123456789ABCDEFGHJKMNPQRSTVWXYZ), in
--               groups of 4: n = 1 -> DC-0000-0000-0000-0001,
--               n = 200000 -> DC-0000-0000-0000-63A0
-- (bench/wrk/verify_page.lua and certificate_png.lua compute the same).
--
-- Included by bench/load.sql (triggers off: the statistics are rebuilt
-- afterwards) and run by bench/run.sh before every run (triggers on: the
-- statistics' certified counts follow), where it is a no-op when the
-- certificates are there already: a database kept with --keep-db that was
-- loaded before certificates existed gets them once.
--   -v certs=N     how many (national 200,000; small 2,000)
--
-- The figures are the learner's (credited seconds, class hours at 3,600 s
-- an hour; the 8-hour rule is not applied: nothing reads it back), the
-- holder's name the account's display name, issued at some time since the
-- campaign's launch. The signature is made-up bytes (SHA-512 of the payload,
-- base64, as long as an Ed25519 signature's): the verify page and the PNG
-- show the row and do not check it.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION pg_temp.bench_serial(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT 'DC-' || substr(d, 1, 4) || '-' || substr(d, 5, 4) || '-' || substr(d, 9, 4) || '-'
       || substr(d, 13, 4)
FROM (SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ',
                               CASE WHEN k < 3 THEN 0 ELSE (n >> (5 * (15 - k))) & 31 END::int + 1,
                               1), '' ORDER BY k) AS d
      FROM generate_series(0, 15) k) x
$$;

SELECT count(*) AS certs_there FROM certificates
WHERE serial BETWEEN pg_temp.bench_serial(1) AND pg_temp.bench_serial(:certs) \gset
SELECT :certs_there >= :certs AS certs_complete \gset
\if :certs_complete
  \echo 'certificates: all' :certs 'there'
\else
  \echo 'certificates: adding' :certs 'to the' :certs_there 'there'
  INSERT INTO certificates (serial, campaign_id, account_id, holder_name, class_hours,
                            credited_seconds, issued_at, signed_payload, signature)
  SELECT s.serial, 1, s.account_id, a.display_name, round(s.credited_seconds / 3600.0, 2),
         s.credited_seconds, s.issued_at, s.payload,
         translate(encode(sha512(convert_to(s.payload, 'UTF8')), 'base64'), E'\n', '')
  FROM (SELECT l.n, l.account_id, l.credited_seconds, pg_temp.bench_serial(l.n) AS serial,
               l.issued_at,
               pg_temp.bench_serial(l.n) || '|1|' || l.account_id || '|' || l.credited_seconds
                   || '|' || to_char(l.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   AS payload
        FROM (SELECT row_number() OVER (ORDER BY account_id) AS n, account_id, credited_seconds,
                     date_trunc('second', k.launch_at + ((2147483648 + hashint8(account_id)) % 1000)
                                          / 1000.0 * (now() - k.launch_at)) AS issued_at
              FROM learners, campaigns k
              WHERE k.id = 1
              ORDER BY account_id
              LIMIT :certs) l) s
  JOIN accounts a ON a.id = s.account_id
  ON CONFLICT DO NOTHING;
  VACUUM (ANALYZE) certificates;
  SELECT count(*) AS certs_there FROM certificates
  WHERE serial BETWEEN pg_temp.bench_serial(1) AND pg_temp.bench_serial(:certs) \gset
  \echo 'certificates: now' :certs_there 'of' :certs
\endif
