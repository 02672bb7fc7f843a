// mezhvedd: the interagency message gateway daemon. Reads its config (flags override the file), opens the store,
// serves the agency and operator gRPC APIs, and stops gracefully on SIGTERM or SIGINT.
#include <google/protobuf/util/time_util.h>
#include <grpc/support/log.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>

#include "adapters/console/server.h"
#include "adapters/grpc/server.h"
#include "adapters/soap/server.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/readiness.h"
#include "daemon/service_manager.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/participants.h"
#include "gateway/reports.h"
#include "seal/crypto.h"
#include "seal/keys.h"
#include "seal/sealer.h"
#include "seal/verifier.h"
#include "store/rocksdb_store.h"

namespace mezhved {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);

// gRPC core's own messages (above its GRPC_VERBOSITY, by default errors only) as JSON lines of component "grpc",
// so that nothing but JSON reaches stderr. They name peers, channels and transport errors, never message contents.
void LogGrpcCoreLine(gpr_log_func_args* args) {
  log::Level level = log::Level::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    level = log::Level::kError;
  } else if (args->severity == GPR_LOG_SEVERITY_INFO) {
    level = log::Level::kInfo;
  }
  log::At(level, "grpc", "grpc.core")
      .Field("file", args->file != nullptr ? args->file : "")
      .Field("line", args->line)
      .Msg("{}", args->message != nullptr ? args->message : "");
}

struct Flags {
  std::string config_path;
  std::string data_dir;
  std::string agency_listen;
  std::string operator_listen;
  std::string soap_listen;
  std::string console_listen;
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
  if (!flags.console_listen.empty() && config->operator_console().has_listener()) {
    config->mutable_operator_console()->mutable_listener()->set_address(flags.console_listen);
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
                      const adapters::soap::SoapServer* soap, const adapters::console::ConsoleServer* console) {
  nlohmann::json ready = {{"agency_address", servers.agency_address()},
                          {"operator_address", servers.operator_address()},
                          {"pid", static_cast<int>(getpid())}};
  if (soap != nullptr) {
    ready["soap_address"] = soap->address();
  }
  if (console != nullptr) {
    ready["console_address"] = console->address();
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
        std::pair{"soap_api", &config.soap_api().listener()},
        std::pair{"operator_console", &config.operator_console().listener()}}) {
    if (listener->insecure_loopback()) {
      log::Warn("daemon", "listener.insecure")
          .Field("listener", name)
          .Field("address", listener->address())
          .Msg(
              "{} on {} is PLAIN TEXT without client certificates (insecure_loopback): for trying the "
              "gateway out on this machine only, never for real data",
              name, listener->address());
    }
  }
}

// The store keeps every version of every agreement applied, so that what allowed a request can be read back
// later; a start with a changed configuration records the new versions and the withdrawals.
Status RecordAgreements(const config::v1::GatewayConfig& config, store::MessageStore& store, const Clock& clock,
                        const std::string& occasion) {
  std::promise<StatusOr<store::AgreementSync>> recorded;
  store.RecordAgreements({config.agreements().begin(), config.agreements().end()}, clock.NowMs(),
                         [&recorded](StatusOr<store::AgreementSync> sync) { recorded.set_value(std::move(sync)); });
  StatusOr<store::AgreementSync> sync = recorded.get_future().get();
  MEZHVED_RETURN_IF_ERROR(sync.status());
  log::Info("store", "agreements.recorded")
      .Field("in_force", config.agreements_size())
      .Field("added", sync->added)
      .Field("changed", sync->changed)
      .Field("withdrawn", sync->withdrawn)
      .Msg("agreements: {} in force; {} new, {} changed, {} withdrawn since they were last recorded",
           config.agreements_size(), sync->added, sync->changed, sync->withdrawn);
  if (sync->added + sync->changed + sync->withdrawn == 0) {
    return Status::Ok();
  }
  // A change of the agreements is an administrator's act on the configuration: the auditors see when it took
  // effect (who edited the file is the host's own record; docs/CONSOLE.md).
  v1::AuditEntry entry;
  *entry.mutable_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(clock.NowMs());
  entry.set_operator_("configuration");
  entry.set_role(config::v1::OPERATOR_ROLE_ADMINISTRATOR);
  entry.set_action("agreements_recorded");
  entry.set_detail(std::to_string(sync->added) + " new, " + std::to_string(sync->changed) + " changed, " +
                   std::to_string(sync->withdrawn) + " withdrawn; " + std::to_string(config.agreements_size()) +
                   " in force");
  entry.set_client(occasion);
  std::promise<StatusOr<bool>> audited;
  store.RecordAudit(std::move(entry), [&audited](StatusOr<bool> kept) { audited.set_value(std::move(kept)); });
  return audited.get_future().get().status();
}

