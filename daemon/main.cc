// mezhvedd: the interagency message gateway daemon. Reads its config (flags override the file), opens the store,
// serves the agency and operator gRPC APIs, and stops gracefully on SIGTERM or SIGINT.
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>

#include "adapters/grpc/server.h"
#include "adapters/soap/server.h"
#include "common/clock.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/participants.h"
#include "seal/crypto.h"
#include "seal/keys.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "store/rocksdb_store.h"

namespace mezhved {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);

struct Flags {
  std::string config_path;
  std::string data_dir;
  std::string agency_listen;
  std::string operator_listen;
  std::string soap_listen;
  std::string log_level;
  std::string ready_file;
  std::string clock_file;  // tests and drills: "now" from this file instead of the system clock
};

void ApplyFlags(const Flags& flags, config::v1::GatewayConfig* config) {
  if (!flags.data_dir.empty()) {
    config->mutable_store()->set_data_dir(flags.data_dir);
  }
  if (!flags.agency_listen.empty()) {
    config->mutable_agency_api()->set_address(flags.agency_listen);
  }
  if (!flags.soap_listen.empty() && config->soap_api().has_listener()) {
    config->mutable_soap_api()->mutable_listener()->set_address(flags.soap_listen);
  }
  if (!flags.operator_listen.empty()) {
    config->mutable_operator_api()->set_address(flags.operator_listen);
  }
  if (!flags.log_level.empty()) {
    config->mutable_logging()->set_level(flags.log_level);
  }
}

StatusOr<config::v1::GatewayConfig> EffectiveConfig(const Flags& flags) {
  StatusOr<config::v1::GatewayConfig> config = gateway::ReadConfigFile(flags.config_path);
  MEZHVED_RETURN_IF_ERROR(config.status());
  ApplyFlags(flags, &*config);
  gateway::ApplyDefaults(&*config);
  MEZHVED_RETURN_IF_ERROR(gateway::ValidateConfig(*config));
  return config;
}

// Tests and scripts wait for this file: it appears, complete, once both listeners serve.
Status WriteReadyFile(const std::string& path, const adapters::grpc_api::GrpcServers& servers,
                      const adapters::soap::SoapServer* soap) {
  nlohmann::json ready = {{"agency_address", servers.agency_address()},
                          {"operator_address", servers.operator_address()},
                          {"pid", static_cast<int>(getpid())}};
  if (soap != nullptr) {
    ready["soap_address"] = soap->address();
  }
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << ready.dump() << "\n";
    if (!out) {
      return {ErrorCode::kInternal, "cannot write ready file '" + temporary + "'"};
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return {ErrorCode::kInternal, "cannot write ready file '" + path + "': " + error.message()};
  }
  return Status::Ok();
}

void WarnAboutInsecureListeners(const config::v1::GatewayConfig& config) {
  for (const auto& [name, listener] :
       {std::pair{"agency_api", &config.agency_api()}, std::pair{"operator_api", &config.operator_api()},
        std::pair{"soap_api", &config.soap_api().listener()}}) {
    if (listener->insecure_loopback()) {
      spdlog::warn(
          "{} on {} is PLAIN TEXT without client certificates (insecure_loopback): for trying the "
          "gateway out on this machine only, never for real data",
          name, listener->address());
    }
  }
}

// The store keeps every version of every agreement applied, so that what allowed a request can be read back
// later; a start with a changed configuration records the new versions and the withdrawals.
Status RecordAgreements(const config::v1::GatewayConfig& config, store::MessageStore& store, const Clock& clock) {
  std::promise<StatusOr<store::AgreementSync>> recorded;
  store.RecordAgreements({config.agreements().begin(), config.agreements().end()}, clock.NowMs(),
                         [&recorded](StatusOr<store::AgreementSync> sync) { recorded.set_value(std::move(sync)); });
  StatusOr<store::AgreementSync> sync = recorded.get_future().get();
  MEZHVED_RETURN_IF_ERROR(sync.status());
  spdlog::info("agreements: {} in force; {} new, {} changed, {} withdrawn since the last start",
               config.agreements_size(), sync->added, sync->changed, sync->withdrawn);
  return Status::Ok();
}

