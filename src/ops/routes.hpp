#pragma once
// Operator endpoints: liveness, readiness, Prometheus metrics, and the OpenAPI document.
#include "app/app.hpp"
#include "http/router.hpp"

namespace medcore::ops {
void mount_ops(http::Router& router, App& app);
}
