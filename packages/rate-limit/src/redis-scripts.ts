/**
 * Lua run inside Redis so each decision is one atomic round trip. Both scripts touch two keys
 * sharing one hash tag (`{…}`), so they also run on Redis Cluster.
 *
 * KEYS[1]: hash of buckets, fields `i<bucket>` / `o<bucket>` (input / output tokens per token
 *          bucket) and `r<bucket>` (requests per request bucket).
 * KEYS[2]: sorted set of concurrency leases, member = reservation id, score = lease expiry.
 * @module
 */

/**
 * ARGV: now, tokenBucketMs, tokenBuckets, requestBucketMs, requestBuckets, limitTotal, limitInput,
 * limitOutput, limitRequests, limitConcurrent (-1 = off), inputTokens, outputTokens,
 * mode (0 reserve, 1 peek, 2 force), id, leaseMs, budget (0 strict, 1 capped, 2 soft: see `tokenAsk`),
 * requests (counted against the request limit; 1 unless a block of requests).
 * Returns { allowed, rejectedIndex (1-based, 0 none), retryAfterMs (-1 never), input, output, requests, concurrent,
 * writtenInput, writtenOutput }.
 */
export const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local tbms, tn = tonumber(ARGV[2]), tonumber(ARGV[3])
local rbms, rn = tonumber(ARGV[4]), tonumber(ARGV[5])
local lim = { tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]) }
local askIn, askOut = tonumber(ARGV[11]), tonumber(ARGV[12])
local mode = tonumber(ARGV[13])
local id, leaseMs = ARGV[14], tonumber(ARGV[15])
local budget = tonumber(ARGV[16] or '0')
local count = tonumber(ARGV[17] or '1')
local tcur = math.floor(now / tbms)
local tmin = tcur - tn
local rcur = math.floor(now / rbms)
local rmin = rcur - rn

