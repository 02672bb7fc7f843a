// Process-wide set-up of OpenSSL and xmlsec1 for XML signatures (docs/SIGNATURES.md).
#pragma once

#include <string>

#include "common/status.h"

namespace mezhved::seal {

// Loads `openssl_config` (an OpenSSL configuration file; deploy/openssl-gost.cnf loads the GOST engine of Debian's
// libengine-gost-openssl) when it is not empty, then initialises xmlsec1 and its OpenSSL backend. Runs once per
// process: later calls return the first call's result, whatever their argument. CONFIG_INVALID when the file cannot
// be loaded; INTERNAL when xmlsec1 cannot start. Thread-safe.
Status InitializeCrypto(const std::string& openssl_config);

// Whether OpenSSL can handle GOST R 34.10-2012 keys: the GOST engine is loaded.
bool GostAvailable();

// The last error xmlsec1 reported on this thread, for messages ("" when none). Cleared by ClearXmlsecError.
std::string LastXmlsecError();
void ClearXmlsecError();

}  // namespace mezhved::seal
