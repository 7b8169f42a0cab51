// Loaded into the harness's node processes with NODE_OPTIONS=--require (bench/run-gateway.sh).
// Adds the gateway's bearer token to every HTTP request the unmodified loadgen makes; direct and
// gateway targets alike get the same header bytes, so the SSE comparison stays fair.
const http = require('http');
const orig = http.request;
http.request = function (opts, cb) {
  if (opts && typeof opts === 'object' && !(opts instanceof URL) && process.env.BENCH_FRONT_TOKEN) {
    opts.headers = Object.assign({}, opts.headers, { Authorization: 'Bearer ' + process.env.BENCH_FRONT_TOKEN });
  }
  return orig.call(this, opts, cb);
};
