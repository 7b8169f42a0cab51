// Loaded into the harness's node processes with NODE_OPTIONS=--require (bench/run-gateway.sh).
// Adds the gateway's bearer token to every HTTP request the unmodified loadgen makes; direct and
// gateway targets alike get the same header bytes, so the SSE comparison stays fair. WebSocket upgrades
// are left alone: they carry ?token= in the URL, and the front refuses a request with two credentials.
const http = require('http');
const orig = http.request;
http.request = function (opts, cb) {
  const h = opts && typeof opts === 'object' && !(opts instanceof URL) ? opts.headers || {} : null;
  const upgrade = h && Object.keys(h).some((k) => k.toLowerCase() === 'upgrade');
  if (h && !upgrade && process.env.BENCH_FRONT_TOKEN) {
    opts.headers = Object.assign({}, opts.headers, { Authorization: 'Bearer ' + process.env.BENCH_FRONT_TOKEN });
  }
  return orig.call(this, opts, cb);
};
