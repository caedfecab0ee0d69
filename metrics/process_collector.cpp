#include "metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace p2psip::metrics {

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

double boot_time_seconds() {
  std::istringstream in(read_file("/proc/stat"));
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && (in >> value)) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

double count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  double n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

prometheus::MetricFamily gauge(const char* name, const char* help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f{name, help, type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

}  // namespace

bool parse_proc_stat(const std::string& stat_text, long ticks_per_second, long page_size,
                     double boot_time, ProcessSample& out) {
  // The command name (field 2) is in parentheses and may contain spaces: skip past the last ')'.
  auto close = stat_text.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return false;
  std::istringstream in(stat_text.substr(close + 1));
  std::string field;
  // Fields from 3 (state) on; utime=14, stime=15, starttime=22, vsize=23, rss=24.
  double utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
  for (int i = 3; i <= 24 && (in >> field); ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 22) starttime = std::stod(field);
    if (i == 23) vsize = std::stod(field);
    if (i == 24) rss = std::stod(field);
  }
  if (!in) return false;
  double ticks = static_cast<double>(ticks_per_second);
  out.cpu_seconds = (utime + stime) / ticks;
  out.start_time_seconds = boot_time + starttime / ticks;
  out.virtual_bytes = vsize;
  out.resident_bytes = rss * static_cast<double>(page_size);
  return true;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  ProcessSample s;
  try {
    parse_proc_stat(read_file("/proc/self/stat"), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE),
                    boot_time_seconds(), s);
  } catch (const std::exception&) {
    // A /proc we cannot parse leaves zeros rather than failing the scrape.
  }
  s.open_fds = count_open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = static_cast<double>(lim.rlim_cur);
  return {
      gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            s.cpu_seconds, prometheus::MetricType::Counter),
      gauge("process_open_fds", "Number of open file descriptors.", s.open_fds),
      gauge("process_max_fds", "Maximum number of open file descriptors.", s.max_fds),
      gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", s.virtual_bytes),
      gauge("process_resident_memory_bytes", "Resident memory size in bytes.", s.resident_bytes),
      gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
            s.start_time_seconds),
  };
}

}  // namespace p2psip::metrics
