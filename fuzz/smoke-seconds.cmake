# Seconds of the ctest *_smoke run for a target, when not the default 20 (included
# per target by the top-level CMakeLists.txt with ${name} set). The masker and the
# escapers are small and fast: 12 s reach their plateau and keep the suite short.
if(name STREQUAL "fuzz_secret_mask" OR name STREQUAL "fuzz_escape")
  set(FOTA_FUZZ_SMOKE_SECONDS 12)
endif()
