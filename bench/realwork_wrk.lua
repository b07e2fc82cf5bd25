-- wrk script for S7-S10: the harness's own script (request shape from BENCH_METHOD and
-- BENCH_BODY_FILE, the BENCH_JSON summary line), plus request headers from BENCH_HEADERS:
-- one "name: value" a line. wrk runs in the harness's folder, so the relative path holds.
dofile("harness/wrk_report.lua")

local extra = os.getenv("BENCH_HEADERS") or ""
for line in extra:gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end
