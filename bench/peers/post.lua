-- wrk: POST the signed 1 KiB body in $ALFE_BENCH_BODY to $ALFE_BENCH_PATH with its signature.
local f = assert(io.open(os.getenv("ALFE_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.path = os.getenv("ALFE_BENCH_PATH")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Alfe-Signature-256"] = os.getenv("ALFE_BENCH_SIGNATURE")
