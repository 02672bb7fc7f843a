// The logs of a test run hold no citizen's data (issue 8: "SNILS, names, birth dates and contact details never appear
// in a log line, whatever the level"). Every daemon a test starts leaves its whole log in $MEZHVED_TEST_LOG_DIR
// (DaemonProcess); CTest runs the reset before and the check after every test that starts a daemon (fixture
// daemon_logs, tests/CMakeLists.txt). The daemons of the tests log at debug.
//
// What is looked for:
//   - found by pattern in the tests' sources and data (tests/, bench/ whose mezhved_bench the tests run against the
//     daemon, schemas/ with its examples): every SNILS-shaped string, 11-digit numbers with a valid SNILS check
//     number, and the names, birth dates, phone numbers, e-mail and postal addresses that envelopes and payloads are
//     given (set_last_name("..."), <c:LastName>...</c:LastName>, LastName: '...' and the like), so that a new
//     fixture citizen is covered without anyone remembering this test;
//   - tests/support/citizen_data.txt: the same kinds of values, listed by hand, including those no pattern reaches.
// Each value is also looked for in its other spellings: a SNILS without separators, a date as DD.MM.YYYY, a phone
// number as bare digits, each word of a full name; letters are compared without case, ё as е. A value counts only
// as a whole word or number ("Иван" inside "Иванова" is not a match of its own; "Иванова" is looked for itself).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/validation.h"  // IsValidSnils: the check number rule the gateway applies

namespace mezhved::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = MEZHVED_SOURCE_DIR;
constexpr size_t kDefaultMinimumLogs = 20;  // a full run leaves several times as many
constexpr size_t kMaxProblemsShown = 40;

fs::path LogDir() {
  const char* dir = std::getenv("MEZHVED_TEST_LOG_DIR");
  REQUIRE(dir != nullptr);  // CTest sets it (tests/CMakeLists.txt)
  return dir;
}

size_t MinimumLogs() {
  const char* minimum = std::getenv("MEZHVED_MIN_DAEMON_LOGS");
  return minimum != nullptr ? std::stoul(minimum) : kDefaultMinimumLogs;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return "";
  }
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

size_t CodePoints(const std::string& text) {
  size_t count = 0;
  for (char c : text) {
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return count;
}

// Lower case for ASCII and Russian letters, with ё as е (UTF-8): names may be logged upper-cased or normalised.
std::string Fold(const std::string& text) {
  std::string folded;
  folded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c >= 'A' && c <= 'Z') {
      folded += static_cast<char>(c + ('a' - 'A'));
    } else if (c == 0xD0 && next >= 0x90 && next <= 0x9F) {  // А..П
      folded += {'\xD0', static_cast<char>(next + 0x20)};
      ++i;
    } else if (c == 0xD0 && next >= 0xA0 && next <= 0xAF) {  // Р..Я
      folded += {'\xD1', static_cast<char>(next - 0x20)};
      ++i;
    } else if ((c == 0xD0 && next == 0x81) || (c == 0xD1 && next == 0x91)) {  // Ё, ё
      folded += "\xD0\xB5";
      ++i;
    } else {
      folded += static_cast<char>(c);
    }
  }
  return folded;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string DigitsOf(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (IsDigit(c)) {
      digits += c;
    }
  }
  return digits;
}

enum class Kind { kSnils, kName, kFullName, kBirthDate, kPhone, kEmail, kAddress, kListed };

struct Needle {
  std::string value;   // as the test data has it
  std::string origin;  // where it was found
};

// The code point that starts at `at`, and the one that ends just before it (0 at the ends of the text).
char32_t CodePointAt(const std::string& text, size_t at) {
  if (at >= text.size()) {
    return 0;
  }
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) {
    return lead;
  }
  const int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  char32_t code_point = lead & (0x3F >> (length - 1));
  for (int i = 1; i < length && at + i < text.size(); ++i) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  }
  return code_point;
}

char32_t CodePointBefore(const std::string& text, size_t at) {
  if (at == 0) {
    return 0;
  }
  size_t start = at - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  return CodePointAt(text, start);
}

enum class CharClass { kLetter, kDigit, kOther };

CharClass ClassOf(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0x400 && c <= 0x4FF)) {
    return CharClass::kLetter;
  }
  return c >= '0' && c <= '9' ? CharClass::kDigit : CharClass::kOther;
}

// A value counts only as a whole: a name not inside a longer word, a number not inside a longer number.
bool WholeAt(const std::string& text, size_t at, const std::string& value) {
  const CharClass first = ClassOf(CodePointAt(value, 0));
  const CharClass last = ClassOf(CodePointBefore(value, value.size()));
  return (first == CharClass::kOther || ClassOf(CodePointBefore(text, at)) != first) &&
         (last == CharClass::kOther || ClassOf(CodePointAt(text, at + value.size())) != last);
}

