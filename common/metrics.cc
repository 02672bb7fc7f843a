#include "common/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mezhved::metrics {
namespace {

void AppendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void AppendNumber(std::string& out, uint64_t value) {
  char buffer[24];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

// HELP text escapes backslash and newline; label values also the double quote.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += quote ? "\\\"" : "\"";
        break;
      default:
        out += c;
    }
  }
}

constexpr double kMicro = 1e6;

}  // namespace

// --- TextWriter ----------------------------------------------------------------------------------------------------

void TextWriter::Family(std::string_view name, std::string_view help, std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  AppendEscaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::Labels(const std::vector<Label>& labels) {
  if (labels.empty()) {
    return;
  }
  out_ += '{';
  const char* separator = "";
  for (const auto& [label, value] : labels) {
    out_ += separator;
    out_ += label;
    out_ += "=\"";
    AppendEscaped(out_, value, true);
    out_ += '"';
    separator = ",";
  }
  out_ += '}';
}

void TextWriter::Sample(std::string_view name, const std::vector<Label>& labels, double value) {
  out_ += name;
  Labels(labels);
  out_ += ' ';
  AppendNumber(out_, value);
  out_ += '\n';
}

void TextWriter::Sample(std::string_view name, const std::vector<Label>& labels, uint64_t value) {
  out_ += name;
  Labels(labels);
  out_ += ' ';
  AppendNumber(out_, value);
  out_ += '\n';
}

// --- Histogram -----------------------------------------------------------------------------------------------------

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds_.size() + 1)) {
  if (!std::is_sorted(upper_bounds_.begin(), upper_bounds_.end())) {
    throw std::invalid_argument("histogram bounds must ascend");  // a programming error, caught at start
  }
}

void Histogram::Observe(double value) {
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  const double micro = std::max(0.0, value) * kMicro;
  sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(micro)), std::memory_order_relaxed);
}

void Histogram::ObserveSince(std::chrono::steady_clock::time_point start) {
  Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

Histogram::Reading Histogram::Read() const {
  Reading reading;
  reading.cumulative.reserve(upper_bounds_.size() + 1);
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    reading.count += buckets_[i].load(std::memory_order_relaxed);
    reading.cumulative.push_back(reading.count);
  }
  reading.sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / kMicro;
  return reading;
}

std::vector<double> Histogram::LatencyBounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> Histogram::AgeBounds() {
  return {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400};
}

// --- CounterGrid ---------------------------------------------------------------------------------------------------

CounterGrid::CounterGrid(std::vector<Dimension> dimensions) : dimensions_(std::move(dimensions)) {
  size_t cells = 1;
  for (const Dimension& dimension : dimensions_) {
    if (dimension.values.empty()) {
      throw std::invalid_argument("a counter grid's dimension " + dimension.label + " has no values");
    }
    cells *= dimension.values.size();
  }
  cells_ = std::vector<Counter>(cells);
}

Counter& CounterGrid::At(std::initializer_list<size_t> indexes) {
  size_t position = 0;
  auto index = indexes.begin();
  for (const Dimension& dimension : dimensions_) {
    const size_t value = index != indexes.end() ? std::min(*index++, dimension.values.size() - 1) : 0;
    position = position * dimension.values.size() + value;
  }
  return cells_[position];
}

uint64_t CounterGrid::Sum() const {
  uint64_t sum = 0;
  for (const Counter& cell : cells_) {
    sum += cell.Value();
  }
  return sum;
}

void CounterGrid::Write(TextWriter& writer, std::string_view name) const {
  std::vector<Label> labels(dimensions_.size());
  for (size_t position = 0; position < cells_.size(); ++position) {
    const uint64_t value = cells_[position].Value();
    if (value == 0) {
      continue;
    }
    size_t rest = position;
    for (size_t d = dimensions_.size(); d-- > 0;) {
      const Dimension& dimension = dimensions_[d];
      labels[d] = {dimension.label, dimension.values[rest % dimension.values.size()]};
      rest /= dimension.values.size();
    }
    writer.Sample(name, labels, value);
  }
}

// --- Registry ------------------------------------------------------------------------------------------------------

struct CollectorHandle::Entry {
  std::mutex mutex;  // held while the collector runs, so that Reset waits for a scrape in progress
  std::function<void(TextWriter&)> write;
};

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    entry_ = std::move(other.entry_);
  }
  return *this;
}

void CollectorHandle::Reset() {
  if (entry_ != nullptr) {
    std::lock_guard lock(entry_->mutex);
    entry_->write = nullptr;
  }
  entry_.reset();
}

Counter& Registry::AddCounter(std::string name, std::string help) {
  auto counter = std::make_shared<Counter>();
  Counter& added = *counter;
  AddEntry([counter, name = std::move(name), help = std::move(help)](TextWriter& writer) {
    writer.Family(name, help, "counter");
    writer.Sample(name, counter->Value());
  });
  return added;
}

