// What the daemon tells systemd when it runs as a Type=notify service (deploy/systemd/mezhved.service): ready only
// once it serves, reloading while SIGHUP is handled, stopping when the stop begins. Outside systemd (no
// NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <string_view>

namespace mezhved::daemon {

// READY=1: the store is open, the rules are loaded and every listener serves.
void NotifyReady(std::string_view status);
// RELOADING=1 with the monotonic time systemd wants, then NotifyReady when the reload is done.
void NotifyReloading();
// STOPPING=1: the daemon drains its calls and closes the store.
void NotifyStopping();

}  // namespace mezhved::daemon