class CitizenData {
 public:
  void Add(std::string value, Kind kind, const std::string& origin) {
    value = Trim(value);
    if (CodePoints(value) < 3) {  // "L", "x": placeholders of unit tests, and too short to mean anything in a log
      return;
    }
    static const std::regex snils(R"(([0-9]{3})-([0-9]{3})-([0-9]{3}) ([0-9]{2}))");
    static const std::regex bare_snils(R"([0-9]{11})");
    static const std::regex iso_date(R"(([0-9]{4})-([0-9]{2})-([0-9]{2}))");
    std::smatch match;
    if (std::regex_match(value, match, snils) || (kind == Kind::kSnils && std::regex_match(value, bare_snils))) {
      const std::string digits = DigitsOf(value);
      Put(value, value, origin);
      Put(digits, value, origin);
      Put(digits.substr(0, 3) + "-" + digits.substr(3, 3) + "-" + digits.substr(6, 3) + " " + digits.substr(9), value,
          origin);
      return;
    }
    if (std::regex_match(value, match, iso_date)) {
      Put(value, value, origin);
      Put(match.str(3) + "." + match.str(2) + "." + match.str(1), value, origin);
      return;
    }
    Put(value, value, origin);
    if (kind == Kind::kPhone && DigitsOf(value).size() >= 10) {
      Put(DigitsOf(value), value, origin);
    }
    if (kind == Kind::kFullName) {
      std::istringstream words(value);
      for (std::string word; words >> word;) {
        if (CodePoints(word) >= 3 && word.find('.') == std::string::npos) {
          Put(word, value, origin);
        }
      }
    }
  }

