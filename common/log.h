// The daemon's log: one JSON object per line on stderr, for journald and log shippers (docs/ARCHITECTURE.md,
// "Logging"). Every line has, in this order, "time" (RFC 3339 UTC, milliseconds), "level", "component", "event",
// then the identifiers and fields given, then "msg":
//
//   log::Warn("gateway", "message.refused").Organisation(code).MessageId(id).Code(ErrorCode::kAccessDenied)
//       .Field("listener", address).Msg("no agreement allows {} to ask {}", code, addressee_code);
//
// A line is written by Msg(), or when the builder is destroyed without one (then "msg" is empty). Component, event
// and field names are compile-time constants ([a-z0-9_.], checked by the compiler), so no data can become a key.
//
// WHAT MAY BE LOGGED. Field values and msg hold only what identifies things of the gateway, never citizens:
// message ids, organisation and operator codes, stable error codes, field paths ("request.citizen.snils"), counts,
// durations, sizes, listener addresses, file paths, certificate subjects and fingerprints of the gateway's own keys.
// NEVER envelope contents or payload text, a Status message that may quote them, names of people, SNILS or other
// personal identifiers, birth dates, citizens' postal addresses, phone numbers or e-mail addresses, at any level.
// tests/logs/log_privacy_test.cc greps every daemon log of a full test run for the test citizens' data.
//
// Thread-safe: lines from concurrent threads never interleave. Before Configure, lines at info and above go to
// stderr. A line below the level costs one atomic load: nothing is formatted or allocated.
#pragma once

#include <fmt/format.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace mezhved::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kCritical };

// "trace", "debug", "info", "warn", "error", "critical".
std::string_view LevelName(Level level);

// Sets the level (trace, debug, info, warn, error; as logging.level of the config) and writes to stderr.
// INVALID_ARGUMENT for another name, leaving the level as it was.
Status Configure(std::string_view level_name);
// The same, writing to `out` instead of stderr (tests). `out` must outlive the logging; Configure(level_name)
// returns to stderr.
Status Configure(std::string_view level_name, std::ostream& out);

// Whether a line at `level` would be written.
bool Enabled(Level level);

// A component, event or field name, fixed at compile time: lower-case letters, digits, '_' and '.'. A string that
// breaks the rule, or one known only at run time, does not compile.
class Name {
 public:
  template <size_t N>
  consteval Name(const char (&text)[N])  // NOLINT(google-explicit-constructor): reads like a string literal
      : text_(text, N - 1) {
    if (N < 2) {
      NameMustBeLowerCaseLettersDigitsUnderscoresOrDots();
    }
    for (char c : text_) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
        NameMustBeLowerCaseLettersDigitsUnderscoresOrDots();
      }
    }
  }
  constexpr std::string_view view() const { return text_; }

 protected:
  // Not constexpr: reaching one during constant evaluation is the compile error, and its name the message.
  static void NameMustBeLowerCaseLettersDigitsUnderscoresOrDots();
  static void FieldNameIsReservedForTheKeysOfEveryLine();

 private:
  std::string_view text_;
};

// A name for Field: a Name that is none of the keys every line has or the identifiers' own keys.
class FieldName : public Name {
 public:
  template <size_t N>
  consteval FieldName(const char (&text)[N])  // NOLINT(google-explicit-constructor): reads like a string literal
      : Name(text) {
    for (std::string_view reserved :
         {"time", "level", "component", "event", "message_id", "organisation", "operator", "code", "msg"}) {
      if (view() == reserved) {
        FieldNameIsReservedForTheKeysOfEveryLine();
      }
    }
  }
};

// One line under construction, made by Trace() ... Critical() or At(); not copied or moved. When its level is off
// every call returns at once.
class Line {
 public:
  Line(Level level, Name component, Name event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  bool enabled() const { return enabled_; }

  // The identifiers, each written under its own key, in this order, whatever the order of the calls.
  Line& MessageId(std::string_view id);
  Line& Organisation(std::string_view code);  // an organisation's code, e.g. "ZAGS-BARNAUL"
  Line& Operator(std::string_view name);      // an operator's name as the config lists it
  Line& Code(std::string_view code);          // a stable error code, e.g. "ACCESS_DENIED"
  Line& Code(ErrorCode code);

  // Further fields, after the identifiers, in the order of the calls: identifiers, codes, counts, addresses, paths.
  Line& Field(FieldName name, std::string_view value);
  Line& Field(FieldName name, const char* value) {
    return Field(name, value != nullptr ? std::string_view(value) : std::string_view());
  }
  Line& Field(FieldName name, bool value);
  Line& Field(FieldName name, double value);
  template <std::integral T>
  Line& Field(FieldName name, T value) {
    if constexpr (std::is_signed_v<T>) {
      return AddField(name, static_cast<int64_t>(value));
    } else {
      return AddField(name, static_cast<uint64_t>(value));
    }
  }

  // Writes the line with its human message (fmt syntax; the format is a compile-time constant). Only the first
  // Msg of a line writes.
  template <typename... Args>
  void Msg(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled_) {
      Write(fmt::format(format, std::forward<Args>(args)...));
    }
  }

 private:
  using Value = std::variant<std::string, int64_t, uint64_t, bool, double>;
  Line& AddField(FieldName name, Value value);
  void Write(std::string_view msg);

  Level level_;
  bool enabled_;  // and not yet written
  Name component_;
  Name event_;
  std::optional<std::string> message_id_;
  std::optional<std::string> organisation_;
  std::optional<std::string> operator_;
  std::optional<std::string> code_;
  std::vector<std::pair<std::string_view, Value>> fields_;
};

inline Line Trace(Name component, Name event) { return {Level::kTrace, component, event}; }
inline Line Debug(Name component, Name event) { return {Level::kDebug, component, event}; }
inline Line Info(Name component, Name event) { return {Level::kInfo, component, event}; }
inline Line Warn(Name component, Name event) { return {Level::kWarn, component, event}; }
inline Line Error(Name component, Name event) { return {Level::kError, component, event}; }
inline Line Critical(Name component, Name event) { return {Level::kCritical, component, event}; }
inline Line At(Level level, Name component, Name event) { return {level, component, event}; }

}  // namespace mezhved::log