local ib, ob, rb = {}, {}, {}
local si, so, sr = 0, 0, 0
local stale = {}
local all = redis.call('HGETALL', KEYS[1])
for k = 1, #all, 2 do
  local f = all[k]
  local kind = string.sub(f, 1, 1)
  local b = tonumber(string.sub(f, 2))
  local v = tonumber(all[k + 1])
  if kind == 'r' then
    if b < rmin then stale[#stale + 1] = f else rb[b] = v; sr = sr + v end
  elseif b < tmin then
    stale[#stale + 1] = f
  elseif kind == 'i' then
    ib[b] = v; si = si + v
  else
    ob[b] = v; so = so + v
  end
end
if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local sc = redis.call('ZCARD', KEYS[2])

-- Milliseconds until 'need' units have left the window, oldest bucket first; bucket b
-- leaves when the current bucket becomes b + n + 1.
local function retry(get, min, n, bms, used, amount, limit)
  if amount > limit then return -1 end
  local need = used + amount - limit
  local freed = 0
  for b = min, min + n do
    freed = freed + get(b)
    if freed >= need then return (b + n + 1) * bms - now end
  end
  return (n + 1) * bms
end

local used = { si + so, si, so, sr, sc }
-- The budget mode (as tokenAsk in store.ts): capped shrinks the output to what is left after
-- the input; soft checks used + 1 <= limit and holds no tokens.
if budget == 1 then
  if lim[1] >= 0 then askOut = math.min(askOut, math.max(0, lim[1] - si - so - askIn)) end
  if lim[3] >= 0 then askOut = math.min(askOut, math.max(0, lim[3] - so)) end
end
local ask = { askIn + askOut, askIn, askOut, count, 1 }
if budget == 2 then
  ask = { 1, 1, 1, count, 1 }
  askIn, askOut = 0, 0
end
local getters = {
  function(b) return (ib[b] or 0) + (ob[b] or 0) end,
  function(b) return ib[b] or 0 end,
  function(b) return ob[b] or 0 end,
  function(b) return rb[b] or 0 end,
}
local rejected, wait = 0, 0
for x = 1, 5 do
  if lim[x] >= 0 and used[x] + ask[x] > lim[x] then
    if rejected == 0 then rejected = x end
    local w
    if x == 5 then
      if lim[x] < 1 then w = -1 else w = 1000 end
    elseif x == 4 then
      w = retry(getters[x], rmin, rn, rbms, used[x], ask[x], lim[x])
    else
      w = retry(getters[x], tmin, tn, tbms, used[x], ask[x], lim[x])
    end
    if w < 0 or wait < 0 then wait = -1 elseif w > wait then wait = w end
  end
end

if mode == 2 or (mode == 0 and rejected == 0) then
  if askIn > 0 then redis.call('HINCRBY', KEYS[1], 'i' .. tcur, askIn) end
  if askOut > 0 then redis.call('HINCRBY', KEYS[1], 'o' .. tcur, askOut) end
  redis.call('HINCRBY', KEYS[1], 'r' .. rcur, count)
  local ttl = math.max((tn + 1) * tbms, (rn + 1) * rbms)
  redis.call('PEXPIRE', KEYS[1], ttl)
  if mode == 0 then
    redis.call('ZADD', KEYS[2], now + leaseMs, id)
    redis.call('PEXPIRE', KEYS[2], leaseMs)
  end
end
local allowed = 0
if rejected == 0 then allowed = 1 end
return { allowed, rejected, wait, si, so, sr, sc, askIn, askOut }
`;

/**
 * ARGV: now, tokenBucketMs, tokenBuckets, reservedAt, reservedInput, reservedOutput,
 * actualInput, actualOutput, id, requestBucketMs, requestBuckets (both 0: no request to refund;
 * otherwise requests counted at reservedAt are taken back: they were never sent), refundCount
 * (how many; 1 when absent).
 */
export const SETTLE_SCRIPT = `
local now = tonumber(ARGV[1])
local tbms, tn = tonumber(ARGV[2]), tonumber(ARGV[3])
local rb = math.floor(tonumber(ARGV[4]) / tbms)
local resIn, resOut = tonumber(ARGV[5]), tonumber(ARGV[6])
local actIn, actOut = tonumber(ARGV[7]), tonumber(ARGV[8])
local tcur = math.floor(now / tbms)
local function take(field, amount)
  if amount <= 0 then return end
  local v = tonumber(redis.call('HGET', KEYS[1], field))
  if not v then return end
  if v <= amount then redis.call('HDEL', KEYS[1], field) else redis.call('HINCRBY', KEYS[1], field, -amount) end
end
if rb >= tcur - tn then
  take('i' .. rb, resIn)
  take('o' .. rb, resOut)
end
local qbms, qn = tonumber(ARGV[10]), tonumber(ARGV[11])
if qbms > 0 then
  local qb = math.floor(tonumber(ARGV[4]) / qbms)
  if qb >= math.floor(now / qbms) - qn then take('r' .. qb, tonumber(ARGV[12] or '1')) end
end
if actIn > 0 then redis.call('HINCRBY', KEYS[1], 'i' .. tcur, actIn) end
if actOut > 0 then redis.call('HINCRBY', KEYS[1], 'o' .. tcur, actOut) end
if actIn > 0 or actOut > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < (tn + 1) * tbms then redis.call('PEXPIRE', KEYS[1], (tn + 1) * tbms) end
end
redis.call('ZREM', KEYS[2], ARGV[9])
return 1
`;

/**
 * ARGV: now, id, leaseMs. Extends a lease still live (not expired, not settled); returns 1 when
 * it did, 0 when the lease was already gone.
 */
export const RENEW_SCRIPT = `
local now, id, leaseMs = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local ends = tonumber(redis.call('ZSCORE', KEYS[2], id))
if not ends or ends <= now then return 0 end
redis.call('ZADD', KEYS[2], now + leaseMs, id)
if redis.call('PTTL', KEYS[2]) < leaseMs then redis.call('PEXPIRE', KEYS[2], leaseMs) end
return 1
`;

/** ARGV: now, tokenBucketMs, tokenBuckets, requestBucketMs, requestBuckets. Returns { input, output, requests, concurrent }. */
export const USAGE_SCRIPT = `
local now = tonumber(ARGV[1])
local tmin = math.floor(now / tonumber(ARGV[2])) - tonumber(ARGV[3])
local rmin = math.floor(now / tonumber(ARGV[4])) - tonumber(ARGV[5])
local si, so, sr = 0, 0, 0
local all = redis.call('HGETALL', KEYS[1])
for k = 1, #all, 2 do
  local f = all[k]
  local kind = string.sub(f, 1, 1)
  local b = tonumber(string.sub(f, 2))
  local v = tonumber(all[k + 1])
  if kind == 'r' then
    if b >= rmin then sr = sr + v end
  elseif b >= tmin then
    if kind == 'i' then si = si + v else so = so + v end
  end
end
local sc = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
return { si, so, sr, sc }
`;
