-- wrk script: POST /v1/chat with a rotating set of realistic resident messages in fi, sv and en.
local messages = {
  "missä on lähin kirjasto Kalliossa?", "onks uimahalli auki sunnuntaina", "miten haen päiväkotipaikkaa",
  "var finns närmaste hälsostation?", "när har biblioteket öppet", "hur ansöker jag om dagvård",
  "where is the nearest library", "how do I book a health check-up", "what are the daycare fees", "kiitos",
}
local i = 0
request = function()
  i = i + 1
  local body = '{"text": "' .. messages[(i % #messages) + 1] .. '"}'
  return wrk.format("POST", "/v1/chat", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
