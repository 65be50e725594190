/**
 * Lua scripts of the Redis backend. Redis runs a script atomically, so each
 * admit / settle / sweep is one indivisible step for every instance sharing
 * the Redis.
 *
 * Money is never arithmetic in Lua (its numbers are doubles, exact only to
 * 2^53 picodollars = $9,007): amounts travel as decimal strings, change with
 * HINCRBY (exact int64) and compare as strings (`cmp`). Bucket levels are
 * integers below 2^53 (see bucket.ts), so doubles are exact there.
 *
 * Cap hash fields: c = committed, r = reserved, u = c + r (kept so the check
 * is one comparison). Bucket hash fields: l = level (units), t = epoch ms.
 */

const CMP = `
local function cmp(a, b)
  local na, nb = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
  if na ~= nb then if na then return -1 else return 1 end end
  if na then a = string.sub(a, 2); b = string.sub(b, 2) end
  local r
  if #a ~= #b then if #a < #b then r = -1 else r = 1 end
  elseif a == b then r = 0
  elseif a < b then r = -1 else r = 1 end
  if na then return -r end
  return r
end
`;

const REFILL = `
local PERIOD = 60000
local function refill(key, limit, now)
  local full = limit * PERIOD
  local s = redis.call('HMGET', key, 'l', 't')
  if not s[1] then return full, now end
  local level, at = tonumber(s[1]), tonumber(s[2])
  local elapsed = now - at
  if elapsed < 0 then elapsed = 0 end
  level = math.min(full, level + elapsed * limit)
  if now > at then at = now end
  return level, at
end
local function store(key, limit, level, at)
  redis.call('HSET', key, 'l', level, 't', at)
  -- A full bucket is the same as no key: let it vanish once refilled.
  redis.call('PEXPIRE', key, math.ceil((limit * PERIOD - level) / limit) + 1000)
end
`;

/**
 * KEYS: nb bucket keys, nc cap keys, reservation key, reservations zset.
 * ARGV: now, nb, nc, worst, reservation id, expiresAt, cap ttl ms,
 *       nb x (limit, amount), nc x (max used before this request, '' = no limit).
 * Returns {0, (remaining, used, reset) x nb} | {1, index, remaining, used, reset, retry}
 *       | {2, index, used} | {3, missing indexes...}.
 */
export const ADMIT = `${CMP}${REFILL}
local now, nb, nc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local worst, rid, expires, capTtl = ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
-- A cap always holds u (see INIT_CAPS), so an absent u is an absent cap.
local missing, used = {3}, {}
for i = 1, nc do
  local u = redis.call('HGET', KEYS[nb + i], 'u')
  if u then used[i] = u else table.insert(missing, i - 1) end
end
if #missing > 1 then return missing end
local capArg = 8 + 2 * nb
for i = 1, nc do
  local maxUsed = ARGV[capArg + i - 1]
  if maxUsed ~= '' and cmp(used[i], maxUsed) > 0 then return {2, i - 1, used[i]} end
end
local levels, ats, out = {}, {}, {0}
for i = 1, nb do
  local limit, amount = tonumber(ARGV[8 + 2 * (i - 1)]), tonumber(ARGV[9 + 2 * (i - 1)])
  local full = limit * PERIOD
  local level, at = refill(KEYS[i], limit, now)
  local cost = amount * PERIOD
  local used = math.min(limit, math.ceil((full - level) / PERIOD))
  if level < cost then
    return {1, i - 1, math.max(0, math.floor(level / PERIOD)), used, math.ceil((full - level) / limit), math.ceil((cost - level) / limit)}
  end
  levels[i], ats[i] = level - cost, at
  table.insert(out, math.max(0, math.floor(levels[i] / PERIOD)))
  table.insert(out, used)
  table.insert(out, math.ceil((full - levels[i]) / limit))
end
for i = 1, nb do store(KEYS[i], tonumber(ARGV[8 + 2 * (i - 1)]), levels[i], ats[i]) end
local capKeys = {}
for i = 1, nc do
  local key = KEYS[nb + i]
  if worst ~= '0' then
    redis.call('HINCRBY', key, 'r', worst)
    redis.call('HINCRBY', key, 'u', worst)
  end
  redis.call('PEXPIRE', key, capTtl)
  table.insert(capKeys, key)
end
if nc > 0 and worst ~= '0' then
  redis.call('HSET', KEYS[nb + nc + 1], 'w', worst, 'caps', table.concat(capKeys, '\\n'))
  redis.call('PEXPIRE', KEYS[nb + nc + 1], math.max(1, expires - now) + 86400000)
  redis.call('ZADD', KEYS[nb + nc + 2], expires, rid)
end
return out
`;

/** Releases one reservation record (shared by settle and sweep). */
const RELEASE = `
local function release(rkey)
  local r = redis.call('HMGET', rkey, 'w', 'caps')
  if not r[1] then return 0 end
  local neg = '-' .. r[1]
  for cap in string.gmatch(r[2], '[^\\n]+') do
    if redis.call('EXISTS', cap) == 1 then
      redis.call('HINCRBY', cap, 'r', neg)
      redis.call('HINCRBY', cap, 'u', neg)
    end
  end
  redis.call('DEL', rkey)
  return 1
end
`;

/**
 * KEYS: reservation key, reservations zset, the nc cap keys the admit reserved against
 *       (the reservation record lists the same ones), nk bucket keys.
 * ARGV: now, nc, nk, reservation id, actual cost, worst (the reserved amount),
 *       actual - worst, nk x (limit, delta).
 * The release and the commit are one change per cap: r - worst, c + actual,
 * u + (actual - worst), the difference worked out exactly by the caller. A
 * reservation the sweep already released (its record is gone) only commits.
 */
export const SETTLE = `${REFILL}
local now, nc, nk, rid, actual = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local worst, change = ARGV[6], ARGV[7]
local held = redis.call('DEL', KEYS[1]) == 1
redis.call('ZREM', KEYS[2], rid)
for i = 1, nc do
  local cap = KEYS[2 + i]
  -- A cap that vanished is rebuilt from the store, which will include this cost once flushed.
  if redis.call('EXISTS', cap) == 1 then
    if held then redis.call('HINCRBY', cap, 'r', '-' .. worst) end
    if actual ~= '0' then redis.call('HINCRBY', cap, 'c', actual) end
    local du = actual
    if held then du = change end
    if du ~= '0' then redis.call('HINCRBY', cap, 'u', du) end
  end
end
for i = 1, nk do
  local key = KEYS[2 + nc + i]
  local limit, delta = tonumber(ARGV[8 + 2 * (i - 1)]), tonumber(ARGV[9 + 2 * (i - 1)])
  local level, at = refill(key, limit, now)
  store(key, limit, math.min(limit * PERIOD, level - delta * PERIOD), at)
end
return 1
`;

/** KEYS: reservations zset. ARGV: now, key prefix, batch size. */
export const SWEEP = `${RELEASE}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  release(ARGV[2] .. 'r:' .. id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;

/** KEYS: cap keys. ARGV: cap ttl ms, committed per key. Sets only absent caps. */
export const INIT_CAPS = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'c', ARGV[1 + i], 'u', ARGV[1 + i], 'r', '0')
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]))
  end
end
return 1
`;
