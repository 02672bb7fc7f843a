#include "common/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace mezhved::log {
namespace {

constexpr std::array<std::string_view, 5> kConfigurableLevels = {"trace", "debug", "info", "warn", "error"};

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kCritical:
      return spdlog::level::critical;
  }
  return spdlog::level::critical;
}

// One logger for the process, outside spdlog's registry. Its only sink is a distributing sink whose target
// Configure swaps under the sink's lock; the target formats with "%v", so what reaches it is the JSON line.
struct Output {
  std::shared_ptr<spdlog::sinks::dist_sink_mt> target = std::make_shared<spdlog::sinks::dist_sink_mt>();
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("mezhved", target);
};

void SetTarget(Output& output, std::shared_ptr<spdlog::sinks::sink> sink) {
  sink->set_pattern("%v");
  output.target->set_sinks({std::move(sink)});
}

Output& TheOutput() {
  static Output* const output = [] {
    auto* made = new Output();  // never destroyed: threads may log while the process exits
    SetTarget(*made, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->logger->set_level(spdlog::level::info);
    return made;
  }();
  return *output;
}

Status Install(std::string_view level_name, std::shared_ptr<spdlog::sinks::sink> sink) {
  const auto* found = std::find(kConfigurableLevels.begin(), kConfigurableLevels.end(), level_name);
  if (found == kConfigurableLevels.end()) {
    return {ErrorCode::kInvalidArgument,
            "log level \"" + std::string(level_name) + "\" is not one of trace, debug, info, warn, error"};
  }
  Output& output = TheOutput();
  SetTarget(output, std::move(sink));
  output.logger->set_level(ToSpdlog(static_cast<Level>(found - kConfigurableLevels.begin())));
  return Status::Ok();
}

// RFC 3339 in UTC with milliseconds: 2026-11-24T18:25:01.123Z.
std::string Now() {
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 80> text{};  // room for any int the compiler can imagine
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return text.data();
}

}  // namespace

void Name::NameMustBeLowerCaseLettersDigitsUnderscoresOrDots() {}
void Name::FieldNameIsReservedForTheKeysOfEveryLine() {}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kCritical:
      return "critical";
  }
  return "critical";
}

Status Configure(std::string_view level_name) {
  return Install(level_name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

Status Configure(std::string_view level_name, std::ostream& out) {
  return Install(level_name, std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true));
}

bool Enabled(Level level) { return TheOutput().logger->should_log(ToSpdlog(level)); }

Line::Line(Level level, Name component, Name event)
    : level_(level), enabled_(Enabled(level)), component_(component), event_(event) {}

Line::~Line() {
  if (enabled_) {
    Write("");
  }
}

Line& Line::MessageId(std::string_view id) {
  if (enabled_) {
    message_id_ = std::string(id);
  }
  return *this;
}

Line& Line::Organisation(std::string_view code) {
  if (enabled_) {
    organisation_ = std::string(code);
  }
  return *this;
}

Line& Line::Operator(std::string_view name) {
  if (enabled_) {
    operator_ = std::string(name);
  }
  return *this;
}

Line& Line::Code(std::string_view code) {
  if (enabled_) {
    code_ = std::string(code);
  }
  return *this;
}

Line& Line::Code(ErrorCode code) { return enabled_ ? Code(ErrorCodeName(code)) : *this; }

Line& Line::Field(FieldName name, std::string_view value) {
  return enabled_ ? AddField(name, std::string(value)) : *this;
}

Line& Line::Field(FieldName name, bool value) { return AddField(name, value); }

Line& Line::Field(FieldName name, double value) { return AddField(name, value); }

Line& Line::AddField(FieldName name, Value value) {
  if (enabled_) {
    fields_.emplace_back(name.view(), std::move(value));
  }
  return *this;
}

void Line::Write(std::string_view msg) {
  enabled_ = false;  // a line is written once
  try {
    nlohmann::ordered_json line;
    line["time"] = Now();
    line["level"] = LevelName(level_);
    line["component"] = component_.view();
    line["event"] = event_.view();
    for (const auto& [key, value] : {std::pair{"message_id", &message_id_}, std::pair{"organisation", &organisation_},
                                     std::pair{"operator", &operator_}, std::pair{"code", &code_}}) {
      if (value->has_value()) {
        line[key] = **value;
      }
    }
    for (const auto& [key, value] : fields_) {
      std::visit([&line, key = std::string(key)](const auto& v) { line[key] = v; }, value);
    }
    line["msg"] = msg;
    const std::string text = line.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
    TheOutput().logger->log(ToSpdlog(level_), spdlog::string_view_t(text.data(), text.size()));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a log line that cannot be written must not stop the daemon
  }
}

}  // namespace mezhved::log
