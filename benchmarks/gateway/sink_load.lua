-- wrk script: POSTs webhook-shaped requests to the sink, as the dispatcher does (same headers, a body of the same
-- size and shape), each with a fresh webhook-id. The signature is a well-formed v1 value of the right length but
-- not a valid HMAC: the sink verifies only a sample, and a failed verification costs it the same HMAC work.
--   BODY_FILE: a captured body from the dispatcher (written by run.sh); a built-in one when unset.
local counter = 0
local thread_id = 0
local body = nil

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  local path = os.getenv("BODY_FILE")
  if path then
    local file = io.open(path, "rb")
    if file then body = file:read("*a"); file:close() end
  end
  if not body or #body == 0 then
    body = '{"encoding":"gsm7","id":"ntc_0000000000000000000","locale":"fi","segments":2,'
      .. '"text":"Helsingin kaupunki on varannut lapsellenne esiopetuspaikan: Kallion paivakoti, alkaen 1.8.2027. '
      .. 'Vahvistakaa paikka viimeistaan 15.5.2027: http://127.0.0.1:8080/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",'
      .. '"to":"+358400000001"}'
  end
  wrk.method = "POST"
  wrk.body = body
end

function request()
  counter = counter + 1
  local headers = {
    ["content-type"] = "application/json",
    ["accept"] = "application/json",
    ["webhook-id"] = string.format("load_%d_%d", tid or 0, counter),
    ["webhook-timestamp"] = tostring(os.time()),
    ["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }
  return wrk.format("POST", "/sms", headers, body)
end
