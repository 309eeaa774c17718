// lshrs — everything a typical user needs, in one include.
//
// Thread safety: as each included header states.
#pragma once

#include "lshrs/auto_config.hpp"
#include "lshrs/config.hpp"
#include "lshrs/error.hpp"
#include "lshrs/exact.hpp"
#include "lshrs/fetcher.hpp"
#include "lshrs/hasher.hpp"
#include "lshrs/index.hpp"
#include "lshrs/kmeans.hpp"
#include "lshrs/memory_store.hpp"
#include "lshrs/model_io.hpp"
#include "lshrs/signatures.hpp"
#include "lshrs/source.hpp"
#include "lshrs/store.hpp"
#include "lshrs/tuner.hpp"
#include "lshrs/tuning.hpp"
