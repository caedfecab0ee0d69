#pragma once
// process_* metrics in the standard names Prometheus client libraries use, read from /proc
// at scrape time (Linux).

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>

#include <vector>

namespace p2psip::metrics {

struct ProcessSample {
  double start_time_seconds = 0;  // since the Unix epoch
  double cpu_seconds = 0;         // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
};

// Parses /proc/self/stat text (pure, for tests); boot_time from /proc/stat "btime".
bool parse_proc_stat(const std::string& stat_text, long ticks_per_second, long page_size,
                     double boot_time_seconds, ProcessSample& out);

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace p2psip::metrics