  // Pattern extraction from one file of tests or test data.
  void Scan(const fs::path& file) {
    const std::string text = ReadFile(file);
    const std::string origin = fs::relative(file, kSourceDir).string();
    struct Rule {
      std::regex pattern;
      int group;
      Kind kind;
    };
    static const std::vector<Rule> rules = [] {
      const auto flags = std::regex::ECMAScript | std::regex::optimize;
      return std::vector<Rule>{
          {std::regex(R"((?:^|[^0-9-])([0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2})(?![0-9]))", flags), 1, Kind::kSnils},
          {std::regex(R"((?:^|[^0-9.])([0-9]{11})(?![0-9]))", flags), 1, Kind::kSnils},
          // C++: the generated setters of v1::Citizen, ContactDetails and Preparer.
          {std::regex(R"~(set_(?:last_name|first_name|middle_name)\("([^"]*)"\))~", flags), 1, Kind::kName},
          {std::regex(R"~(set_full_name\("([^"]*)"\))~", flags), 1, Kind::kFullName},
          {std::regex(R"~(set_(?:work_)?phone\("([^"]*)"\))~", flags), 1, Kind::kPhone},
          {std::regex(R"~(set_(?:work_)?email\("([^"]*)"\))~", flags), 1, Kind::kEmail},
          {std::regex(R"~(set_postal_address\("([^"]*)"\))~", flags), 1, Kind::kAddress},
          // XML: envelopes (m:), payloads (c: and the types' own elements).
          {std::regex(R"(<(?:[A-Za-z]+:)?(?:LastName|FirstName|MiddleName)>([^<]*)</)", flags), 1, Kind::kName},
          {std::regex(R"(<(?:[A-Za-z]+:)?FullName>([^<]*)</)", flags), 1, Kind::kFullName},
          {std::regex(R"(<(?:[A-Za-z]+:)?(?:Work)?Phone>([^<]*)</)", flags), 1, Kind::kPhone},
          {std::regex(R"(<(?:[A-Za-z]+:)?(?:Work)?Email>([^<]*)</)", flags), 1, Kind::kEmail},
          {std::regex(R"(<(?:[A-Za-z]+:)?(?:PostalAddress|PlaceOfBirth)>([^<]*)</)", flags), 1, Kind::kAddress},
          {std::regex(R"(<(?:[A-Za-z]+:)?BirthDate>([0-9]{4}-[0-9]{2}-[0-9]{2})</)", flags), 1, Kind::kBirthDate},
          // JavaScript objects of the WSDL client (tests/soap/wsdl_client).
          {std::regex(R"~(\b(?:LastName|FirstName|MiddleName)\s*:\s*["']([^"']*)["'])~", flags), 1, Kind::kName},
          {std::regex(R"~(\bFullName\s*:\s*["']([^"']*)["'])~", flags), 1, Kind::kFullName},
          {std::regex(R"~(\b(?:Work)?Phone\s*:\s*["']([^"']*)["'])~", flags), 1, Kind::kPhone},
          {std::regex(R"~(\b(?:Work)?Email\s*:\s*["']([^"']*)["'])~", flags), 1, Kind::kEmail},
          {std::regex(R"~(\bPostalAddress\s*:\s*["']([^"']*)["'])~", flags), 1, Kind::kAddress},
          {std::regex(R"~(\bBirthDate\s*:\s*["']([0-9]{4}-[0-9]{2}-[0-9]{2})["'])~", flags), 1, Kind::kBirthDate},
      };
    }();
    for (const Rule& rule : rules) {
      for (auto it = std::sregex_iterator(text.begin(), text.end(), rule.pattern); it != std::sregex_iterator(); ++it) {
        const std::string value = (*it)[rule.group].str();
        if (rule.kind == Kind::kSnils && value.find('-') == std::string::npos && !gateway::IsValidSnils(value)) {
          continue;  // an 11-digit number that is no SNILS
        }
        Add(value, rule.kind, origin);
      }
    }
    // C++ birth dates: a line that sets a birth date with year, month and day, e.g. MakeDate(1948, 3, 17) or
    // year(1985) / 4 / 12.
    static const std::regex date_parts(R"(([12][0-9]{3})\)?\s*[,/]\s*([0-9]{1,2})\s*[,/]\s*([0-9]{1,2})(?![0-9]))");
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::smatch match;
      if (line.find("birth_date") != std::string::npos && std::regex_search(line, match, date_parts)) {
        char date[16];
        std::snprintf(date, sizeof date, "%s-%02d-%02d", match.str(1).c_str(), std::stoi(match.str(2)),
                      std::stoi(match.str(3)));
        Add(date, Kind::kBirthDate, origin);
      }
    }
  }

  // tests/support/citizen_data.txt: one value per line, # comments.
  void AddListed(const fs::path& file) {
    std::istringstream lines(ReadFile(file));
    for (std::string line; std::getline(lines, line);) {
      line = Trim(line);
      if (!line.empty() && line[0] != '#') {
        Add(line, Kind::kListed, fs::relative(file, kSourceDir).string());
      }
    }
  }

  const std::map<std::string, Needle>& needles() const { return needles_; }
  size_t Count(const std::regex& shape) const {
    size_t count = 0;
    for (const auto& [folded, needle] : needles_) {
      count += std::regex_match(needle.value, shape) ? 1 : 0;
    }
    return count;
  }

  // The first needle found in `text`, or null.
  const Needle* FindIn(const std::string& text) const {
    const std::string folded = Fold(text);
    for (const auto& [key, needle] : needles_) {
      for (size_t at = folded.find(key); at != std::string::npos; at = folded.find(key, at + 1)) {
        if (WholeAt(folded, at, key)) {
          return &needle;
        }
      }
    }
    return nullptr;
  }

 private:
  void Put(const std::string& text, const std::string& value, const std::string& origin) {
    needles_.try_emplace(Fold(text), Needle{value, origin});
  }

  std::map<std::string, Needle> needles_;
};

bool IsScanned(const fs::path& file) {
  static const std::vector<std::string> extensions = {".cc",  ".h",         ".mjs", ".js", ".xml",
                                                      ".xsd", ".textproto", ".sh",  ".txt"};
  return std::find(extensions.begin(), extensions.end(), file.extension().string()) != extensions.end() &&
         fs::file_size(file) < 2'000'000;
}

CitizenData CollectCitizenData() {
  CitizenData data;
  for (const char* root : {"tests", "bench", "schemas"}) {
    for (auto it = fs::recursive_directory_iterator(kSourceDir / root); it != fs::recursive_directory_iterator();
         ++it) {
      if (it->is_directory() && it->path().filename() == "node_modules") {
        it.disable_recursion_pending();
      } else if (it->is_regular_file() && IsScanned(it->path()) && it->path().filename() != "citizen_data.txt") {
        data.Scan(it->path());
      }
    }
  }
  data.AddListed(kSourceDir / "tests/support/citizen_data.txt");
  return data;
}

// Every string and number of a JSON value but the line's time, which is the log's own.
void CollectValues(const nlohmann::json& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (key != "time") {
        out.push_back(key);
        CollectValues(item, out);
      }
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      CollectValues(item, out);
    }
  } else if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else {
    out.push_back(value.dump());
  }
}

TEST_CASE("the tests' citizen data is found in their sources and data", "[logs][patterns]") {
  const CitizenData data = CollectCitizenData();
  // Each kind at least once: a pattern that silently stopped matching would make the check below pass vacuously.
  CHECK(data.Count(std::regex(R"([0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2})")) >= 3);
  CHECK(data.Count(std::regex(R"([0-9]{4}-[0-9]{2}-[0-9]{2})")) >= 3);
  CHECK(data.Count(std::regex(R"(.+@.+)")) >= 3);
  CHECK(data.Count(std::regex(R"(\+7.*)")) >= 3);
  CHECK(data.needles().count(Fold("Иванова")) == 1);   // ValidRequest's citizen (tests/support/envelopes.cc)
  CHECK(data.needles().count(Fold("Соколова")) == 1);  // the SOAP examples' citizen
  CHECK(data.needles().count("11223344595") == 1);

  // The spellings a leak may take are found; the same digits or letters inside something longer are not.
  CHECK(data.FindIn("request from ИВАНОВА МАРИЯ") != nullptr);
  CHECK(data.FindIn("citizen \"Соколова\"") != nullptr);
  CHECK(data.FindIn("snils=11223344595;") != nullptr);
  CHECK(data.FindIn("born 17.03.1948") != nullptr);
  CHECK(data.FindIn("call 73852000000") != nullptr);
  CHECK(data.FindIn("mail UZSN-BARNAUL@example.ru") == nullptr);
  CHECK(data.FindIn("mail USZN-BARNAUL@example.ru") != nullptr);
  CHECK(data.FindIn("sequence 9112233445950") == nullptr);
  CHECK(data.FindIn("Ивановка district") == nullptr);
}

TEST_CASE("no daemon log line of the test run holds a citizen's data, and every line is JSON", "[.grep]") {
  const CitizenData data = CollectCitizenData();
  const fs::path dir = LogDir();
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> logs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".log") {
      logs.push_back(entry.path());
    }
  }
  std::sort(logs.begin(), logs.end());
  INFO("daemon logs in " << dir.string() << ": " << logs.size() << ", at least " << MinimumLogs()
                         << " expected from a full run (for a few tests: `ctest -FA daemon_logs` leaves this check "
                            "out, MEZHVED_MIN_DAEMON_LOGS=1 lowers the bar)");
  REQUIRE(logs.size() >= MinimumLogs());

