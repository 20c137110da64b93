-- wrk script: POST /v1/chat with unit questions ("where is the nearest X in district Y") in fi, sv and en, each a
-- new session, so every request runs the whole path: language, intent, entities, the registry's nearest unit.
local messages = {
  "missä on lähin uimahalli kalliossa?", "missä on lähin kirjasto vuosaaressa?",
  "lähin terveysasema herttoniemessä", "missä on lähin leikkipuisto käpylässä?",
  "var finns närmaste simhall i berghäll?", "var finns närmaste bibliotek i nordsjö?",
  "närmaste hälsostation i hertonäs", "where is the nearest swimming hall in kallio?",
  "where is the nearest library in vuosaari?", "nearest health station in herttoniemi",
}
local i = 0
request = function()
  i = i + 1
  local body = '{"text": "' .. messages[(i % #messages) + 1] .. '"}'
  return wrk.format("POST", "/v1/chat", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  -- With HIST_FILE set, every latency recorded (microseconds, count) is appended to it, so that runs can be merged.
  local path = os.getenv("HIST_FILE")
  if path then
    local file = io.open(path, "a")
    for i = 1, #latency do
      local value, count = latency(i)
      file:write(string.format("%d %d\n", value, count))
    end
    file:close()
  end
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