Histogram& Registry::AddHistogram(std::string name, std::string help, std::vector<double> upper_bounds) {
  auto histogram = std::make_shared<Histogram>(std::move(upper_bounds));
  Histogram& added = *histogram;
  AddEntry([histogram, name = std::move(name), help = std::move(help)](TextWriter& writer) {
    writer.Family(name, help, "histogram");
    const Histogram::Reading reading = histogram->Read();
    const std::string bucket = name + "_bucket";
    const std::vector<double>& bounds = histogram->upper_bounds();
    for (size_t i = 0; i <= bounds.size(); ++i) {
      std::string le;
      AppendNumber(le, i < bounds.size() ? bounds[i] : INFINITY);
      writer.Sample(bucket, {{"le", le}}, reading.cumulative[i]);
    }
    writer.Sample(name + "_sum", reading.sum);
    writer.Sample(name + "_count", reading.count);
  });
  return added;
}

CounterGrid& Registry::AddCounterGrid(std::string name, std::string help,
                                      std::vector<CounterGrid::Dimension> dimensions) {
  auto grid = std::make_shared<CounterGrid>(std::move(dimensions));
  CounterGrid& added = *grid;
  AddEntry([grid, name = std::move(name), help = std::move(help)](TextWriter& writer) {
    writer.Family(name, help, "counter");
    grid->Write(writer, name);
  });
  return added;
}

std::shared_ptr<CollectorHandle::Entry> Registry::AddEntry(std::function<void(TextWriter&)> collector) {
  auto entry = std::make_shared<Entry>();
  entry->write = std::move(collector);
  std::lock_guard lock(mutex_);
  entries_.push_back(entry);
  return entry;
}

CollectorHandle Registry::AddCollector(std::function<void(TextWriter&)> collector) {
  return CollectorHandle(AddEntry(std::move(collector)));
}

std::string Registry::Render() const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mutex_);
    entries = entries_;
  }
  std::string out;
  out.reserve(16 << 10);
  TextWriter writer(out);
  for (const auto& entry : entries) {
    std::lock_guard lock(entry->mutex);
    if (entry->write) {
      entry->write(writer);
    }
  }
  return out;
}

// --- The process ---------------------------------------------------------------------------------------------------

namespace {

struct ProcessFigures {
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  uint64_t virtual_bytes = 0;
  uint64_t resident_bytes = 0;
};

// /proc/self/stat: fields after the command name (which may hold spaces, hence the last ')').
bool ReadProcessStat(ProcessFigures& figures) {
  std::ifstream file("/proc/self/stat");
  std::string line;
  if (!std::getline(file, line)) {
    return false;
  }
  const size_t close = line.rfind(')');
  if (close == std::string::npos) {
    return false;
  }
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> values;
  for (std::string value; fields >> value;) {
    values.push_back(std::move(value));
  }
  // Field numbers of proc(5) minus 3: state is field 3, utime 14, stime 15, starttime 22, vsize 23, rss 24.
  constexpr size_t kUtime = 11, kStime = 12, kStartTime = 19, kVsize = 20, kRss = 21;
  if (values.size() <= kRss) {
    return false;
  }
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  figures.cpu_seconds = (std::stod(values[kUtime]) + std::stod(values[kStime])) / ticks;
  figures.virtual_bytes = std::stoull(values[kVsize]);
  figures.resident_bytes = std::stoull(values[kRss]) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::ifstream uptime_file("/proc/stat");
  for (std::string key; uptime_file >> key;) {
    if (key == "btime") {
      double boot_time = 0;
      uptime_file >> boot_time;
      figures.start_time_seconds = boot_time + std::stod(values[kStartTime]) / ticks;
      break;
    }
  }
  return true;
}

uint64_t CountOpenFiles() {
  std::error_code error;
  uint64_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error)) {
    ++count;
  }
  return count;
}

uint64_t MaxOpenFiles() {
  const long max = sysconf(_SC_OPEN_MAX);
  return max > 0 ? static_cast<uint64_t>(max) : 0;
}

}  // namespace

CollectorHandle AddProcessCollector(Registry& registry) {
  return registry.AddCollector([](TextWriter& writer) {
    ProcessFigures figures;
    if (ReadProcessStat(figures)) {
      writer.Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter");
      writer.Sample("process_cpu_seconds_total", figures.cpu_seconds);
      writer.Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
      writer.Sample("process_virtual_memory_bytes", figures.virtual_bytes);
      writer.Family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
      writer.Sample("process_resident_memory_bytes", figures.resident_bytes);
      writer.Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge");
      writer.Sample("process_start_time_seconds", figures.start_time_seconds);
    }
    writer.Family("process_open_fds", "Number of open file descriptors.", "gauge");
    writer.Sample("process_open_fds", CountOpenFiles());
    writer.Family("process_max_fds", "Maximum number of open file descriptors.", "gauge");
    writer.Sample("process_max_fds", MaxOpenFiles());
  });
}

}  // namespace mezhved::metrics
