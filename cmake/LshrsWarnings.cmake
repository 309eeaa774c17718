# Project-wide compile settings applied to our own targets only (never to
# consumers): warnings, optional -Werror, optional sanitizers, fuzzing
# instrumentation (LSHRS_FUZZ).
function(lshrs_target_settings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s own std::string
  # concatenation (GCC bug 105329, fixed in 13): noise from the library, not
  # our code, that made a Release build print ~40 lines of templates.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(LSHRS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(LSHRS_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${LSHRS_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${LSHRS_SANITIZE})
  endif()
  if(LSHRS_FUZZ)
    # Coverage feedback for libFuzzer in every target; only the fuzzers
    # themselves link libFuzzer's main (tests/fuzz/CMakeLists.txt).
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