// The system clock, or with --clock-file a simulated one that tests and drills move by rewriting the file.
std::unique_ptr<Clock> MakeClock(const Flags& flags) {
  if (flags.clock_file.empty()) {
    return std::make_unique<SystemClock>();
  }
  log::Warn("daemon", "clock.from_file")
      .Field("clock_file", flags.clock_file)
      .Msg("time is read from {} (--clock-file), not from the system clock: for tests and drills only",
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
    log::Warn("seal", "seal.disabled")
        .Msg("no seal section: accepted messages are NOT sealed (allowed only on insecure loopback listeners)");
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
  const std::string valid_until = google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp((*key)->not_after_ms()));
  log::Info("seal", "seal.key_loaded")
      .Field("algorithm", settings.algorithm())
      .Field("certificate_sha256", (*key)->certificate_sha256())
      .Field("valid_until", valid_until)
      .Msg("sealing with {}: certificate {} (SHA-256 {}), valid until {}", settings.algorithm(), (*key)->subject(),
           (*key)->certificate_sha256(), valid_until);
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

// The production calendar of the config: the federal years and the regional overlays (at start and on SIGHUP).
StatusOr<std::shared_ptr<const calendar::ProductionCalendar>> LoadCalendar(const config::v1::GatewayConfig& config) {
  StatusOr<calendar::ProductionCalendar> production_calendar = calendar::ProductionCalendar::Load(
      config.calendar().federal_dir(),
      {config.calendar().overlay_files().begin(), config.calendar().overlay_files().end()});
  MEZHVED_RETURN_IF_ERROR(production_calendar.status().Prefixed("the production calendar"));
  return std::make_shared<const calendar::ProductionCalendar>(std::move(*production_calendar));
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
  StatusOr<std::shared_ptr<const calendar::ProductionCalendar>> production_calendar = LoadCalendar(config);
  MEZHVED_RETURN_IF_ERROR(production_calendar.status());
  rules.calendar = std::move(*production_calendar);
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
    log::Error("seal", "seal.rotation_failed")
        .Code(sealer.ok() ? ErrorCode::kConfigInvalid : sealer.status().code())
        .Msg("SIGHUP: the sealing key is kept: {}",
             sealer.ok() ? "the config has no seal section" : sealer.status().ToString());
    return;
  }
  StatusOr<std::shared_ptr<const seal::SignatureVerifier>> verifier = OwnSealVerifier(*config, **sealer, sealed_with);
  if (!verifier.ok()) {
    log::Error("seal", "seal.rotation_failed")
        .Code(verifier.status().code())
        .Msg("SIGHUP: the sealing key is kept: {}", verifier.status().ToString());
    return;
  }
  sealed_with.push_back((*sealer)->key().certificate_der());
  gateway.ReplaceSealing(*sealer, *verifier);
  log::Info("seal", "seal.rotated")
      .Field("certificate_sha256", (*sealer)->key().certificate_sha256())
      .Msg("SIGHUP: sealing key rotated; now {} (SHA-256 {})", (*sealer)->key().subject(),
           (*sealer)->key().certificate_sha256());
}

