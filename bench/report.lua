-- Appended to every wrk script by bench/run.py: print one JSON line that run.py parses.
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "timeouts": %d, '
      .. '"non_2xx": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors, summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
