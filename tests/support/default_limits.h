// The engine's default limits, named. Every engine call states the limits it
// runs under (the service and the CLI pass the ones they are configured
// with); tests, benchmarks and fuzz targets pass these unless a test is
// about a limit.
#pragma once

#include "policy/automaton/paths.h"
#include "policy/engine/file_permissions.h"
#include "policy/engine/layer.h"
#include "policy/syntax/parser.h"

namespace aalayer::test {

inline const policy::ParseLimits kParseLimits;
inline const policy::GlobLimits kGlobLimits;
inline const policy::DfaLimits kDfaLimits;
inline const policy::GlobRenderLimits kRenderLimits;
inline const policy::PermissionLimits kPermissionLimits;
inline const policy::LayerLimits kLayerLimits;

}  // namespace aalayer::test