// SIGHUP: the agreements and the production calendars of the config file, read again, apply from now on, and the
// agreements' changes are recorded in the store as at a start. A config, agreement or calendar that does not load
// changes nothing and is logged. What needs a restart (the participants, the listeners, the catalogue, the store) is
// not applied: a change to the participants is logged as waiting for one.
void ReloadAgreementsAndCalendars(const Flags& flags, const config::v1::GatewayConfig& started_with,
                                  const gateway::ParticipantRegistry& participants, gateway::Gateway& gateway,
                                  store::MessageStore& store, const Clock& clock) {
  StatusOr<config::v1::GatewayConfig> config = EffectiveConfig(flags);
  StatusOr<std::shared_ptr<const calendar::ProductionCalendar>> production_calendar =
      config.ok() ? LoadCalendar(*config)
                  : StatusOr<std::shared_ptr<const calendar::ProductionCalendar>>(config.status());
  if (!production_calendar.ok()) {
    log::Error("daemon", "reload.failed")
        .Code(production_calendar.status().code())
        .Msg("SIGHUP: the agreements and calendars are kept: {}", production_calendar.status().ToString());
    return;
  }
  gateway.ReplaceAgreementsAndCalendar(std::make_shared<const gateway::AgreementRegistry>(*config, participants),
                                       *std::move(production_calendar));
  log::Info("daemon", "reload.applied")
      .Field("agreements", config->agreements_size())
      .Msg("SIGHUP: {} agreements and the production calendars of {} apply from now on", config->agreements_size(),
           config->calendar().federal_dir());
  if (Status recorded = RecordAgreements(*config, store, clock, "SIGHUP"); !recorded.ok()) {
    log::Error("store", "agreements.record_failed")
        .Code(recorded.code())
        .Msg("SIGHUP: the agreements apply but could not be recorded in the store: {}", recorded.ToString());
  }
  const auto agencies = [](const config::v1::GatewayConfig& of) {
    std::string text;
    for (const config::v1::Agency& agency : of.agencies()) {
      text += agency.SerializeAsString();
    }
    return text;
  };
  if (agencies(*config) != agencies(started_with)) {
    log::Warn("daemon", "reload.needs_restart")
        .Msg("SIGHUP: the agencies and organisations changed in the config; they apply at the next restart");
  }
}

// SIGHUP: the HTTPS listeners read their certificate, key and client CA files again for new connections (the gRPC
// listeners watch theirs on their own, every few seconds). A file that does not load keeps the ones in use.
void ReloadTlsFiles(adapters::soap::SoapServer* soap, adapters::console::ConsoleServer* console) {
  const auto reload = [](std::string_view listener, Status reloaded) {
    if (reloaded.ok()) {
      log::Info("daemon", "tls.reloaded").Field("listener", listener).Msg("SIGHUP: {} TLS files read again", listener);
    } else {
      log::Error("daemon", "tls.reload_failed")
          .Field("listener", listener)
          .Code(reloaded.code())
          .Msg("SIGHUP: {} keeps its TLS files: {}", listener, reloaded.ToString());
    }
  };
  if (soap != nullptr) {
    reload("soap_api", soap->ReloadTls());
  }
  if (console != nullptr) {
    reload("operator_console", console->ReloadTls());
  }
}