  std::vector<std::string> problems;
  size_t lines_checked = 0;
  for (const fs::path& log : logs) {
    std::istringstream lines(ReadFile(log));
    size_t number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      ++lines_checked;
      const std::string where = log.filename().string() + ":" + std::to_string(number) + ": ";
      const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      std::vector<std::string> values;
      if (!parsed.is_object() || !parsed.contains("event") || !parsed.contains("level")) {
        problems.push_back(where + "not a JSON log line: " + line.substr(0, 200));
        values.push_back(line);
      } else {
        CollectValues(parsed, values);
        if (parsed["event"] == "daemon.starting" && parsed.value("log_level", "") != "debug" &&
            parsed.value("log_level", "") != "trace") {
          problems.push_back(where + "the daemon logs at " + parsed.value("log_level", "?") +
                             ": tests run daemons at debug, so that every level is checked");
        }
      }
      for (const std::string& value : values) {
        if (const Needle* found = data.FindIn(value)) {
          problems.push_back(where + "holds the citizen data \"" + found->value + "\" (from " + found->origin + ")");
          break;
        }
      }
    }
    if (number == 0) {
      problems.push_back(log.filename().string() + ": empty: the daemon wrote no line at all");
    }
  }
  INFO("lines checked: " << lines_checked << ", values looked for: " << data.needles().size());
  std::string shown;
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
    shown += problems[i] + "\n";
  }
  INFO(problems.size() << " problem(s) in " << dir.string() << ":\n" << shown);
  CHECK(problems.empty());
}

// The fixture's setup (FIXTURES_SETUP daemon_logs): an empty directory at the start of a run.
TEST_CASE("reset the daemon log directory", "[.reset]") {
  const fs::path dir = LogDir();
  fs::remove_all(dir);
  fs::create_directories(dir);
  CHECK(fs::is_empty(dir));
}

// `test_log_privacy "[.list]" -s`: what the check looks for, to review the patterns.
TEST_CASE("list the citizen data looked for", "[.list]") {
  const CitizenData data = CollectCitizenData();
  for (const auto& [folded, needle] : data.needles()) {
    std::printf("%s\t%s\t%s\n", folded.c_str(), needle.value.c_str(), needle.origin.c_str());
  }
}

}  // namespace
}  // namespace mezhved::testing