// The system clock, or with --clock-file a simulated one that tests and drills move by rewriting the file.
std::unique_ptr<Clock> MakeClock(const Flags& flags) {
  if (flags.clock_file.empty()) {
    return std::make_unique<SystemClock>();
  }
  spdlog::warn("time is read from {} (--clock-file), not from the system clock: for tests and drills only",
               flags.clock_file);
  return std::make_unique<FileClock>(flags.clock_file);
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

// The first line of a password file, without its line end.
StatusOr<std::string> ReadPassword(const std::string& path) {
  if (path.empty()) {
    return std::string();
  }
  std::ifstream in(path);
  std::string password;
  if (!in || !std::getline(in, password)) {
    return Status(ErrorCode::kConfigInvalid, "the password file " + path + " cannot be read");
  }
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  return password;
}

// The gateway's sealer (docs/SIGNATURES.md), or null in a loopback trial without a seal section (config.cc allows
// that only then). The key's algorithm must be the configured one.
StatusOr<std::shared_ptr<const seal::Sealer>> LoadSealer(const config::v1::GatewayConfig& config) {
  if (!config.has_seal()) {
    spdlog::warn("no seal section: accepted messages are NOT sealed (allowed only on insecure loopback listeners)");
    return std::shared_ptr<const seal::Sealer>();
  }
  const config::v1::SealConfig& settings = config.seal();
  MEZHVED_RETURN_IF_ERROR(seal::InitializeCrypto(settings.openssl_config()));
  StatusOr<std::string> password = ReadPassword(settings.password_file());
  MEZHVED_RETURN_IF_ERROR(password.status());
  StatusOr<std::shared_ptr<const seal::SealingKey>> key = seal::SealingKey::Load(
      {settings.private_key_file(), settings.certificate_file(), settings.pkcs12_file(), *password});
  MEZHVED_RETURN_IF_ERROR(key.status());
  if (seal::NameOf((*key)->algorithm()) != settings.algorithm()) {
    return Status(ErrorCode::kConfigInvalid, "seal.algorithm is " + settings.algorithm() + " but the key is " +
                                                 std::string(seal::NameOf((*key)->algorithm())));
  }
  StatusOr<std::unique_ptr<seal::Sealer>> sealer = seal::Sealer::Create(*key);
  MEZHVED_RETURN_IF_ERROR(sealer.status());
  spdlog::info("sealing with {}: certificate {} (SHA-256 {}), valid until {}", settings.algorithm(), (*key)->subject(),
               (*key)->certificate_sha256(),
               google::protobuf::util::TimeUtil::ToString(
                   google::protobuf::util::TimeUtil::MillisecondsToTimestamp((*key)->not_after_ms())));
  return std::shared_ptr<const seal::Sealer>(std::move(*sealer));
}

// What checks the gateway's own seals again: its current sealing certificate and the earlier ones the config lists.
// `earlier` adds the certificates of keys this process sealed with before a rotation.
StatusOr<std::shared_ptr<const seal::SignatureVerifier>> OwnSealVerifier(const config::v1::GatewayConfig& config,
                                                                         const seal::Sealer& sealer,
                                                                         const std::vector<std::string>& earlier = {}) {
  std::vector<std::string> certificates = {sealer.key().certificate_der()};
  certificates.insert(certificates.end(), earlier.begin(), earlier.end());
  for (const std::string& file : config.seal().previous_certificate_files()) {
    StatusOr<std::string> der = seal::ReadPemCertificateDer(file);
    MEZHVED_RETURN_IF_ERROR(der.status());
    certificates.push_back(std::move(*der));
  }
  StatusOr<std::shared_ptr<const seal::TrustStore>> trust = seal::TrustStore::ForCertificates(certificates);
  MEZHVED_RETURN_IF_ERROR(trust.status());
  // The gateway's own sealed forms: its limits on payloads plus room for the envelope and the signature.
  xml::XmlLimits limits;
  limits.max_bytes = config.limits().max_message_bytes() * 2;
  limits.max_text_bytes = limits.max_bytes;
  return std::make_shared<const seal::SignatureVerifier>(*trust, limits);
}

// The registries the core applies, from the config and the files it names. Loaded before the store is opened, so
// that a broken catalogue or calendar stops start-up without touching the data.
StatusOr<gateway::Rules> LoadRules(const config::v1::GatewayConfig& config) {
  gateway::Rules rules;
  rules.participants =
      std::make_shared<const gateway::ParticipantRegistry>(gateway::ParticipantRegistry::FromConfig(config));
  rules.agreements = std::make_shared<const gateway::AgreementRegistry>(config, *rules.participants);
  StatusOr<std::shared_ptr<const gateway::InformationTypeRegistry>> information_types =
      gateway::InformationTypeRegistry::Load(config.information_types_catalog());
  MEZHVED_RETURN_IF_ERROR(information_types.status().Prefixed("the information types"));
  rules.information_types = std::move(*information_types);
  StatusOr<calendar::ProductionCalendar> production_calendar = calendar::ProductionCalendar::Load(
      config.calendar().federal_dir(),
      {config.calendar().overlay_files().begin(), config.calendar().overlay_files().end()});
  MEZHVED_RETURN_IF_ERROR(production_calendar.status().Prefixed("the production calendar"));
  rules.calendar = std::make_shared<const calendar::ProductionCalendar>(std::move(*production_calendar));
  rules.receipt_policy = config.calendar().receipt_policy() == config::v1::RECEIPT_POLICY_NEXT_WORKING_DAY
                             ? calendar::ReceiptPolicy::kNextWorkingDay
                             : calendar::ReceiptPolicy::kCivilCode;
  rules.working_day_end_minutes = static_cast<int>(config.calendar().working_day_end_minutes());
  StatusOr<std::shared_ptr<const seal::Sealer>> sealer = LoadSealer(config);
  MEZHVED_RETURN_IF_ERROR(sealer.status().Prefixed("the sealing key"));
  rules.sealer = std::move(*sealer);
  if (rules.sealer != nullptr) {
    StatusOr<std::shared_ptr<const seal::SignatureVerifier>> verifier = OwnSealVerifier(config, *rules.sealer);
    MEZHVED_RETURN_IF_ERROR(verifier.status().Prefixed("the sealing certificates"));
    rules.seal_verifier = std::move(*verifier);
  }
  if (!config.sender_trust().ca_files().empty()) {
    MEZHVED_RETURN_IF_ERROR(seal::InitializeCrypto(config.seal().openssl_config()));
    StatusOr<std::shared_ptr<const seal::TrustStore>> trust =
        seal::TrustStore::Load({{config.sender_trust().ca_files().begin(), config.sender_trust().ca_files().end()},
                                {config.sender_trust().crl_files().begin(), config.sender_trust().crl_files().end()}});
    MEZHVED_RETURN_IF_ERROR(trust.status().Prefixed("sender_trust"));
    xml::XmlLimits limits;
    limits.max_bytes = config.limits().max_payload_bytes();
    rules.sender_verifier = std::make_shared<const seal::SignatureVerifier>(*trust, limits);
  }
  return rules;
}

// SIGHUP: the sealing key named in the config file, read again, seals from now on (key rotation without a restart).
// What earlier keys sealed still verifies: their certificates stay trusted. A key that cannot be loaded changes
// nothing and is logged.
void RotateSealingKey(const Flags& flags, gateway::Gateway& gateway, std::vector<std::string>& sealed_with) {
  StatusOr<config::v1::GatewayConfig> config = EffectiveConfig(flags);
  StatusOr<std::shared_ptr<const seal::Sealer>> sealer =
      config.ok() ? LoadSealer(*config) : StatusOr<std::shared_ptr<const seal::Sealer>>(config.status());
  if (!sealer.ok() || *sealer == nullptr) {
    spdlog::error("SIGHUP: the sealing key is kept: {}",
                  sealer.ok() ? "the config has no seal section" : sealer.status().ToString());
    return;
  }
  StatusOr<std::shared_ptr<const seal::SignatureVerifier>> verifier = OwnSealVerifier(*config, **sealer, sealed_with);
  if (!verifier.ok()) {
    spdlog::error("SIGHUP: the sealing key is kept: {}", verifier.status().ToString());
    return;
  }
  sealed_with.push_back((*sealer)->key().certificate_der());
  gateway.ReplaceSealing(*sealer, *verifier);
  spdlog::info("SIGHUP: sealing key rotated; now {} (SHA-256 {})", (*sealer)->key().subject(),
               (*sealer)->key().certificate_sha256());
}

int Serve(const config::v1::GatewayConfig& config, const Flags& flags, const sigset_t& stop_signals) {
  StatusOr<gateway::Rules> rules = LoadRules(config);
  if (!rules.ok()) {
    spdlog::critical("cannot load {}", rules.status().ToString());
    return 2;
  }
  std::shared_ptr<const gateway::ParticipantRegistry> participants = rules->participants;
  store::RocksDbStoreOptions store_options;
  store_options.data_dir = config.store().data_dir();
  store_options.max_batch_operations = config.store().max_batch_operations();
  StatusOr<std::unique_ptr<store::RocksDbStore>> store = store::RocksDbStore::Open(store_options);
  if (!store.ok()) {
    spdlog::critical("cannot open the store: {}", store.status().ToString());
    return 1;
  }
  const std::unique_ptr<Clock> clock_owner = MakeClock(flags);
  const Clock& clock = *clock_owner;
  if (Status recorded = RecordAgreements(config, **store, clock); !recorded.ok()) {
    spdlog::critical("cannot record the agreements in the store: {}", recorded.ToString());
    return 1;
  }
  const std::shared_ptr<const seal::Sealer> gateway_rules_sealer = rules->sealer;
  gateway::Gateway gateway(gateway::GatewaySettings::FromConfig(config), std::move(*rules), **store, clock);

  StatusOr<std::unique_ptr<adapters::grpc_api::GrpcServers>> servers =
      adapters::grpc_api::GrpcServers::Start(config, gateway, participants);
  if (!servers.ok()) {
    spdlog::critical("cannot start the gRPC listeners: {}", servers.status().ToString());
    return 1;
  }
  std::unique_ptr<adapters::soap::SoapServer> soap;
  if (config.soap_api().has_listener()) {
    StatusOr<std::unique_ptr<adapters::soap::SoapServer>> started =
        adapters::soap::SoapServer::Start(config, gateway, participants);
    if (!started.ok()) {
      spdlog::critical("cannot start the SOAP listener: {}", started.status().ToString());
      return 1;
    }
    soap = std::move(*started);
    spdlog::info("serving: SOAP API on {} (WSDL at /soap?wsdl)", soap->address());
  }
  gateway::Housekeeper housekeeper(gateway, config.delivery().housekeeping_interval_ms());
  WarnAboutInsecureListeners(config);
  spdlog::info("serving: agency API on {}, operator API on {}, store in {}", (*servers)->agency_address(),
               (*servers)->operator_address(), config.store().data_dir());
  if (!flags.ready_file.empty()) {
    if (Status written = WriteReadyFile(flags.ready_file, **servers, soap.get()); !written.ok()) {
      spdlog::critical("{}", written.ToString());
      return 1;
    }
  }

  std::vector<std::string> sealed_with;  // certificates of the keys sealed with since the start
  if (gateway_rules_sealer != nullptr) {
    sealed_with.push_back(gateway_rules_sealer->key().certificate_der());
  }
  int signal_number = 0;
  while ((signal_number = WaitForStopSignal(stop_signals)) == SIGHUP) {
    RotateSealingKey(flags, gateway, sealed_with);
  }
  spdlog::info("signal {} received: stopping", signal_number);
  gateway.BeginShutdown();  // long polls answer now instead of holding the shutdown up
  if (soap) {
    soap->Shutdown(kShutdownGrace);
  }
  (*servers)->Shutdown(kShutdownGrace);  // calls in flight finish: their writes are synced before they answer
  (*store)->Close();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace mezhved

namespace {

int Main(int argc, char** argv) {
  mezhved::Flags flags;
  CLI::App app{"mezhvedd: the interagency message gateway daemon"};
  app.add_option("-c,--config", flags.config_path, "config file (text format or JSON)")->required();
  app.add_option("--data-dir", flags.data_dir, "overrides store.data_dir");
  app.add_option("--agency-listen", flags.agency_listen, "overrides agency_api.address (host:port)");
  app.add_option("--operator-listen", flags.operator_listen, "overrides operator_api.address (host:port)");
  app.add_option("--soap-listen", flags.soap_listen, "overrides soap_api.listener.address (host:port), if configured");
  app.add_option("--log-level", flags.log_level, "overrides logging.level");
  app.add_option("--ready-file", flags.ready_file, "write the bound addresses here as JSON once serving");
  app.add_option("--clock-file", flags.clock_file,
                 "tests and drills only: read the current time (Unix milliseconds) from this file");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // not a stop: rotates the sealing key
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%t] %v", spdlog::pattern_time_type::utc);

  mezhved::StatusOr<mezhved::config::v1::GatewayConfig> config = mezhved::EffectiveConfig(flags);
  if (!config.ok()) {
    spdlog::critical("invalid configuration: {}", config.status().ToString());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->logging().level()));
  spdlog::info("mezhvedd starting with effective configuration:\n{}", mezhved::gateway::DescribeConfig(*config));
  return mezhved::Serve(*config, flags, stop_signals);
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing of mezhved throws; this catches what a library might (allocation failure, CLI11, fmt).
  try {
    return Main(argc, argv);
  } catch (const std::exception& error) {
    spdlog::critical("stopping on an unexpected exception: {}", error.what());
  } catch (...) {
    spdlog::critical("stopping on an unexpected exception");
  }
  return 1;
}