int Serve(const config::v1::GatewayConfig& config, const Flags& flags, const sigset_t& stop_signals) {
  // Declared first, so that everything that registers figures with it is gone before it is.
  metrics::Registry metrics;
  const metrics::CollectorHandle process_metrics = metrics::AddProcessCollector(metrics);
  Readiness readiness;
  StatusOr<gateway::Rules> rules = LoadRules(config);
  if (!rules.ok()) {
    log::Critical("daemon", "rules.load_failed")
        .Code(rules.status().code())
        .Msg("cannot load {}", rules.status().ToString());
    return 2;
  }
  std::shared_ptr<const gateway::ParticipantRegistry> participants = rules->participants;
  store::RocksDbStoreOptions store_options;
  store_options.data_dir = config.store().data_dir();
  store_options.max_batch_operations = config.store().max_batch_operations();
  store_options.metrics = &metrics;
  // The reports' daily tallies: a store last opened with other rules or registries counts them again here.
  store_options.tallier = std::make_shared<const gateway::ReportTallier>(*participants, rules->information_types);
  const auto opening = std::chrono::steady_clock::now();
  StatusOr<std::unique_ptr<store::RocksDbStore>> store = store::RocksDbStore::Open(store_options);
  if (!store.ok()) {
    log::Critical("store", "store.open_failed")
        .Code(store.status().code())
        .Field("data_dir", store_options.data_dir)
        .Msg("cannot open the store: {}", store.status().ToString());
    return 1;
  }
  // An open that counted the tallies again takes seconds per million messages: say how long it took.
  log::Info("store", "store.opened")
      .Field("data_dir", store_options.data_dir)
      .Field("seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - opening).count())
      .Msg("store open");
  const std::unique_ptr<Clock> clock_owner = MakeClock(flags);
  const Clock& clock = *clock_owner;
  if (Status recorded = RecordAgreements(config, **store, clock, "daemon start"); !recorded.ok()) {
    log::Critical("store", "agreements.record_failed")
        .Code(recorded.code())
        .Msg("cannot record the agreements in the store: {}", recorded.ToString());
    return 1;
  }
  const std::shared_ptr<const seal::Sealer> gateway_rules_sealer = rules->sealer;
  gateway::Gateway gateway(gateway::GatewaySettings::FromConfig(config), std::move(*rules), **store, clock, &metrics);
  // The rules (keys, calendars, catalogue, agreements) are loaded by now, or the daemon would have stopped; what
  // can still fail is the store.
  readiness.Require("store", [&store] { return (*store)->Health(); });

  StatusOr<std::unique_ptr<adapters::grpc_api::GrpcServers>> servers =
      adapters::grpc_api::GrpcServers::Start(config, gateway, participants);
  if (!servers.ok()) {
    log::Critical("grpc", "listener.start_failed")
        .Code(servers.status().code())
        .Msg("cannot start the gRPC listeners: {}", servers.status().ToString());
    return 1;
  }
  std::unique_ptr<adapters::soap::SoapServer> soap;
  if (config.soap_api().has_listener()) {
    StatusOr<std::unique_ptr<adapters::soap::SoapServer>> started =
        adapters::soap::SoapServer::Start(config, gateway, participants);
    if (!started.ok()) {
      log::Critical("soap", "listener.start_failed")
          .Code(started.status().code())
          .Msg("cannot start the SOAP listener: {}", started.status().ToString());
      return 1;
    }
    soap = std::move(*started);
    log::Info("soap", "listener.serving")
        .Field("address", soap->address())
        .Msg("serving: SOAP API on {} (WSDL at /soap?wsdl)", soap->address());
  }
  std::unique_ptr<adapters::console::ConsoleServer> console;
  if (config.operator_console().has_listener()) {
    StatusOr<std::unique_ptr<adapters::console::ConsoleServer>> started = adapters::console::ConsoleServer::Start(
        config, adapters::console::ConsoleDependencies{&gateway, &metrics, &readiness, MEZHVED_VERSION});
    if (!started.ok()) {
      log::Critical("console", "listener.start_failed")
          .Code(started.status().code())
          .Msg("cannot start the operators' console: {}", started.status().ToString());
      return 1;
    }
    console = std::move(*started);
    log::Info("console", "listener.serving")
        .Field("address", console->address())
        .Msg("serving: operators' console, /metrics, /healthz and /readyz on {}", console->address());
  }
  gateway::Housekeeper housekeeper(gateway, config.delivery().housekeeping_interval_ms());
  WarnAboutInsecureListeners(config);
  log::Info("daemon", "daemon.serving")
      .Field("agency_address", (*servers)->agency_address())
      .Field("operator_address", (*servers)->operator_address())
      .Field("data_dir", config.store().data_dir())
      .Msg("serving: agency API on {}, operator API on {}, store in {}", (*servers)->agency_address(),
           (*servers)->operator_address(), config.store().data_dir());
  if (!flags.ready_file.empty()) {
    if (Status written = WriteReadyFile(flags.ready_file, **servers, soap.get(), console.get()); !written.ok()) {
      log::Critical("daemon", "ready_file.failed").Code(written.code()).Msg("{}", written.ToString());
      return 1;
    }
  }

  std::vector<std::string> sealed_with;  // certificates of the keys sealed with since the start
  if (gateway_rules_sealer != nullptr) {
    sealed_with.push_back(gateway_rules_sealer->key().certificate_der());
  }
  readiness.MarkStarted();
  const std::string serving = "serving: agency API on " + (*servers)->agency_address();
  daemon::NotifyReady(serving);
  int signal_number = 0;
  while ((signal_number = WaitForStopSignal(stop_signals)) == SIGHUP) {
    daemon::NotifyReloading();
    RotateSealingKey(flags, gateway, sealed_with);
    ReloadAgreementsAndCalendars(flags, config, *participants, gateway, **store, clock);
    ReloadTlsFiles(soap.get(), console.get());
    daemon::NotifyReady(serving);
  }
  log::Info("daemon", "daemon.stopping")
      .Field("signal", signal_number)
      .Msg("signal {} received: stopping", signal_number);
  readiness.MarkStopping();
  daemon::NotifyStopping();
  (*servers)->SetServing(false);  // health checks say NOT_SERVING first, so load balancers stop sending
  gateway.BeginShutdown();        // long polls answer now instead of holding the shutdown up
  if (soap) {
    soap->Shutdown(kShutdownGrace);
  }
  (*servers)->Shutdown(kShutdownGrace);  // calls in flight finish: their writes are synced before they answer
  if (console) {
    console->Shutdown(kShutdownGrace);  // last of the listeners: /readyz says "stopping" while the others drain
  }
  (*store)->Close();
  log::Info("daemon", "daemon.stopped").Msg("stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace mezhved

namespace {

int Main(int argc, char** argv) {
  gpr_set_log_function(&mezhved::LogGrpcCoreLine);
  mezhved::Flags flags;
  CLI::App app{"mezhvedd: the interagency message gateway daemon"};
  app.add_option("-c,--config", flags.config_path, "config file (text format or JSON)")->required();
  app.add_option("--data-dir", flags.data_dir, "overrides store.data_dir");
  app.add_option("--agency-listen", flags.agency_listen, "overrides agency_api.address (host:port)");
  app.add_option("--operator-listen", flags.operator_listen, "overrides operator_api.address (host:port)");
  app.add_option("--soap-listen", flags.soap_listen, "overrides soap_api.listener.address (host:port), if configured");
  app.add_option("--console-listen", flags.console_listen,
                 "overrides operator_console.listener.address (host:port), if configured");
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
  sigaddset(&stop_signals, SIGHUP);  // not a stop: reloads keys, certificates, agreements, calendars
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Until the level is known, lines at info and above go out: the configuration's own errors among them.
  mezhved::StatusOr<mezhved::config::v1::GatewayConfig> config = mezhved::EffectiveConfig(flags);
  if (!config.ok()) {
    mezhved::log::Critical("daemon", "config.invalid")
        .Code(config.status().code())
        .Msg("invalid configuration: {}", config.status().ToString());
    return 2;
  }
  if (mezhved::Status configured = mezhved::log::Configure(config->logging().level()); !configured.ok()) {
    mezhved::log::Critical("daemon", "config.invalid")
        .Code(configured.code())
        .Msg("invalid configuration: {}", configured.ToString());
    return 2;
  }
  mezhved::log::Info("daemon", "daemon.starting")
      .Field("log_level", config->logging().level())
      .Msg("mezhvedd starting with effective configuration:\n{}", mezhved::gateway::DescribeConfig(*config));
  return mezhved::Serve(*config, flags, stop_signals);
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing of mezhved throws; this catches what a library might (allocation failure, CLI11, fmt).
  try {
    return Main(argc, argv);
  } catch (const std::exception& error) {
    mezhved::log::Critical("daemon", "daemon.exception").Msg("stopping on an unexpected exception: {}", error.what());
  } catch (...) {
    mezhved::log::Critical("daemon", "daemon.exception").Msg("stopping on an unexpected exception");
  }
  return 1;
}
